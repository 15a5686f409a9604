"""Remarks: an auditor's or staff member's free-text observation (an on-site inspection, a
correction explained), recorded like every fact."""

from __future__ import annotations

import ledger
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model.journal import Journal, record


def record_remark(journal: Journal, actor: str, text: str) -> ledger.Entry:
    """Recorded by a registered person, with the OS account and host beside it."""
    if not text.strip():
        raise HandoverError("a remark needs some text", "write what was observed or decided")
    done = record(journal, actor, lambda tx: ([ev.RemarkRecorded(text.strip())], None))
    return done.entries[0]
