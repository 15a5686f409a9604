"""訪問リスト授受簿: the day's register of visit lists issued at the start of each round and
returned at its end (000 受託事業者 4: 訪問リストの配布枚数等の管理を徹底するため、訪問開始時と
終了時の授受簿をつけさせる; 002 受託事業者 5). One block per round: the pair of visitors,
each list with its time of issue and of return, the counts, and signature boxes for the issuer
and each visitor at the start and at the end."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from handover.documents._draw import FooterPages, box, fit_size, fit_text, new_canvas, numbered_pages
from handover.documents._table import Column, draw_table
from handover.documents.fonts import FontSet, japanese_fonts
from handover.documents.wareki import format_datetime, format_wareki

RETURN_LABELS = {"scanned": "ラベル読取", "counted": "目視確認"}


@dataclass(frozen=True)
class RegisterList:
    list_id: str
    half: str                   # A / B
    rows: int                   # 件数 on the list
    visitor: str                # name of the visitor it was issued to
    returned_at: dt.datetime | None
    returned_to: str | None
    method: str | None          # scanned / counted
    missing: bool


@dataclass(frozen=True)
class RegisterRound:
    round_id: str
    area: str
    visitors: tuple[str, str]
    issued_by: str
    started_at: dt.datetime
    lists: tuple[RegisterList, ...]
    closed_at: dt.datetime | None
    closed_by: str | None
    incident_id: str | None

    @property
    def issued(self) -> int:
        return len(self.lists)

    @property
    def returned(self) -> int:
        return sum(1 for lst in self.lists if lst.returned_at is not None)

    @property
    def missing(self) -> int:
        return sum(1 for lst in self.lists if lst.missing)


@dataclass(frozen=True)
class VisitRegister:
    case_id: str
    case_name: str
    contractor: str
    visit_date: dt.date
    rounds: tuple[RegisterRound, ...]
    printed_at: dt.datetime


def _time(moment: dt.datetime | None, day: dt.date | None = None) -> str:
    """HH:MM on the register's day; with the date (M/D) when it fell on another day (a list
    returned the morning after)."""
    if moment is None:
        return ""
    if day is not None and moment.date() != day:
        return f"{moment.month}/{moment.day} {moment:%H:%M}"
    return moment.strftime("%H:%M")


def _state(lst: RegisterList) -> str:
    if lst.missing:
        return "紛失"
    return "返却済" if lst.returned_at is not None else "未返却"


def render_visit_register(doc: VisitRegister, *, fonts: FontSet | None = None) -> bytes:
    fonts = fonts or japanese_fonts()
    return numbered_pages(lambda buffer, total: _render(buffer, doc, fonts, total))


def _render(buffer: io.BytesIO, doc: VisitRegister, fonts: FontSet, total: int) -> int:
    width, height = A4
    day = f"{format_wareki(doc.visit_date)}（{doc.visit_date.isoformat()}）"
    c = new_canvas(buffer, A4, f"訪問リスト授受簿 {doc.case_id} {doc.visit_date.isoformat()}")
    left, right = 15 * mm, width - 15 * mm
    bottom = 18 * mm
    pages = FooterPages(c, fonts.gothic, left, right, f"訪問リスト授受簿  {doc.case_id}  {day}",
                        total, height - 18 * mm)
    new_page = pages.new_page

    c.setFont(fonts.gothic, 18)
    c.drawCentredString(width / 2, height - 20 * mm, "訪問リスト授受簿")
    c.setFont(fonts.mincho, 9)
    printed = format_datetime(doc.printed_at)
    c.drawRightString(right, height - 27 * mm, f"出力日時 {printed.wareki}（{printed.iso}）")
    y = height - 32 * mm
    for label, value in (("業務名", f"{doc.case_name}（{doc.case_id}）"),
                         ("受託事業者", doc.contractor), ("訪問日", day),
                         ("配布・返却", f"訪問 {len(doc.rounds)} 回　交付 "
                          f"{sum(r.issued for r in doc.rounds)} 枚　返却 "
                          f"{sum(r.returned for r in doc.rounds)} 枚　紛失 "
                          f"{sum(r.missing for r in doc.rounds)} 枚")):
        box(c, left, y - 7 * mm, 30 * mm, 7 * mm)
        box(c, left + 30 * mm, y - 7 * mm, right - left - 30 * mm, 7 * mm)
        c.setFont(fonts.gothic, 9)
        c.drawString(left + 2 * mm, y - 5 * mm, label)
        size = fit_size(value, fonts.mincho, 10, 7, right - left - 34 * mm)
        c.setFont(fonts.mincho, size)
        c.drawString(left + 32 * mm, y - 5 * mm,
                     fit_text(value, fonts.mincho, size, right - left - 34 * mm))
        y -= 7 * mm
    if not doc.rounds:
        c.setFont(fonts.mincho, 10)
        c.drawString(left, y - 10 * mm, "この日の訪問の記録はありません。")

    # The ID column fits the widest ID (M and W throughout) at 8 pt.
    # The times take "M/D HH:MM" when a list comes back on another day.
    columns = [Column("訪問リストID", 43 * mm), Column("区分", 8 * mm, "center"),
               Column("件数", 11 * mm, "right"), Column("交付先（訪問者）", 26 * mm),
               Column("交付", 19 * mm, "center"), Column("返却", 19 * mm, "center"),
               Column("返却の受領者", 20 * mm), Column("確認方法", 21 * mm),
               Column("状況", 13 * mm, "center")]
    for rnd in doc.rounds:
        need = 25 * mm + (len(rnd.lists) + 1) * 6.5 * mm + 42 * mm
        if y - need < bottom and y < height - 40 * mm:
            y = new_page()
        y -= 8 * mm
        c.setFont(fonts.gothic, 11)
        c.drawString(left, y, fit_text(f"訪問 {rnd.round_id}" + (f"　{rnd.area}" if rnd.area
                                                                 else ""),
                                       fonts.gothic, 11, right - left))
        c.setFont(fonts.mincho, 9)
        end = (f"終了 {_time(rnd.closed_at, doc.visit_date)}（{rnd.closed_by}）"
               if rnd.closed_at
               else "終了 未")
        y -= 5 * mm
        c.drawString(left, y, f"開始 {_time(rnd.started_at, doc.visit_date)}（交付者 "
                              f"{rnd.issued_by}）　{end}")
        y -= 5 * mm
        c.drawString(left, y, f"訪問者 {rnd.visitors[0]}・{rnd.visitors[1]}　配布枚数 "
                              f"{rnd.issued} 枚　返却 {rnd.returned} 枚"
                     + (f"　紛失 {rnd.missing} 枚（事故報告 {rnd.incident_id}）"
                        if rnd.missing else ""))
        y -= 2 * mm
        cells = [(lst.list_id, lst.half, f"{lst.rows:,}", lst.visitor,
                  _time(rnd.started_at, doc.visit_date), _time(lst.returned_at, doc.visit_date),
                  lst.returned_to or "",
                  RETURN_LABELS.get(lst.method or "", ""), _state(lst)) for lst in rnd.lists]
        y = draw_table(c, fonts.mincho, 8, left, y, bottom, columns, cells, new_page,
                       row_height=6.5 * mm, header_font=fonts.gothic)
        if y - 36 * mm < bottom:
            y = new_page()
        y = _signatures(c, fonts, left, right, y - 3 * mm, rnd)
    return pages.finish()


def _signatures(c, fonts: FontSet, left: float, right: float, y: float,
                rnd: RegisterRound) -> float:
    """Two rows of seals: at the start the issuer and each visitor (交付・受領), at the end
    the receiver and each visitor (返却)."""
    label_w = 18 * mm
    cell_w = (right - left - label_w) / 3
    h = 16 * mm
    for title, who in (("開始時", (f"交付者 {rnd.issued_by}", f"訪問者 {rnd.visitors[0]}",
                                   f"訪問者 {rnd.visitors[1]}")),
                       ("終了時", (f"受領者 {rnd.closed_by or ''}", f"訪問者 {rnd.visitors[0]}",
                                   f"訪問者 {rnd.visitors[1]}"))):
        box(c, left, y - h, label_w, h)
        c.setFont(fonts.gothic, 9)
        c.drawCentredString(left + label_w / 2, y - h / 2 - 1.5 * mm, title)
        for i, text in enumerate(who):
            x = left + label_w + i * cell_w
            box(c, x, y - h, cell_w, h)
            c.setFont(fonts.mincho, 7.5)
            c.drawString(x + 1.5 * mm, y - 4 * mm, text)
            c.drawRightString(x + cell_w - 2 * mm, y - h + 2 * mm, "署名・印")
        y -= h
    return y
