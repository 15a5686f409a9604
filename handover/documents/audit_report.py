"""監査報告書: one case for the auditor's file, as tables under numbered headings, then the
result of the full ledger verification with the signed checkpoint it was checked against
(its text and a QR code of the same text).

Pure: a frozen report in, PDF bytes out. Each section is a table the assembly
(handover/reports/audit_report.py) filled; the same sections make the CSV, so the paper and
the spreadsheet never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

from handover.documents._draw import mm
from handover.documents._flow import (LANDSCAPE, LANDSCAPE_WIDTH, cell, checkpoint_block, grid, p,
                                      render_pages, stamp_text, styles)
from handover.documents.errors import DocumentError
from handover.documents.fonts import FontSet, japanese_fonts

TITLE = "監査報告書"
WIDTH = LANDSCAPE_WIDTH     # landscape: a handover's row has nine columns
_ROOM_FOR_A_FIRST_ROW = 50 * mm     # heading, column names and a tall row (an incident's)


@dataclass(frozen=True)
class Section:
    """One table: its heading, column names, relative column widths and rows of text."""
    title: str
    columns: tuple[str, ...]
    widths: tuple[float, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = "記録なし"         # printed instead of an empty table
    notes: tuple[str, ...] = ()     # lines printed under the table

    def __post_init__(self) -> None:
        if len(self.columns) != len(self.widths):
            raise DocumentError(f"section {self.title}: {len(self.columns)} columns but "
                                f"{len(self.widths)} widths")
        for row in self.rows:
            if len(row) != len(self.columns):
                raise DocumentError(f"section {self.title}: a row of {len(row)} cells for "
                                    f"{len(self.columns)} columns")


@dataclass(frozen=True)
class Verification:
    ok: bool
    lines: tuple[str, ...]               # what was checked, and every problem found
    checkpoint_text: str | None          # the signed checkpoint verified against


@dataclass(frozen=True)
class AuditReport:
    case_id: str
    case_name: str
    summary: tuple[tuple[str, str], ...]  # (label, value): period, contractors, status…
    generated_at: dt.datetime
    sections: tuple[Section, ...]
    verification: Verification


def _section(number: int, s: Section, st) -> list:
    head = p(f"{number}. {s.title}", st["head"])
    notes = [p(n, st["small"]) for n in s.notes]
    if not s.rows:
        return [KeepTogether([head, p(s.empty, st["body"])]), *notes]
    unit = WIDTH / sum(s.widths)
    body = grid([[p(c, st["cell_head"]) for c in s.columns]] +
                [[p(v, st["cell_small"]) for v in row] for row in s.rows],
                [w * unit for w in s.widths])
    # A heading never ends a page alone: it starts a new page unless there is room below it
    # for the column names and a first row. The table then flows on, splitting across pages
    # with its column names repeated, instead of leaving the rest of a page empty.
    return [CondPageBreak(_ROOM_FOR_A_FIRST_ROW), head, body, *notes]


def _story(r: AuditReport, fonts: FontSet):
    st = styles(fonts)
    summary = grid([[p(k, st["label"]), cell(v, st)] for k, v in r.summary] +
                   [[p("作成日時", st["label"]), cell(stamp_text(r.generated_at), st)]],
                   [32 * mm, WIDTH - 32 * mm], header=False)
    story = [p(TITLE, st["title"]), Spacer(0, 2 * mm), p(r.case_name, st["subtitle"]),
             Spacer(0, 4 * mm), summary]
    for n, section in enumerate(r.sections, 1):
        story += _section(n, section, st)
    v = r.verification
    story += [p(f"{len(r.sections) + 1}. 台帳の検証", st["head"]),
              p("検証結果：" + ("正常（改ざん・欠落は検出されませんでした）" if v.ok
                           else "異常あり（下記の問題が検出されました）"),
                st["body" if v.ok else "alert"])]
    story += [p(line, st["small"]) for line in v.lines]
    if v.checkpoint_text:
        story.append(checkpoint_block(
            v.checkpoint_text, "台帳全体を上記の公開鍵で検証した際の、最新の署名付きチェック"
            "ポイントです。左のQRコードは同じ内容を表します。後日の検証では、台帳がこの"
            "チェックポイントを含んで延長されていることを確認します。", fonts, st, WIDTH))
    return story


def render_audit_report(report: AuditReport, *, fonts: FontSet | None = None) -> bytes:
    fonts = fonts or japanese_fonts()
    return render_pages(TITLE, report.case_id, lambda: _story(report, fonts), fonts, LANDSCAPE)
