"""QR codes drawn as vector paths, so they stay crisp at any printer resolution.

Labels are encoded in QR alphanumeric mode (0-9, A-Z, space and $%*+-./:), which is what
survives USB scanners that type like keyboards (shared/REQUIREMENTS.md, Labels and scanners),
and packs 5.5 bits per character instead of 8. The checkpoint note on a 確認書 is free text
(lower case, base64, the em dash of a signed note), so it goes in byte mode as UTF-8.
Error correction M (15 %) survives a scuffed case without making the symbol much larger.
"""

from __future__ import annotations

import re

import qrcode
import qrcode.util
from qrcode.constants import ERROR_CORRECT_M

from handover.documents.errors import DocumentError

QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")

# Four modules of quiet zone is the standard; labels use two because the label's own white
# margin continues it, and every millimetre on 24 mm tape goes to module size instead.
QUIET_ZONE = 4
LABEL_QUIET_ZONE = 2


def alphanumeric_matrix(payload: str, border: int = LABEL_QUIET_ZONE) -> list[list[bool]]:
    """Module matrix (quiet zone included) for an alphanumeric-mode payload."""
    if not QR_ALPHANUMERIC.fullmatch(payload):
        raise DocumentError(
            "label QR payload must use only QR alphanumeric characters (0-9, A-Z, space, $%*+-./:)",
            hint="payloads are upper-case IDs; lower case and Japanese do not survive scanners",
        )
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    qr.add_data(qrcode.util.QRData(payload, mode=qrcode.util.MODE_ALPHA_NUM, check_data=True))
    qr.make(fit=True)
    return qr.get_matrix()


def text_matrix(text: str, border: int = QUIET_ZONE) -> list[list[bool]]:
    """Module matrix for arbitrary text, encoded as UTF-8 bytes in one byte-mode segment.

    One segment, not qrcode's mixed-mode optimisation, so the symbol holds exactly the
    bytes of `text` and a decoder returns them unchanged.
    """
    data = text.encode("utf-8")
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    qr.add_data(qrcode.util.QRData(data, mode=qrcode.util.MODE_8BIT_BYTE, check_data=False))
    qr.make(fit=True)
    return qr.get_matrix()


def draw_matrix(canvas, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw `matrix` as a `size`-point square with its lower-left corner at (x, y).

    Dark modules are merged into horizontal runs and filled as one path: a single fill has
    no anti-aliased seams between neighbouring modules, which a camera could read as light.
    """
    n = len(matrix)
    module = size / n
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        col = 0
        while col < n:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < n and row[col]:
                col += 1
            path.rect(x + start * module, top, (col - start) * module, module)
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, fill=1, stroke=0)
    canvas.restoreState()
