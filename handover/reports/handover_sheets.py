"""Handovers as the web pages show them: one handover with what staff recorded (日時, 取扱者,
情報の内容, 数量, the items with their SHA-256) for the receiver's confirmation screen, a
case's handovers (the case page shows a page of them: reports/case_contents.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from handover import ids
from handover.documents.words import METHOD_LABELS, MOMENT_LABELS
from handover.model import events as ev
from handover.model.journal import Journal
from handover.model.state import Row, State
from handover.reports.confirmation import TRANSFER_TITLE, handover_items


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
