"""Erasure certificates as people read them (`erasure list|show`, `status`) and the 消去証明書
the contractor stamps, printed from what the ledger holds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from handover import ids
from handover.model import events as ev
from handover.model.journal import Journal
from handover.model.state import Row, State
from handover.reports._paper import write_document


def erasure_json(st: State, c: Row) -> dict[str, Any]:
    return {"certificate_id": c.certificate_id, "case_id": c.case_id, "org_id": c.org_id,
            "org": st.name(c.org_id), "erased": c.erased, "sources": c.sources.split(),
            "locations": json.loads(c.locations), "method": c.method,
            "method_label": ev.ERASURE_METHODS.get(c.method, c.method), "tool": c.tool,
            "performed_by": c.performed_by, "performed_by_name": st.name(c.performed_by),
            "verified_by": c.verified_by, "verified_by_name": st.name(c.verified_by),
            "erased_on": c.erased_on, "place": c.place, "recorded_at": c.recorded_at,
            "entry": c.entry_index, "ward_received_at": c.ward_received_at,
            "ward_received_by": c.ward_received_by,
            "contractor_received_at": c.contractor_received_at,
            "checked_at": c.checked_at, "checked_by": c.checked_by, "check_note": c.check_note}


def list_erasures(journal: Journal, case_id: str | None = None) -> list[dict[str, Any]]:
    case_id = ids.parse_id(case_id, "case") if case_id else None
    with journal.reading() as st:
        if case_id:
            st.case(case_id)
        return [erasure_json(st, c) for c in st.erasures(case_id)]


def show_erasure(journal: Journal, certificate_id: str) -> dict[str, Any]:
    certificate_id = ids.parse_id(certificate_id, "erasure certificate")
    with journal.reading() as st:
        return erasure_json(st, st.erasure(certificate_id))


def _day(iso: str) -> str:
    from handover.documents import format_wareki
    return f"{format_wareki(dt.date.fromisoformat(iso))}（{iso}）"


def _moment(iso: str | None) -> str:
    from handover.documents import format_datetime
    if not iso:
        return "—"
    s = format_datetime(dt.datetime.fromisoformat(iso))
    return f"{s.wareki}（{s.iso}）"


def _person(st: State, person_id: str) -> str:
    return f"{st.name(person_id)}（{person_id}）"


def erasure_sheet(st: State, certificate_id: str):
    from handover.documents import RecordSheet   # reportlab: only when printing
    c = st.erasure(certificate_id)
    case = st.case(c.case_id)
    org = st.org(c.org_id)
    sources = []
    for s in c.sources.split():
        if s[0] == "P":
            p = st.package(s)
            sources.append(f"{s}（{p.content}、{p.record_count}件、SHA-256 {p.sha256[:16]}…）")
        else:
            item = st.item(s)
            sources.append(f"{s}（{ev.MEDIUM_KINDS.get(item.medium_kind or '', item.kind)}）")
    received = [f"区: {_moment(c.ward_received_at)}"]
    if org.parent_id:
        received.append(f"{st.name(org.parent_id)}: {_moment(c.contractor_received_at)}")
    fields = (
        ("業務名", f"{case.name}（{case.case_id}）"),
        ("消去した事業者", f"{org.name}（{org.org_id}）"
         + (f" {st.name(org.parent_id)}の再委託先" if org.parent_id else "")),
        ("消去したもの", c.erased),
        ("元の媒体等", "、".join(sources)),
        ("消去した場所（機器）", "、".join(json.loads(c.locations))),
        ("消去方法", f"{ev.ERASURE_METHODS.get(c.method, c.method)}（NIST SP 800-88: {c.method}）"),
        ("使用したツール", c.tool),
        ("実施者", _person(st, c.performed_by)),
        ("確認者（取扱責任者）", _person(st, c.verified_by)),
        ("消去日", _day(c.erased_on)),
        ("消去場所", c.place),
        ("受領", "／".join(received)),
        ("区の確認", f"{_moment(c.checked_at)} {c.check_note}" if c.checked_at else "—"),
    )
    statement = ("上記のとおり、業務に関して取り扱った個人情報を消去し、復元できない状態と"
                 "したことを証明します。",)
    addressee = f"{st.name(case.ward_org_id)} 宛" + (f"（写し: {st.name(org.parent_id)}）"
                                                    if org.parent_id else "")
    return RecordSheet("消去証明書", c.certificate_id, addressee, fields,
                       (("証明", statement),), ("実施者", "取扱責任者", "区受領"),
                       f"台帳 {st.log} 記録番号 {c.entry_index}: この証明書は台帳の記録から"
                       f"印刷したものです（handover history {c.certificate_id}）")


def print_erasure(journal: Journal, certificate_id: str, out_dir: Path | str) -> Path:
    """The 消去証明書 of one erasure, as it stands, written atomically to `out_dir`."""
    from handover.documents import render_record_sheet
    certificate_id = ids.parse_id(certificate_id, "erasure certificate")
    with journal.reading() as st:
        sheet = erasure_sheet(st, certificate_id)
    return write_document(out_dir, f"shokyo-shomeisho-{certificate_id}.pdf", "消去証明書",
                          render_record_sheet(sheet))
