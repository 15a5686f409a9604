"""Split visit lists as the ledger knows them: per list its half, columns, count, SHA-256, the
list it pairs with, the identifying combinations it holds, and who holds it since when: held
by the contractor, out on a visit round, or missing."""

from __future__ import annotations

import json
from typing import Any

from handover import ids
from handover.model.journal import Journal
from handover.model.state import Row, State


def visit_list_json(st: State, row: Row) -> dict[str, Any]:
    return {"list_id": row.list_id, "half": row.half, "columns": json.loads(row.columns),
            "count": row.count, "sha256": row.sha256, "source_sha256": row.source_sha256,
            "paired_with": row.paired_with, "warnings": json.loads(row.warnings),
            "holder_person_id": row.holder_person, "holder_person": st.name(row.holder_person),
            "holder_org_id": row.holder_org, "holder_org": st.name(row.holder_org),
            "created_at": row.created_at, "state": row.state, "since": row.since,
            "round_id": row.round_id}


def visit_lists(journal: Journal, case_id: str) -> dict[str, Any]:
    case_id = ids.parse_id(case_id, "case")
    with journal.reading() as st:
        case = st.case(case_id)
        return {"case_id": case_id, "name": case.name,
                "lists": [visit_list_json(st, r) for r in st.visit_lists(case_id)]}
