"""Small drawing helpers shared by the documents: fitting text, boxes, and the file write."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from handover.documents.errors import DocumentError
from handover.files import write_bytes_atomically

ELLIPSIS = "…"
# Characters that must not start a line (禁則): they hang at the end of the previous one.
_NO_LINE_START = "、。，．）」』】〕・ー!),.:;?"


def new_canvas(buffer: io.BytesIO, pagesize: tuple[float, float], title: str) -> Canvas:
    # invariant=1 drops the creation date and random document ID, so the same record always
    # renders to the same bytes: a reprint can be compared with the original by hash.
    canvas = Canvas(buffer, pagesize=pagesize, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("handover")
    return canvas


def numbered_pages(render: Callable[[io.BytesIO, int], int]) -> bytes:
    """The PDF of `render(buffer, total) -> pages`, drawn twice: the first pass counts the
    pages, so that each page of the second can say "n / N" and a missing page is noticed when
    the paper is filed."""
    total = 1
    for _ in range(2):
        buffer = io.BytesIO()
        total = render(buffer, total)
    return buffer.getvalue()


class FooterPages:
    """The pages of a canvas, each closed with a footer naming the document and "n / N"."""

    def __init__(self, canvas: Canvas, font: str, left: float, right: float, footer: str,
                 total: int, top: float):
        self.canvas, self.font, self.left, self.right = canvas, font, left, right
        self.footer, self.total, self.top = footer, total, top
        self.number = 1

    def _close_page(self) -> None:
        self.canvas.setFont(self.font, 8)
        self.canvas.drawString(self.left, 10 * mm, self.footer)
        self.canvas.drawRightString(self.right, 10 * mm, f"{self.number} / {self.total}")
        self.canvas.showPage()

    def new_page(self) -> float:
        """Closes this page and starts the next; returns the y where its content starts."""
        self._close_page()
        self.number += 1
        return self.top

    def finish(self) -> int:
        """Closes the last page and the document; returns the number of pages."""
        self._close_page()
        self.canvas.save()
        return self.number


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """`text`, cut and ended with … if it is wider than `width` points."""
    if stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    # Binary search for the longest prefix that still fits with the ellipsis.
    while low < high:
        mid = (low + high + 1) // 2
        if stringWidth(text[:mid] + ELLIPSIS, font, size) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS


def fit_size(text: str, font: str, largest: float, smallest: float, width: float) -> float:
    """The largest size from `largest` down to `smallest` at which `text` fits `width`."""
    natural = stringWidth(text, font, largest)
    if natural <= width:
        return largest
    return max(smallest, largest * width / natural)


def wrap_text(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Break `text` into at most `max_lines` lines of `width` points, the last one cut with ….

    Breaks fall between any two characters: Japanese has no spaces to break at, and the
    strings wrapped here (case names, item contents) are short labels, not prose.
    """
    lines: list[str] = []
    rest = text
    while rest and len(lines) < max_lines - 1:
        cut = len(rest)
        while cut > 1 and stringWidth(rest[:cut], font, size) > width:
            cut -= 1
        while cut < len(rest) and rest[cut] in _NO_LINE_START:
            cut += 1  # hanging punctuation: a little past the margin reads better than 。 alone
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines.append(fit_text(rest, font, size, width))
    return lines


def box(canvas: Canvas, x: float, y: float, w: float, h: float, width: float = 0.6) -> None:
    canvas.saveState()
    canvas.setLineWidth(width)
    canvas.rect(x, y, w, h, stroke=1, fill=0)
    canvas.restoreState()


def write_pdf(path: Path | str, pdf_bytes: bytes, mode: int = 0o600) -> Path:
    """Write a rendered document atomically: a printer never picks up half a file.

    The default mode is owner-only because a password notice is a secret until it is printed;
    pass mode=0o644 for documents meant to be shared.
    """
    if not pdf_bytes.startswith(b"%PDF-"):
        # Nothing of the bytes is echoed: they might hold a password.
        raise DocumentError("write_pdf was given bytes that are not a PDF",
                            hint="pass the result of a render_* function")
    return write_bytes_atomically(path, pdf_bytes, mode=mode)


__all__ = ["ELLIPSIS", "box", "fit_size", "fit_text", "mm", "new_canvas", "wrap_text", "write_pdf"]
