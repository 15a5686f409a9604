"""Incidents as people read them (`incident list|show`, `status`, `history`) and as the ward
files them: the 事故報告書, printed from the projection with the ledger entry it shows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from handover import ids
from handover.model import events as ev
from handover.model.journal import Journal
from handover.model.state import Row, State
from handover.reports._paper import write_document

SOURCE_LABELS = {ev.BY_PERSON: "報告者による報告", ev.BY_RECEIPT: "受信時のハッシュ照合で自動起票",
                 ev.BY_SCAN: "ラベル読取りで自動起票", ev.BY_OVERDUE: "返却期限超過で自動起票"}


def incident_json(st: State, row: Row, followups: list[Row] | None = None) -> dict[str, Any]:
    out = {"incident_id": row.incident_id, "case_id": row.case_id, "category": row.category,
           "category_label": ev.INCIDENT_CATEGORIES.get(row.category, row.category),
           "description": row.description, "discovered_at": row.discovered_at,
           "reported_by": row.reported_by, "reported_by_name": st.name(row.reported_by),
           "items": row.item_ids.split(), "ward_notified_at": row.ward_notified_at,
           "source": row.source, "status": row.status, "reported_at": row.reported_at,
           "entry": row.entry_index, "outcome": row.outcome, "closed_at": row.closed_at,
           "closed_by": row.closed_by}
    if followups is not None:
        out["followups"] = [{"note": f.note, "recorded_by": f.recorded_by,
                             "recorded_by_name": st.name(f.recorded_by),
                             "recorded_at": f.recorded_at, "entry": f.entry_index}
                            for f in followups]
    return out


def open_incidents_json(st: State, rows: list[Row]) -> list[dict[str, Any]]:
    """The open ones among `rows`, as `status` shows them."""
    return [incident_json(st, r) for r in rows if r.status == "open"]


def list_incidents(journal: Journal, case_id: str | None = None, *,
                   open_only: bool = False) -> list[dict[str, Any]]:
    case_id = ids.parse_id(case_id, "case") if case_id else None
    with journal.reading() as st:
        if case_id:
            st.case(case_id)
        return [incident_json(st, r) for r in st.incidents(case_id, open_only=open_only)]


def show_incident(journal: Journal, incident_id: str) -> dict[str, Any]:
    incident_id = ids.parse_id(incident_id, "incident")
    with journal.reading() as st:
        row = st.incident(incident_id)
        return incident_json(st, row, st.incident_followups(incident_id))


def _stamp(iso: str | None) -> str:
    from handover.documents import format_datetime
    if not iso:
        return "—"
    s = format_datetime(dt.datetime.fromisoformat(iso))
    return f"{s.wareki}（{s.iso}）"


def incident_sheet(st: State, incident_id: str):
    from handover.documents import RecordSheet   # reportlab: only when printing
    i = st.incident(incident_id)
    case = st.case(i.case_id)
    reporter = st.person(i.reported_by)
    items = []
    for item_id in i.item_ids.split():
        item = st.find_item(item_id)
        what = ev.MEDIUM_KINDS.get(item.medium_kind, "") if item and item.medium_kind else \
            ("パスワード通知書" if item and item.kind == ev.NOTICE else "")
        if item_id.startswith("L"):     # a visit list lost on a round
            lst = st.find_visit_list(item_id)
            what = f"訪問リスト{lst.half}" if lst else "訪問リスト"
        items.append(f"{item_id} {what}".strip())
    fields = (
        ("業務名", f"{case.name}（{case.case_id}）"),
        ("事故の種別", ev.INCIDENT_CATEGORIES.get(i.category, i.category)),
        ("事故の内容", i.description),
        ("対象の媒体等", "、".join(items) or "—"),
        ("発見日時", _stamp(i.discovered_at)),
        ("報告者", f"{st.name(reporter.org_id)} {reporter.name}（{reporter.person_id}）"),
        ("区への報告日時", _stamp(i.ward_notified_at)),
        ("起票", SOURCE_LABELS.get(i.source, i.source)),
        ("記録日時", _stamp(i.reported_at)),
        ("状況", "対応中" if i.status == "open" else f"完了（{_stamp(i.closed_at)}）"),
        ("結果", i.outcome or "—"),
    )
    followups = tuple(f"{_stamp(f.recorded_at)} {st.name(f.recorded_by)}: {f.note}"
                      for f in st.incident_followups(incident_id))
    return RecordSheet("事故報告書", i.incident_id, f"{st.name(case.ward_org_id)} 宛",
                       fields, (("経過・対応", followups),),
                       ("報告者", "取扱責任者", "区確認"),
                       f"台帳 {st.log} 記録番号 {i.entry_index}: この報告書は台帳の記録から"
                       "印刷したものです（handover history " + i.incident_id + "）")


def print_incident(journal: Journal, incident_id: str, out_dir: Path | str) -> Path:
    """The 事故報告書 of one incident, as it stands, written atomically to `out_dir`."""
    from handover.documents import render_record_sheet
    incident_id = ids.parse_id(incident_id, "incident")
    with journal.reading() as st:
        sheet = incident_sheet(st, incident_id)
    return write_document(out_dir, f"jikohokokusho-{incident_id}.pdf", "事故報告書",
                          render_record_sheet(sheet))
