"""One case as people read it (`handover case show`): its period and status, the ward and
contractors, the roster with names, organisations and roles, and its designated workstations."""

from __future__ import annotations

from typing import Any

from handover import ids
from handover.model import events as ev
from handover.model.journal import Journal

ROSTER_ROLE_LABELS = {ev.ROSTER_RESPONSIBLE: "取扱責任者", ev.ROSTER_HANDLER: "取扱者"}


def case_sheet(journal: Journal, case_id: str) -> dict[str, Any]:
    case_id = ids.parse_id(case_id, "case")
    with journal.reading() as st:
        case = st.case(case_id)

        def org(org_id: str) -> dict[str, str]:
            return {"org_id": org_id, "name": st.name(org_id), "kind": st.org(org_id).kind}

        roster = []
        for member in st.roster(case_id):
            person = st.person(member.person_id)
            roster.append({"person_id": person.person_id, "name": person.name,
                           "org_id": person.org_id, "org": st.name(person.org_id),
                           "role": member.role, "role_label": ROSTER_ROLE_LABELS[member.role],
                           "since": member.since})
        return {
            "case_id": case.case_id, "name": case.name, "status": case.status,
            "period_start": case.period_start, "period_end": case.period_end,
            "opened_at": case.opened_at, "closed_at": case.closed_at,
            "close_reason": case.close_reason, "separation_minutes": case.separation_minutes,
            "ward": org(case.ward_org_id),
            "contractors": [org(o) for o in st.case_orgs(case_id)],
            "roster": roster,
            "workstations": [{"workstation_id": w.workstation_id, "hostname": w.hostname,
                              "name": w.name, "org_id": w.org_id,
                              "designated_at": w.authorised_at}
                             for w in st.case_workstations(case_id)],
        }
