"""Handovers as the web pages show them: one handover with what staff recorded (日時, 取扱者,
情報の内容, 数量, the items with their SHA-256) for the receiver's confirmation screen, a
case's handovers, and what waits for one person (the dashboard)."""

from __future__ import annotations

import dataclasses
from typing import Any

from handover import ids
from handover.documents import METHOD_LABELS, MOMENT_VERBS
from handover.model import events as ev
from handover.model.journal import Journal, require_actor
from handover.model.state import Row, State
from handover.reports.case_status import status
from handover.reports.confirmation import TRANSFER_TITLE, handover_items
from handover.reports.print_logs import EXCESS_UNEXPLAINED

MOMENT_LABELS = {**MOMENT_VERBS, ev.TRANSFER: "再委託先への引渡し"}


def handover_json(st: State, h: Row, *, items: bool = True) -> dict[str, Any]:
    """One handover; its items (as the 確認書 lists them) unless `items` is False: a list of
    handovers shows their totals, which the handover's own row carries."""
    return {
        "handover_id": h.handover_id, "case_id": h.case_id, "case": st.name(h.case_id),
        "moment": h.moment, "moment_label": MOMENT_LABELS.get(h.moment, h.moment),
        "title": TRANSFER_TITLE if h.moment == ev.TRANSFER else None,
        "occurred_at": h.occurred_at,
        "from_person_id": h.from_person, "from_person": st.name(h.from_person),
        "from_org": st.name(h.from_org),
        "to_person_id": h.to_person, "to_person": st.name(h.to_person),
        "to_org_id": h.to_org, "to_org": st.name(h.to_org),
        "method": h.method, "method_label": METHOD_LABELS.get(h.method, h.method),
        "courier": st.name(h.courier) if h.courier else None,
        "content": h.content, "media_count": h.media_count, "record_count": h.record_count,
        "envelope_count": h.envelope_count, "override_reason": h.override_reason,
        "recorded_by": st.name(h.recorded_by), "entry": h.entry_index,
        "confirmed_by": st.name(h.confirmed_by) if h.confirmed_by else None,
        "confirmed_at": h.confirmed_at, "condition": h.condition,
        "items": [dataclasses.asdict(i) for i in handover_items(st, h.handover_id)]
        if items else None,
    }


def handover_sheet(journal: Journal, handover_id: str) -> dict[str, Any]:
    """One handover, as its receiver checks it before confirming."""
    handover_id = ids.parse_id(handover_id, "handover")
    with journal.reading() as st:
        return handover_json(st, st.handover(handover_id))


def case_handovers(journal: Journal, case_id: str) -> list[dict[str, Any]]:
    case_id = ids.parse_id(case_id, "case")
    with journal.reading() as st:
        st.case(case_id)
        return [handover_json(st, h, items=False) for h in st.handovers(case_id)]


def waiting_for(journal: Journal, person_id: str) -> dict[str, Any]:
    """What waits for one person: handovers their organisation received and must confirm;
    and in their cases (on the roster, or every case of the ward for its staff) the media and
    notices out with their return dates, inspections due, open incidents, and print logs
    beyond the designated count without a reason."""
    person_id = ids.parse_id(person_id, "person")
    with journal.reading() as st:
        me = require_actor(st, person_id)
        ward_staff = st.is_ward(me.org_id)
        confirmations = [handover_json(st, h, items=False) for h in st.handovers()
                         if h.confirmed_by is None and h.to_org == me.org_id]
    mine = [c for c in status(journal)["cases"]
            if (ward_staff and c["status"] == "open")
            or any(r["person_id"] == person_id for r in c["roster"])]
    return {
        "person_id": person_id, "ward_staff": ward_staff,
        "confirmations": confirmations,
        "cases": [{"case_id": c["case_id"], "name": c["name"], "status": c["status"],
                   "period_end": c["period_end"], "out": len(c["out"]),
                   "overdue": len(c["overdue"]),
                   "unconfirmed": len(c["unconfirmed_handovers"])} for c in mine],
        "returns_due": sorted(
            (dict(i, case_id=c["case_id"], case=c["name"]) for c in mine for i in c["items"]
             if i["return_due"]), key=lambda i: (i["return_due"], i["item_id"])),
        "inspections_due": [dict(v, case_id=c["case_id"], case=c["name"]) for c in mine
                            for v in c["inspections"] if v["status"] != "done"]
        if ward_staff else [],
        "open_incidents": [dict(i, case=c["name"]) for c in mine for i in c["open_incidents"]],
        "print_excess": [dict(s, case=c["name"]) for c in mine
                         for s in c["print_logs"]["submissions"]
                         if s["state"] == EXCESS_UNEXPLAINED],
    }
