"""The per-contractor proof bundle (issue 10 §5): inclusion proofs of exactly the entries of
one case that concern one contractor, against one signed checkpoint, checked offline with
`handover ledger verify-proof` and the public key alone.

"Concern" is read from the projection's subject index: an entry is in the bundle when it is
indexed under something of the case (the case, its packages, items, handovers, inspections)
and under something of the contractor (the organisation, its people, its cabinets). Other
entries appear only as hashes in the audit paths, never as bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import ledger
from handover import ids
from handover.errors import HandoverError, lifted
from handover.files import write_bytes_atomically
from handover.model.journal import Journal
from handover.model.state import State


def _case_subjects(st: State, case_id: str) -> set[str]:
    found = {case_id}
    found |= {i.item_id for i in st.items(case_id=case_id)}
    found |= {i.package_id for i in st.items(case_id=case_id) if i.package_id}
    found |= {h.handover_id for h in st.handovers(case_id)}
    found |= {v.inspection_id for v in st.inspections(case_id)}
    return found


def entries_for(st: State, case_id: str, org_id: str) -> list[int]:
    """The indexes of the case's entries about `org_id`, in order."""
    case = st.case(case_id)
    if org_id not in st.case_orgs(case_id):
        raise HandoverError(f"{st.label(org_id)} is not a contractor or sub-contractor of case "
                            f"{case.name} ({case_id}) / この業務の委託先ではありません",
                            f"name one of: {', '.join(st.case_orgs(case_id))}")
    about_case = st.entries_about(_case_subjects(st, case_id))
    about_org = st.entries_about({org_id, *st.members_of(org_id)})
    return sorted(about_case & about_org)


def write_bundle(journal: Journal, case_id: str, org_id: str, out: Path) -> dict:
    """Write the bundle to `out` (atomically); returns what it holds."""
    case_id, org_id = ids.parse_id(case_id, "case"), ids.parse_id(org_id, "organisation")
    with journal.reading() as st:
        st.org(org_id)
        indexes = entries_for(st, case_id, org_id)
        with lifted():
            doc = ledger.export_inclusion_bundle(st.conn, journal.log, indexes)
    try:
        write_bytes_atomically(out, (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode())
    except OSError as e:
        raise HandoverError(f"cannot write the proof bundle {out}: {e.strerror}",
                            "give --out a path in a directory you can write to") from None
    size = int(doc["checkpoint"].split("\n")[1])
    return {"case_id": case_id, "org_id": org_id, "out": str(out), "entries": indexes,
            "checkpoint_size": size}
