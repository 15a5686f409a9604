"""Everything registered: organisations, people, locked cabinets, workstations."""

from __future__ import annotations

from handover.model import tables as p
from handover.model.journal import Journal


def list_registry(journal: Journal) -> dict[str, list[dict]]:
    """Everything registered, for `handover register list`."""
    with journal.reading() as st:
        def rows(table, *cols):
            return [{c: getattr(r, c) for c in cols} for r in st.list(table)]
        return {
            "organisations": rows(p.organisations, "org_id", "name", "kind", "parent_id"),
            "people": [dict(r, roles=r["roles"].split())
                       for r in rows(p.people, "person_id", "name", "org_id", "roles")],
            "cabinets": [dict(r, key_holders=r["key_holders"].split())
                         for r in rows(p.cabinets, "cabinet_id", "name", "org_id", "location",
                                       "key_holders")],
            "workstations": rows(p.workstations, "workstation_id", "hostname", "name", "org_id"),
        }
