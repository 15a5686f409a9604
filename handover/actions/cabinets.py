"""Storing media and password notices in locked cabinets (004 区が行う対策 3)."""

from __future__ import annotations

from handover import ids
from handover.model import events as ev
from handover.model.journal import Journal, Tx, record


def store_item(journal: Journal, actor: str, item_id: str, cabinet_id: str) -> int:
    """Put a medium or notice into a locked cabinet. Returns the entry index."""
    item_id, cabinet_id = ids.parse_id(item_id), ids.parse_id(cabinet_id, "cabinet")

    def build(tx: Tx):   # the rules: policy/acts.py, checked by record
        return [ev.ItemStored(item_id, cabinet_id)], None

    return record(journal, actor, build).entries[0].index
