"""Visit rounds as people read them (000 受託事業者 4): each round with its visitors and its
lists, issued and returned with times, and the day's 訪問リスト授受簿 (PDF)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from handover import ids
from handover.model.journal import Journal
from handover.model.state import Row, State
from handover.reports._paper import write_document


def round_json(st: State, rnd: Row) -> dict[str, Any]:
    lists = []
    for r in st.round_lists(rnd.round_id):
        lst = st.visit_list(r.list_id)
        lists.append({"list_id": r.list_id, "half": lst.half, "count": lst.count,
                      "visitor_id": r.visitor, "visitor": st.name(r.visitor),
                      "returned_at": r.returned_at, "returned_to_id": r.returned_to,
                      "returned_to": st.name(r.returned_to) if r.returned_to else None,
                      "method": r.method, "missing": bool(r.missing),
                      "state": "missing" if r.missing else
                      "returned" if r.returned_at else "out"})
    visitors = rnd.visitors.split()
    return {"round_id": rnd.round_id, "case_id": rnd.case_id, "visit_date": rnd.visit_date,
            "area": rnd.area, "status": rnd.status,
            "visitors": [{"person_id": v, "name": st.name(v)} for v in visitors],
            "issued_by_id": rnd.issued_by, "issued_by": st.name(rnd.issued_by),
            "started_at": rnd.started_at, "count": rnd.count,
            "returned": sum(1 for lst in lists if lst["state"] == "returned"),
            "out": [lst["list_id"] for lst in lists if lst["state"] == "out"],
            "missing": [lst["list_id"] for lst in lists if lst["missing"]],
            "closed_at": rnd.closed_at, "closed_by_id": rnd.closed_by,
            "closed_by": st.name(rnd.closed_by) if rnd.closed_by else None,
            "incident_id": rnd.incident_id, "note": rnd.note, "lists": lists}


def _date(text: str | dt.date | None) -> str | None:
    if text is None or isinstance(text, dt.date):
        return text.isoformat() if text else None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        from handover.errors import HandoverError
        raise HandoverError(f"{text!r} is not a date", "give it as YYYY-MM-DD") from None


def visit_rounds(journal: Journal, case_id: str, visit_date: str | dt.date | None = None
                 ) -> dict[str, Any]:
    case_id = ids.parse_id(case_id, "case")
    day = _date(visit_date)
    with journal.reading() as st:
        case = st.case(case_id)
        return {"case_id": case_id, "name": case.name, "visit_date": day,
                "rounds": [round_json(st, r) for r in st.visit_rounds(case_id, day)]}


def show_round(journal: Journal, round_id: str) -> dict[str, Any]:
    round_id = ids.parse_id(round_id, "visit round")
    with journal.reading() as st:
        return round_json(st, st.visit_round(round_id))


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def build_register(st: State, case_id: str, visit_date: dt.date, printed_at: dt.datetime):
    from handover.documents.visit_register import (RegisterList, RegisterRound,  # reportlab
                                                   VisitRegister)
    case = st.case(case_id)
    rounds = []
    for rnd in st.visit_rounds(case_id, visit_date.isoformat()):
        lists = tuple(RegisterList(
            r.list_id, st.visit_list(r.list_id).half, st.visit_list(r.list_id).count,
            st.name(r.visitor), _moment(r.returned_at),
            st.name(r.returned_to) if r.returned_to else None, r.method, bool(r.missing))
            for r in st.round_lists(rnd.round_id))
        a, b = rnd.visitors.split()
        rounds.append(RegisterRound(
            rnd.round_id, rnd.area, (st.name(a), st.name(b)), st.name(rnd.issued_by),
            _moment(rnd.started_at), lists, _moment(rnd.closed_at),
            st.name(rnd.closed_by) if rnd.closed_by else None, rnd.incident_id))
    return VisitRegister(case.case_id, case.name,
                         "、".join(st.name(o) for o in st.case_orgs(case_id)), visit_date,
                         tuple(rounds), printed_at)


def print_visit_register(journal: Journal, case_id: str, visit_date: str | dt.date,
                         out_dir: Path | str) -> Path:
    """The day's 訪問リスト授受簿 of a case, as the ledger stands."""
    from handover.documents.visit_register import render_visit_register
    case_id = ids.parse_id(case_id, "case")
    day = dt.date.fromisoformat(_date(visit_date))
    with journal.reading() as st:
        doc = build_register(st, case_id, day, journal.now())
    return write_document(out_dir, f"jujubo-{case_id}-{day.isoformat()}.pdf", "授受簿",
                          render_visit_register(doc))
