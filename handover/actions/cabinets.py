"""Storing media and password notices in locked cabinets (004 区が行う対策 3)."""

from __future__ import annotations

from handover import ids
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal, Tx, record


def store_item(journal: Journal, actor: str, item_id: str, cabinet_id: str) -> int:
    """Put a medium or notice into a locked cabinet. Returns the entry index."""
    item_id, cabinet_id = ids.parse_id(item_id), ids.parse_id(cabinet_id, "cabinet")

    def build(tx: Tx):
        st = tx.state
        item, cabinet = st.tracked_item(item_id), st.cabinet(cabinet_id)
        case = policy.require_open_case(st, item.case_id)
        policy.require_on_roster(st, case, tx.actor_id, "handle its items")
        policy.require_key_holder(st, cabinet, tx.actor_id)
        policy.require_tracked(item, "tracked in cabinets")
        policy.require_not_in(item, cabinet)
        policy.require_taken_out_by_key_holder(st, item, tx.actor_id)
        policy.require_possession(st, item, cabinet)
        policy.require_separate_cabinet(st, item, cabinet)
        return [ev.ItemStored(item_id, cabinet_id)], None

    return record(journal, actor, build).entries[0].index
