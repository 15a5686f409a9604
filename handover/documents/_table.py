"""A ruled table that continues onto new pages, for the documents that list rows (print-log
totals, visit lists). Pages are numbered "n / N" so a missing sheet is noticed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from reportlab.pdfgen.canvas import Canvas

from handover.documents._draw import fit_text


@dataclass(frozen=True)
class Column:
    title: str
    width: float                # points
    align: str = "left"         # left / right / center


def draw_table(canvas: Canvas, font: str, size: float, x: float, top: float, bottom: float,
               columns: Sequence[Column], rows: Sequence[Sequence[str]],
               new_page: Callable[[], float], *, row_height: float | None = None,
               header_font: str | None = None) -> float:
    """Draw the header and rows from `top` down; when a row would cross `bottom`, call
    `new_page()` (which starts a page and returns its top) and repeat the header. Returns
    the y below the last row."""
    height = row_height or size * 1.9
    header_font = header_font or font

    def header(y: float) -> float:
        _row(canvas, header_font, size, x, y, height, columns, [c.title for c in columns], True)
        return y - height

    y = header(top)
    for cells in rows:
        if y - height < bottom:
            y = header(new_page())
        _row(canvas, font, size, x, y, height, columns, cells, False)
        y -= height
    return y


def _row(canvas: Canvas, font: str, size: float, x: float, y: float, height: float,
         columns: Sequence[Column], cells: Sequence[str], shaded: bool) -> None:
    canvas.saveState()
    canvas.setLineWidth(0.5)
    left = x
    for column, text in zip(columns, cells):
        if shaded:
            canvas.setFillGray(0.9)
            canvas.rect(left, y - height, column.width, height, stroke=1, fill=1)
            canvas.setFillGray(0)
        else:
            canvas.rect(left, y - height, column.width, height, stroke=1, fill=0)
        canvas.setFont(font, size)
        shown = fit_text(str(text), font, size, column.width - 6)
        base = y - height / 2 - size * 0.35
        if column.align == "right":
            canvas.drawRightString(left + column.width - 3, base, shown)
        elif column.align == "center":
            canvas.drawCentredString(left + column.width / 2, base, shown)
        else:
            canvas.drawString(left + 3, base, shown)
        left += column.width
    canvas.restoreState()


def number_pages(canvas: Canvas, font: str, total: int, page: int, x: float, y: float) -> None:
    canvas.setFont(font, 9)
    canvas.drawRightString(x, y, f"{page} / {total}")
