"""印刷ログ提出書: a contractor's print log as submitted to the ward (004 受託事業者 13) — the
totals per computer, printer and day, the designated count, any excess and its reason, and
the SHA-256 of the log file, so the file kept on record can be matched to this paper."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from handover.documents._draw import FooterPages, box, new_canvas, numbered_pages, wrap_text
from handover.documents._table import Column, draw_table
from handover.documents.fonts import FontSet, japanese_fonts
from handover.documents.wareki import format_datetime, format_wareki

UNEXPLAINED = "超過理由未報告"


@dataclass(frozen=True)
class PrintTotal:
    computer: str
    printer: str
    day: dt.date
    pages: int
    jobs: int


@dataclass(frozen=True)
class PrintLogSubmission:
    submission_id: str
    case_id: str
    case_name: str
    contractor: str
    submitted_by: str
    submitted_at: dt.datetime
    log_format: str
    sha256: str
    first_at: dt.datetime
    last_at: dt.datetime
    totals: tuple[PrintTotal, ...]
    pages: int                  # this submission
    jobs: int
    repeated_jobs: int
    case_pages: int             # every submission of the case, up to and including this one
    allowance: int
    excess: int
    reason: str | None = None
    explained_by: str | None = None
    explained_at: dt.datetime | None = None


def _date(d: dt.date) -> str:
    return f"{format_wareki(d)}（{d.isoformat()}）"


def render_print_log(doc: PrintLogSubmission, *, fonts: FontSet | None = None) -> bytes:
    fonts = fonts or japanese_fonts()
    return numbered_pages(lambda buffer, total: _render(buffer, doc, fonts, total))


def _render(buffer: io.BytesIO, doc: PrintLogSubmission, fonts: FontSet, total: int) -> int:
    width, height = A4
    c = new_canvas(buffer, A4, f"印刷ログ提出書 {doc.submission_id}")
    left, right = 18 * mm, width - 18 * mm
    pages = FooterPages(c, fonts.gothic, left, right, f"{doc.submission_id}  印刷ログ提出書",
                        total, height - 20 * mm)
    new_page = pages.new_page

    c.setFont(fonts.gothic, 18)
    c.drawCentredString(width / 2, height - 22 * mm, "印刷ログ提出書")
    c.setFont(fonts.mincho, 10)
    stamp = format_datetime(doc.submitted_at)
    c.drawRightString(right, height - 30 * mm, f"提出日時 {stamp.wareki}（{stamp.iso}）")
    rows = [
        ("業務名", f"{doc.case_name}（{doc.case_id}）"),
        ("受託事業者", doc.contractor),
        ("提出者", doc.submitted_by),
        ("提出番号", doc.submission_id),
        ("ログの形式", doc.log_format),
        ("印刷期間", f"{_date(doc.first_at.date())} 〜 {_date(doc.last_at.date())}"),
        ("ログのSHA-256", doc.sha256),
    ]
    y = height - 38 * mm
    for label, value in rows:
        box(c, left, y - 7 * mm, 35 * mm, 7 * mm)
        box(c, left + 35 * mm, y - 7 * mm, right - left - 35 * mm, 7 * mm)
        c.setFont(fonts.gothic, 9)
        c.drawString(left + 2 * mm, y - 5 * mm, label)
        font, size = (fonts.mono, 8) if label == "ログのSHA-256" else (fonts.mincho, 10)
        c.setFont(font, size)
        c.drawString(left + 37 * mm, y - 5 * mm, value)
        y -= 7 * mm

    y -= 5 * mm
    c.setFont(fonts.gothic, 12)
    c.drawString(left, y, "印刷枚数")
    y -= 3 * mm
    summary = [
        ("本提出の印刷枚数", f"{doc.pages:,} 枚（{doc.jobs:,} 件）"),
        ("既提出と重複し計上しなかった印刷", f"{doc.repeated_jobs:,} 件"),
        ("業務の累計印刷枚数", f"{doc.case_pages:,} 枚"),
        ("指定枚数", f"{doc.allowance:,} 枚"),
        ("指定枚数を超えた枚数（本提出分）", f"{doc.excess:,} 枚"),
    ]
    for label, value in summary:
        box(c, left, y - 7 * mm, 70 * mm, 7 * mm)
        box(c, left + 70 * mm, y - 7 * mm, 60 * mm, 7 * mm)
        c.setFont(fonts.gothic, 9)
        c.drawString(left + 2 * mm, y - 5 * mm, label)
        c.setFont(fonts.mincho, 10)
        c.drawRightString(left + 128 * mm, y - 5 * mm, value)
        y -= 7 * mm

    y -= 5 * mm
    c.setFont(fonts.gothic, 12)
    c.drawString(left, y, "超過の理由")
    y -= 3 * mm
    box(c, left, y - 20 * mm, right - left, 20 * mm)
    c.setFont(fonts.mincho, 10)
    if doc.excess <= 0:
        lines = ["指定枚数の超過なし"]
    elif doc.reason is None:
        c.setFont(fonts.gothic, 11)
        lines = [f"【{UNEXPLAINED}】指定枚数を超えた印刷の理由が報告されていません"]
    else:
        when = format_datetime(doc.explained_at).wareki if doc.explained_at else ""
        lines = wrap_text(doc.reason, fonts.mincho, 10, right - left - 6 * mm, 2)
        lines.append(f"（報告者 {doc.explained_by}　{when}）")
    for i, line in enumerate(lines[:3]):
        c.drawString(left + 3 * mm, y - 6 * mm - i * 5 * mm, line)
    y -= 27 * mm

    c.setFont(fonts.gothic, 12)
    c.drawString(left, y, "印刷元コンピュータ・印刷先プリンタ・日ごとの集計")
    y -= 3 * mm
    columns = [Column("印刷元コンピュータ名", 44 * mm), Column("印刷先プリンタ名", 44 * mm),
               Column("印刷日", 56 * mm), Column("枚数", 15 * mm, "right"),
               Column("件数", 15 * mm, "right")]
    cells = [(t.computer, t.printer, _date(t.day), f"{t.pages:,}", f"{t.jobs:,}")
             for t in doc.totals]
    y = draw_table(c, fonts.mincho, 9, left, y, 30 * mm, columns, cells, new_page,
                   header_font=fonts.gothic)
    if y - 25 * mm < 18 * mm:
        y = new_page()
    y -= 6 * mm
    c.setFont(fonts.gothic, 9)
    c.drawString(left, y, "区確認欄")
    box(c, left, y - 20 * mm, 40 * mm, 18 * mm)
    box(c, left + 45 * mm, y - 20 * mm, 40 * mm, 18 * mm)
    c.setFont(fonts.mincho, 8)
    c.drawString(left + 1.5 * mm, y - 5 * mm, "受領者")
    c.drawString(left + 46.5 * mm, y - 5 * mm, "確認日")
    return pages.finish()
