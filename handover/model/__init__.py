"""The model: events, the fold into the projection (tables + steps), the state read from it,
the policy that refuses, and the journal, the one place that records a fact."""

from handover.model.journal import Journal, Recorded, Tx, open_journal, record
from handover.model.state import State

__all__ = ["Journal", "Recorded", "State", "Tx", "open_journal", "record"]
