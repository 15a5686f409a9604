"""訪問リスト A / B: one half of a split visit list, A4 landscape, in type large enough to read
on a doorstep (14 pt), with the list's ID (and its label QR when the ward's label key is at
hand) on every page, so a returned sheet is counted against the list it belongs to."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from handover.documents._draw import new_canvas, numbered_pages
from handover.documents._qr import alphanumeric_matrix, draw_matrix
from handover.documents._table import Column, draw_table
from handover.documents.fonts import FontSet, japanese_fonts
from handover.documents.wareki import format_wareki

BODY_SIZE = 14
NOTE = ("このリストだけでは個人を識別できません。もう一方のリストを持つ訪問者と照合番号で"
        "突き合わせてください。訪問終了時に全ページを返却してください。")


@dataclass(frozen=True)
class VisitListSheet:
    list_id: str
    half: str                       # A / B
    case_name: str
    made_on: dt.date
    header: tuple[str, ...]         # 照合番号 first
    rows: tuple[tuple[str, ...], ...]
    label_payload: str | None = None    # ID-MAC, when the ward's label key was given


def _widths(sheet: VisitListSheet, font: str, usable: float) -> list[float]:
    natural = [max([stringWidth(str(r[i]), font, BODY_SIZE) for r in sheet.rows]
                   + [stringWidth(h, font, BODY_SIZE)]) + 10 for i, h in enumerate(sheet.header)]
    scale = min(1.0, usable / sum(natural))
    widths = [w * scale for w in natural]
    spare = usable - sum(widths)
    return [w + spare / len(widths) for w in widths]


def render_visit_list(sheet: VisitListSheet, *, fonts: FontSet | None = None) -> bytes:
    fonts = fonts or japanese_fonts()
    return numbered_pages(lambda buffer, total: _render(buffer, sheet, fonts, total))


def _render(buffer: io.BytesIO, sheet: VisitListSheet, fonts: FontSet, total: int) -> int:
    size = landscape(A4)
    width, height = size
    c = new_canvas(buffer, size, f"訪問リスト{sheet.half} {sheet.list_id}")
    left, right = 12 * mm, width - 12 * mm
    page = [1]

    def head() -> float:
        c.setFont(fonts.gothic, 20)
        c.drawString(left, height - 16 * mm, f"訪問リスト{sheet.half}")
        c.setFont(fonts.mincho, 10)
        c.drawString(left + 48 * mm, height - 11 * mm, sheet.case_name)
        c.drawString(left + 48 * mm, height - 16 * mm,
                     f"作成 {format_wareki(sheet.made_on)}（{sheet.made_on.isoformat()}）　"
                     f"{len(sheet.rows)} 件")
        c.setFont(fonts.mono_bold, 12)
        qr = 18 * mm if sheet.label_payload else 0
        c.drawRightString(right - qr - 3 * mm, height - 12 * mm, sheet.list_id)
        c.setFont(fonts.gothic, 10)
        c.drawRightString(right - qr - 3 * mm, height - 18 * mm, f"{page[0]} / {total} ページ")
        if sheet.label_payload:
            draw_matrix(c, alphanumeric_matrix(sheet.label_payload), right - qr,
                        height - 6 * mm - qr, qr)
        c.setFont(fonts.mincho, 9)
        c.drawString(left, height - 23 * mm, NOTE)
        return height - 27 * mm

    def new_page() -> float:
        c.showPage()
        page[0] += 1
        return head()

    columns = [Column(h, w, "center" if i == 0 else "left")
               for i, (h, w) in enumerate(zip(sheet.header, _widths(sheet, fonts.mincho,
                                                                     right - left)))]
    draw_table(c, fonts.mincho, BODY_SIZE, left, head(), 10 * mm, columns,
               [list(r) for r in sheet.rows], new_page, row_height=9 * mm,
               header_font=fonts.gothic)
    c.showPage()
    c.save()
    return page[0]
