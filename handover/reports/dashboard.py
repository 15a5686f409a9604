"""What waits for one person, and their cases: the dashboard. Read a page at a time
(model/pages.py): each list of things waiting shows its count and its first rows, and "my
cases" is paged, so the cost follows the page, not the size of the ward."""

from __future__ import annotations

from typing import Any

from handover import ids
from handover.model import pages
from handover.model.journal import Journal, require_actor
from handover.reports.case_status import item_json
from handover.reports.handover_sheets import handover_json
from handover.reports.incidents import incident_json
from handover.reports.inspections_due import DONE, inspection_status
from handover.reports.paging import page_of
from handover.reports.print_logs import submission_json

CASES_PER_PAGE = 20
FIRST_WAITING = 20      # each list of what waits shows its first rows; the count says how many


def waiting_for(journal: Journal, person_id: str, page: str | int | None = None) -> dict[str, Any]:
    """What waits for one person: handovers their organisation received and must confirm;
    and in their cases (on the roster; for ward staff the open cases of their section) the
    media and notices out with their return dates, inspections due (ward staff), open
    incidents, and print logs beyond the designated count without a reason. Each list:
    {"total", "rows"} with at most FIRST_WAITING rows. Then one page of their cases."""
    person_id = ids.parse_id(person_id, "person")
    today = journal.now().date()
    with journal.reading() as st:
        me = require_actor(st, person_id)
        ward_staff = st.is_ward(me.org_id)
        scope = pages.my_cases(st, me, ward_staff)

        total, rows = pages.unconfirmed_to(st, me.org_id, FIRST_WAITING)
        confirmations = {"total": total, "rows": [handover_json(st, h, items=False) for h in rows]}

        total, rows = pages.returns_due(st, scope, FIRST_WAITING)
        returns = {"total": total, "rows": [
            dict(item_json(st, r, r, today), case_id=r.case_id, case=r.case_name) for r in rows]}

        due = []
        if ward_staff:
            open_cases = pages.open_cases_in(st, scope)
            wanted = [c.case_id for c in open_cases]
            orgs_of, done_of = st.case_orgs_by_case(wanted), st.inspections_by_case(wanted)
            for case in open_cases:
                orgs = orgs_of.get(case.case_id, [])
                due += [dict(v, case_id=case.case_id, case=case.name) for v in inspection_status(
                    case, orgs, done_of.get(case.case_id, []), today,
                    {o: st.name(o) for o in orgs}) if v["status"] != DONE]
        inspections = {"total": len(due), "rows": due[:FIRST_WAITING]}

        total, rows = pages.open_incidents(st, scope, FIRST_WAITING)
        incidents = {"total": total, "rows": [
            dict(incident_json(st, r), case=st.name(r.case_id)) for r in rows]}

        total, rows = pages.unexplained_print_excess(st, scope, FIRST_WAITING)
        excess = {"total": total, "rows": [
            dict(submission_json(st, r), case=st.name(r.case_id)) for r in rows]}

        shown = page_of(pages.case_count(st, scope), page, CASES_PER_PAGE)
        case_rows = pages.cases_page(st, scope, shown.offset, shown.size)
        counts = pages.case_counts(st, [c.case_id for c in case_rows])
        cases = [{"case_id": c.case_id, "name": c.name, "status": c.status,
                  "period_end": c.period_end, "out": counts[c.case_id]["out"],
                  "overdue": counts[c.case_id]["returnable"] if today.isoformat() > c.period_end
                  else 0,
                  "unconfirmed": counts[c.case_id]["unconfirmed"]} for c in case_rows]
    return {"person_id": person_id, "ward_staff": ward_staff,
            "confirmations": confirmations, "returns_due": returns,
            "inspections_due": inspections, "open_incidents": incidents,
            "print_excess": excess, "cases": cases, "cases_page": shown.json()}
