"""QR labels for the case or envelope of each medium: A4 sheets and 24 mm tape.

A label carries the QR (payload supplied by the caller: the item ID and a short ward MAC,
QR-alphanumeric only, shared/DESIGN.md "Identifiers and labels"), the full payload as text
under it (a damaged QR can then be typed: the ID alone has no MAC and is refused as forged),
the human-readable ID, the case name, the medium kind, and a reminder that labels never go on
the disc surface (NIST SP 500-252: adhesive labels unbalance and damage optical discs).
Nothing personal is printed: a label may be seen by anyone who handles the envelope.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Iterable, Sequence

from reportlab.lib.pagesizes import A4

from handover.documents import _qr
from handover.documents._draw import fit_size, fit_text, mm, new_canvas, wrap_text
from handover.documents.errors import DocumentError
from handover.documents.fonts import FontSet, japanese_fonts

PLACEMENT_NOTE = "ケース・封筒に貼付（ディスク面に貼らない）"
TYPING_MARK = "手入力用"  # before the payload text: what to type when the QR will not scan

# A4 24-up sheet in the common Japanese 70 x 33.9 mm layout (3 columns x 8 rows, no side
# margins, 12.9 mm top and bottom), so commercial pre-cut sheets line up.
SHEET_COLUMNS, SHEET_ROWS = 3, 8
SHEET_LABEL_W, SHEET_LABEL_H = 70 * mm, 33.9 * mm
SHEET_TOP = 12.9 * mm
SHEET_PER_PAGE = SHEET_COLUMNS * SHEET_ROWS

SHEET_QR = 22 * mm

# 24 mm tape: one label per page, the page being the label (tape printers print page by page).
# The QR leaves room under it for the payload line: 16 mm is 0.55 mm a module for the 32-character
# payload (version 2, 29 modules with the quiet zone), 3.9 dots on a 180 dpi tape printer.
TAPE_W, TAPE_H = 64 * mm, 24 * mm
TAPE_QR = 16 * mm
TAPE_MARGIN = 1.5 * mm


@dataclass(frozen=True)
class Label:
    item_id: str      # human-readable ID, e.g. M-7K3QHX9V2B4N-6
    qr_payload: str   # exactly what the QR holds; upper-case QR-alphanumeric
    case_name: str    # 業務名, truncated with … where space runs out
    kind_label: str   # DVD-R, CD-R, 封筒…

    def __post_init__(self) -> None:
        if not self.item_id:
            raise DocumentError("label item_id is empty")
        # Checked here, not at drawing time, so a bad label fails before any page is made.
        _qr.alphanumeric_matrix(self.qr_payload)


def _require(labels: Iterable[Label]) -> list[Label]:
    labels = list(labels)
    if not labels:
        raise DocumentError("no labels to print", hint="pass at least one Label")
    for i, label in enumerate(labels):
        if not isinstance(label, Label):
            raise DocumentError(f"labels[{i}] is not a Label")
    return labels


def _draw_text_block(canvas, fonts: FontSet, label: Label, x: float, top: float, width: float,
                     *, id_size: float, body_size: float, case_lines: int,
                     note_y: float) -> None:
    """The right-hand text of a label: ID, kind, case name from `top` down; note at `note_y`."""
    size = fit_size(label.item_id, fonts.mono_bold, id_size, 4.5, width)
    y = top - size
    canvas.setFont(fonts.mono_bold, size)
    canvas.drawString(x, y, fit_text(label.item_id, fonts.mono_bold, size, width))

    y -= body_size * 1.5
    canvas.setFont(fonts.gothic, body_size)
    canvas.drawString(x, y, fit_text(label.kind_label, fonts.gothic, body_size, width))

    case_size = body_size * 0.9
    canvas.setFont(fonts.gothic, case_size)
    for line in wrap_text(label.case_name, fonts.gothic, case_size, width, case_lines):
        y -= case_size * 1.3
        canvas.drawString(x, y, line)

    note_size = fit_size(PLACEMENT_NOTE, fonts.gothic, 5.0, 3.5, width)
    canvas.setFont(fonts.gothic, note_size)
    canvas.drawString(x, note_y, PLACEMENT_NOTE)


def _draw_payload(canvas, fonts: FontSet, payload: str, x: float, baseline: float,
                  width: float, largest: float) -> None:
    """The payload exactly as the QR holds it, on one line, after a small 手入力用 mark."""
    mark_size = largest * 0.7
    mark_w = canvas.stringWidth(TYPING_MARK, fonts.gothic, mark_size) + 1 * mm
    canvas.setFont(fonts.gothic, mark_size)
    canvas.drawString(x, baseline, TYPING_MARK)
    size = fit_size(payload, fonts.mono_bold, largest, 4.0, width - mark_w)
    canvas.setFont(fonts.mono_bold, size)
    canvas.drawString(x + mark_w, baseline, payload)


def _draw_sheet_label(canvas, fonts: FontSet, label: Label, x: float, y: float,
                      guides: bool) -> None:
    # 4 mm inside the left edge: the outer columns sit at the paper edge, where most
    # printers cannot print.
    pad = 4 * mm
    if guides:
        canvas.saveState()
        canvas.setStrokeGray(0.75)
        canvas.setLineWidth(0.25)
        canvas.rect(x, y, SHEET_LABEL_W, SHEET_LABEL_H)
        canvas.restoreState()
    qr_y = y + SHEET_LABEL_H - 2.5 * mm - SHEET_QR
    _qr.draw_matrix(canvas, _qr.alphanumeric_matrix(label.qr_payload), x + pad, qr_y, SHEET_QR)
    text_x = x + pad + SHEET_QR + 1.5 * mm
    text_w = x + SHEET_LABEL_W - 3 * mm - text_x
    _draw_text_block(canvas, fonts, label, text_x, qr_y + SHEET_QR - 1 * mm, text_w,
                     id_size=8.0, body_size=8.0, case_lines=2, note_y=qr_y + 1.5 * mm)
    _draw_payload(canvas, fonts, label.qr_payload, x + pad, y + 3.5 * mm,
                  SHEET_LABEL_W - pad - 3 * mm, 8.0)


def render_label_sheet_a4(labels: Sequence[Label], *, guides: bool = False,
                          fonts: FontSet | None = None) -> bytes:
    """A4 sheets of 24 labels (3 x 8, 70 x 33.9 mm), as many pages as needed.

    `guides=True` draws light cut lines, for plain paper instead of pre-cut sheets.
    """
    labels = _require(labels)
    fonts = fonts or japanese_fonts()
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, A4, "ラベル")
    page_h = A4[1]
    for start in range(0, len(labels), SHEET_PER_PAGE):
        for offset, label in enumerate(labels[start:start + SHEET_PER_PAGE]):
            row, col = divmod(offset, SHEET_COLUMNS)
            x = col * SHEET_LABEL_W
            y = page_h - SHEET_TOP - (row + 1) * SHEET_LABEL_H
            _draw_sheet_label(canvas, fonts, label, x, y, guides)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_label_tape_24mm(labels: Sequence[Label], *, fonts: FontSet | None = None) -> bytes:
    """One 64 x 24 mm page per label: QR (16 mm) top left, four text lines on its right, the
    payload to type across the bottom."""
    labels = _require(labels)
    fonts = fonts or japanese_fonts()
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (TAPE_W, TAPE_H), "ラベル（24mmテープ）")
    qr_y = TAPE_H - TAPE_MARGIN - TAPE_QR
    for label in labels:
        _qr.draw_matrix(canvas, _qr.alphanumeric_matrix(label.qr_payload),
                        TAPE_MARGIN, qr_y, TAPE_QR)
        text_x = TAPE_MARGIN + TAPE_QR + 1.5 * mm
        _draw_text_block(canvas, fonts, label, text_x, TAPE_H - TAPE_MARGIN - 0.5 * mm,
                         TAPE_W - TAPE_MARGIN - text_x, id_size=7.5, body_size=6.5,
                         case_lines=1, note_y=qr_y + 0.5 * mm)
        _draw_payload(canvas, fonts, label.qr_payload, TAPE_MARGIN, 2.2 * mm,
                      TAPE_W - 2 * TAPE_MARGIN, 7.5)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
