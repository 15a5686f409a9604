"""LGWAN transfers as people read them (`handover lgwan list`): what was sent, its hash, and
whether the download was confirmed."""

from __future__ import annotations

from typing import Any

from handover import ids
from handover.model.journal import Journal


def list_transfers(journal: Journal, case_id: str | None = None) -> list[dict[str, Any]]:
    case_id = ids.parse_id(case_id, "case") if case_id else None
    with journal.reading() as st:
        if case_id:
            st.case(case_id)
        return [{"transfer_id": t.transfer_id, "handover_id": t.handover_id,
                 "case_id": t.case_id, "medium_id": t.medium_id, "package_id": t.package_id,
                 "file_name": t.file_name, "size": t.size, "sha256": t.sha256,
                 "service": t.service, "sender": t.sender, "sender_name": st.name(t.sender),
                 "workstation_id": t.workstation_id, "sent_at": t.sent_at,
                 "received_by": t.received_by,
                 "received_by_name": st.name(t.received_by) if t.received_by else None,
                 "received_at": t.received_at}
                for t in st.lgwan_transfers(case_id=case_id)]
