"""立入調査記録: one on-site inspection of a contractor or sub-contractor, for filing and
stamping (000 特記事項 18-20, 004 特記事項 15-17).

Pure: a frozen record in, PDF bytes out. The checklist prints every check with its result
(適 / 要改善 / 該当なし) and what was found; the follow-ups below it; stamps of the inspectors
and of the party inspected; and the signed checkpoint that covers the inspection's entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.platypus import KeepTogether, Spacer

from handover.documents._draw import mm
from handover.documents._flow import (WIDTH, cell, checkpoint_block, grid, p,
                                      render_pages, styles)
from handover.documents.errors import DocumentError
from handover.documents.fonts import FontSet, japanese_fonts
from handover.documents.wareki import beside_iso

TITLE = "立入調査記録"
BASIS = ("個人情報の取扱いに関する特記事項に基づき、受託者（再委託先を含む）が適正に業務を実施して"
         "いることを立入調査により確認した（年度当たり1回以上）。")


@dataclass(frozen=True)
class Finding:
    check: str          # 施錠保管 …, as printed
    result: str         # 適 / 要改善 / 該当なし
    note: str = ""


@dataclass(frozen=True)
class InspectionRecord:
    inspection_id: str
    case_name: str
    org_name: str
    org_kind: str                 # 委託先 / 再委託先
    inspected_on: dt.date
    fiscal_year: str              # 令和8年度（2026年度）
    place: str
    inspectors: tuple[str, ...]   # 所属 氏名
    findings: tuple[Finding, ...]
    follow_ups: tuple[str, ...]
    entry_index: int
    checkpoint_text: str

    def __post_init__(self) -> None:
        if not self.findings:
            raise DocumentError("an inspection record needs its checklist")
        if not self.inspectors:
            raise DocumentError("an inspection record needs its inspectors")


def _story(r: InspectionRecord, fonts: FontSet):
    st = styles(fonts)
    label = lambda text: p(text, st["label"])  # noqa: E731
    fields = grid([
        [label("調査番号"), cell(r.inspection_id, st), label("年度"), cell(r.fiscal_year, st)],
        [label("業務名"), cell(r.case_name, st), "", ""],
        [label("調査対象"), cell(f"{r.org_name}（{r.org_kind}）", st), "", ""],
        [label("調査日"), cell(beside_iso(r.inspected_on), st), "", ""],
        [label("場所"), cell(r.place, st), "", ""],
        [label("調査者"), cell("、".join(r.inspectors), st), "", ""],
    ], [26 * mm, 78 * mm, 20 * mm, WIDTH - 124 * mm], header=False)
    fields.setStyle([("SPAN", (1, row), (3, row)) for row in range(1, 6)])
    checks = grid([[label("No."), label("確認項目"), label("結果"), label("確認内容・指摘事項")]] + [
        [cell(str(n), st), cell(f.check, st), cell(f.result, st), cell(f.note or "", st)]
        for n, f in enumerate(r.findings, 1)], [10 * mm, 52 * mm, 20 * mm, WIDTH - 82 * mm])
    follow = [cell(f"{n}. {text}", st) for n, text in enumerate(r.follow_ups, 1)] or \
        [cell("なし", st)]
    stamps = grid([[label("調査者 印"), label("被調査者（立会者） 印")], ["", ""]],
                  [WIDTH / 2, WIDTH / 2], heights=[None, 22 * mm])
    return [p(TITLE, st["title"]), Spacer(0, 4 * mm), p(BASIS, st["small"]), Spacer(0, 3 * mm),
            fields, p("確認項目と結果", st["head"]), checks,
            p("改善措置（フォローアップ）", st["head"]), *follow, Spacer(0, 4 * mm),
            KeepTogether([stamps]), Spacer(0, 3 * mm),
            checkpoint_block(r.checkpoint_text,
                             f"この記録は台帳のエントリ番号 {r.entry_index} です。下の文字列は"
                             "その記録を含む台帳全体に対する署名付きチェックポイントで、左のQRコード"
                             "は同じ内容を表します。", fonts, st)]


def render_inspection(record: InspectionRecord, *, fonts: FontSet | None = None) -> bytes:
    fonts = fonts or japanese_fonts()
    return render_pages(TITLE, record.inspection_id, lambda: _story(record, fonts), fonts)
