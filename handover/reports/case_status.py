"""Where everything is, per case: every item, who holds it and since when, overdue returns,
unconfirmed handovers, and every override recorded (handovers and case closings)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from handover import ids
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model import tables
from handover.model import pages
from handover.model.journal import Journal, require_actor
from handover.model.state import Row, State, overrides_of
from handover.reports.incidents import open_incidents_json
from handover.reports.inspections_due import inspection_status
from handover.reports.label_sheets import kind_label
from handover.reports.paging import page_of
from handover.reports.print_logs import EXCESS_UNEXPLAINED, case_print_logs
from handover.reports.visit_lists import visit_list_json


CASES_PER_PAGE = 20     # the web's list of every case


def _where(st: State, item: Row) -> dict[str, Any]:
    return {
        "cabinet_id": item.cabinet_id, "cabinet": st.name(item.cabinet_id) if item.cabinet_id else None,
        "holder_person_id": item.holder_person,
        "holder_person": st.name(item.holder_person) if item.holder_person else None,
        "holder_org_id": item.holder_org, "holder_org": st.name(item.holder_org),
        "since": item.since,
    }


def item_json(st: State, item: Row, case: Row, today: dt.date) -> dict[str, Any]:
    out = not st.is_ward(item.holder_org)
    # An LGWAN file is never returned but erased (004 受託事業者 10): it is never overdue,
    # and its erasure certificate is what closes it.
    lgwan_file = item.kind == ev.MEDIUM and item.medium_kind == ev.LGWAN_FILE
    returned = out and item.kind != ev.ENVELOPES and not lgwan_file
    overdue = returned and today > dt.date.fromisoformat(case.period_end)
    return {"item_id": item.item_id, "kind": item.kind, "kind_label": kind_label(item),
            "package_id": item.package_id, "count": item.count, **_where(st, item),
            "out": out, "overdue": overdue,
            "return_due": case.period_end if returned else None,
            "lgwan_file": lgwan_file, "last_handover": item.last_handover}


def where_text(item: dict) -> str:
    """One line: where an item (or a visit list, or a visit round) is and since when (for
    the CLI)."""
    if "lists" in item:         # a visit round
        out = f", out: {', '.join(item['out'])}" if item["out"] else ""
        lost = f", missing: {', '.join(item['missing'])}" if item["missing"] else ""
        return (f"round {item['status']} on {item['visit_date']}: {item['count']} list(s) "
                f"issued, {item['returned']} returned{out}{lost}")
    holder = f"{item['holder_person']} ({item['holder_org']})" if item["holder_person"] \
        else item["holder_org"]
    place = f"in {item['cabinet']} ({item['cabinet_id']}) of {item['holder_org']}" \
        if item.get("cabinet_id") else f"held by {holder}"
    if item.get("state") == "out":
        place = f"out on visit round {item['round_id']}, {place}"
    elif item.get("state") == "missing":
        place = f"MISSING since round {item['round_id']}, last {place}"
    return f"{place} since {item['since']}"


def case_choices(journal: Journal, *, open_only: bool = False) -> list[dict[str, str]]:
    """Every case's ID, name and status, in ID order, for a page's choice of case: the cases
    table alone, so it costs the number of cases, not their items (which `status` reads)."""
    with journal.reading() as st:
        return [{"case_id": c.case_id, "name": c.name, "status": c.status}
                for c in st.cases_page() if not open_only or c.status == "open"]


def ward_cases(journal: Journal, page: str | int | None = None) -> dict[str, Any]:
    """The whole ward's cases a page at a time (CASES_PER_PAGE, in ID order), each as `status`
    shows it: the list page costs one page of cases and their items, not the ward's."""
    with journal.reading() as st:
        shown = page_of(pages.ward_case_count(st), page, CASES_PER_PAGE)
        after = pages.case_before(st, shown.offset)
    data = status(journal, after=after, limit=CASES_PER_PAGE)
    return {"as_of": data["as_of"], "cases": data["cases"], "page": shown.json()}


def status(journal: Journal, case_id: str | None = None, *, after: str | None = None,
           limit: int | None = None) -> dict[str, Any]:
    """For each case: every medium, notice and envelope batch, where it is, who holds it,
    since when; overdue returns, unconfirmed handovers and overrides.

    The whole-ward view pages by case ID: `limit` cases after the case `after`; `next_after`
    then names the case to continue after (None on the last page)."""
    if limit is not None and limit < 1:
        raise HandoverError(f"a page of {limit} cases shows nothing", "pass --limit 1 or more")
    now = journal.now()
    with journal.reading() as st:
        if case_id is not None:
            case_rows = [st.case(ids.parse_id(case_id, "case"))]
        else:
            after = ids.parse_id(after, "case") if after is not None else None
            case_rows = st.cases_page(after=after, limit=None if limit is None else limit + 1)
        more = limit is not None and case_id is None and len(case_rows) > limit
        case_rows = case_rows[:limit] if more else case_rows
        # One query per table for the whole page (every case when not paged), never per case.
        wanted = None if case_id is None and limit is None else [c.case_id for c in case_rows]
        items_of, handovers_of = st.items_by_case(wanted), st.handovers_by_case(wanted)
        orgs_of, roster_of = st.case_orgs_by_case(wanted), st.roster_by_case(wanted)
        closings = st.closing_overrides_by_case(wanted)
        incidents_of = st.incidents_by_case(wanted)
        erasures_of = st.erasures_by_case(wanted)
        print_logs_of = st.print_logs_by_case(wanted)
        visit_lists_of = st.visit_lists_by_case(wanted)
        inspections_of = st.inspections_by_case(wanted)
        packages_of = st.packages_by_case(wanted)
        here = st.workstation_by_host(journal.host)
        cases = []
        for case in case_rows:
            items = [item_json(st, i, case, now.date()) for i in items_of.get(case.case_id, [])]
            handovers = handovers_of.get(case.case_id, [])
            orgs = orgs_of.get(case.case_id, [])
            inspections = [] if case.status != "open" else inspection_status(
                case, orgs, inspections_of.get(case.case_id, []), now.date(),
                {o: st.name(o) for o in orgs})
            cases.append({
                "case_id": case.case_id, "name": case.name, "status": case.status,
                "period_start": case.period_start, "period_end": case.period_end,
                "contractors": [{"org_id": o, "name": st.name(o)} for o in orgs],
                "roster": [{"person_id": r.person_id, "name": st.name(r.person_id), "role": r.role}
                           for r in roster_of.get(case.case_id, [])],
                "items": items,
                "out": [i["item_id"] for i in items if i["out"] and i["kind"] != ev.ENVELOPES],
                "overdue": [i["item_id"] for i in items if i["overdue"]],
                "unconfirmed_handovers": [h.handover_id for h in handovers if h.confirmed_by is None],
                "interrupted_seals": _interrupted_seals(packages_of.get(case.case_id, []),
                                                        items, here),
                "overrides": [_override_json(st, h) for h in handovers if h.override_reason]
                + _closing_json(st, case, closings.get(case.case_id)),
                "open_incidents": open_incidents_json(st, incidents_of.get(case.case_id, [])),
                "erasure_certificates": [
                    {"certificate_id": c.certificate_id, "org_id": c.org_id,
                     "org": st.name(c.org_id), "erased_on": c.erased_on,
                     "ward_received_at": c.ward_received_at, "checked_at": c.checked_at}
                    for c in erasures_of.get(case.case_id, [])],
                "print_logs": case_print_logs(st, case.case_id,
                                              print_logs_of.get(case.case_id, [])),
                "visit_lists": [visit_list_json(st, r) for r in visit_lists_of.get(case.case_id, [])],
                # 立入調査 per organisation and fiscal year (open cases only)
                "inspections": inspections,
            })
    data: dict[str, Any] = {"as_of": now.isoformat(), "cases": cases}
    if limit is not None and case_id is None:
        data["next_after"] = case_rows[-1].case_id if more else None
    return data


def _interrupted_seals(packages: list[Row], items: list[dict], here: Row | None) -> list[dict]:
    """Seals recorded on this workstation whose package file is not where it was released,
    while its medium has not moved since: the seal was cut off between recording and release
    (a kill, a power cut), so the package must be sealed again. Files on other computers are
    not visible here, and a medium that moved on is past the point where its file matters."""
    if here is None:
        return []
    unmoved = {i["package_id"] for i in items if i["kind"] == ev.MEDIUM
               and i["cabinet_id"] is None and i["last_handover"] is None}
    found = []
    for pkg in packages:
        if (pkg.workstation_id == here.workstation_id and pkg.package_id in unmoved
                and pkg.package_file and not Path(pkg.package_file).exists()):
            found.append({"package_id": pkg.package_id, "package_file": pkg.package_file,
                          "notice_file": pkg.notice_file,
                          "notice_missing": bool(pkg.notice_file)
                          and not Path(pkg.notice_file).exists()})
    return found


def _override_json(st: State, h: Row) -> dict[str, Any]:
    return {"handover_id": h.handover_id, "occurred_at": h.occurred_at,
            "reason": h.override_reason, "recorded_by": h.recorded_by,
            "recorded_by_name": st.name(h.recorded_by), "rules": overrides_of(h)}


def case_overrides(st: State, case: Row) -> list[dict[str, Any]]:
    """Every override of one case: its handovers', then its closing's."""
    return ([_override_json(st, h) for h in st.handovers(case.case_id) if h.override_reason]
            + _closing_overrides(st, case))


def _closing_overrides(st: State, case: Row) -> list[dict[str, Any]]:
    """A case closed although items were still out or handovers unconfirmed: the reason
    recorded, and the rules it overrode."""
    return _closing_json(st, case, st.closing_override(case.case_id))


def _closing_json(st: State, case: Row, closing: Row | None) -> list[dict[str, Any]]:
    if closing is None:
        return []
    return [{"handover_id": None, "case_id": case.case_id, "occurred_at": closing.closed_at,
             "reason": closing.reason, "recorded_by": closing.recorded_by,
             "recorded_by_name": st.name(closing.recorded_by), "rules": overrides_of(closing)}]


def overrides(journal: Journal) -> list[dict[str, Any]]:
    """Every handover recorded with an override reason, every case closed with items still
    out, and every print log beyond its designated count with its reason, for audit reports."""
    with journal.reading() as st:
        found = [dict(_override_json(st, h), case_id=h.case_id)
                 for h in st.handovers() if h.override_reason]
        closings = st.closing_overrides_by_case(None)
        for case in st.list(tables.cases):
            found += _closing_json(st, case, closings.get(case.case_id))
        found += [_print_excess_json(st, row) for rows in st.print_logs_by_case(None).values()
                  for row in rows if row.excess > 0]
        return found


def _print_excess_json(st: State, row: Row) -> dict[str, Any]:
    """Printing beyond the designated count (004 受託事業者 13), with the contractor's reason,
    or "excess unexplained" while there is none."""
    by = row.explained_by or row.imported_by
    return {"handover_id": None, "submission_id": row.submission_id, "case_id": row.case_id,
            "occurred_at": row.explained_at or row.imported_at,
            "reason": row.reason if row.reason is not None else EXCESS_UNEXPLAINED,
            "recorded_by": by, "recorded_by_name": st.name(by),
            "rules": [{"rule": "print-excess", "item": row.submission_id,
                       "message": f"{row.excess} page(s) beyond the designated count "
                                  f"{row.allowance}"}]}


def require_person(journal: Journal, person_id: str) -> None:
    """A reader who names themselves must be registered."""
    with journal.reading() as st:
        require_actor(st, person_id)
