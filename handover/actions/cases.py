"""Cases (業務): the contract under which data goes out, its contractors, its period and its
roster of 取扱責任者 and 取扱者 (004 受託事業者 3, 000 特記事項 16). Only people on the
roster receive, handle or return the case's media; a closed case accepts nothing more.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from handover import ids
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model.journal import Journal, Recorded, Tx, record


def _roster_entries(responsible: Iterable[str], handlers: Iterable[str]) -> list[dict]:
    out: dict[str, str] = {}
    for role, people in ((ev.ROSTER_RESPONSIBLE, responsible), (ev.ROSTER_HANDLER, handlers)):
        for person in people:
            out.setdefault(ids.parse_id(person, "person"), role)
    return [{"person_id": p, "role": r} for p, r in out.items()]


def open_case(journal: Journal, actor: str, name: str, contractors: Iterable[str],
              period_start: dt.date, period_end: dt.date, responsible: Iterable[str],
              handlers: Iterable[str] = (), separation_minutes: int | None = None) -> Recorded[str]:
    name = (name or "").strip()
    if not name:
        raise HandoverError("a case needs a name (業務名)")
    orgs = list(dict.fromkeys(ids.parse_id(o, "organisation") for o in contractors))
    if not orgs:
        raise HandoverError("a case needs at least one contractor", "use --contractor ORG_ID")
    if period_end < period_start:
        raise HandoverError(f"the contract period ends ({period_end}) before it starts "
                            f"({period_start})")
    if separation_minutes is not None and separation_minutes <= 0:
        raise HandoverError("the separation interval must be positive minutes")
    members = _roster_entries(responsible, handlers)
    if not any(m["role"] == ev.ROSTER_RESPONSIBLE for m in members):
        raise HandoverError("the roster needs a 取扱責任者 (responsible handler)",
                            "use --responsible PERSON_ID")
    case_id = ids.new_id("C")

    def build(tx: Tx):   # the rules: policy/acts.py, checked by record
        return [ev.CaseOpened(case_id, name, tx.actor.org_id, orgs, period_start.isoformat(),
                              period_end.isoformat(), members, separation_minutes)], case_id

    return record(journal, actor, build)


def change_roster(journal: Journal, actor: str, case_id: str, *,
                  add_responsible: Iterable[str] = (), add_handlers: Iterable[str] = (),
                  remove: Iterable[str] = (), reason: str = "") -> Recorded[None]:
    case_id = ids.parse_id(case_id, "case")
    added = _roster_entries(add_responsible, add_handlers)
    removed = list(dict.fromkeys(ids.parse_id(r, "person") for r in remove))
    if not added and not removed:
        raise HandoverError("nothing to change", "use --add-responsible, --add-handler or --remove")

    def build(tx: Tx):   # the rules: policy/acts.py, checked by record
        return [ev.RosterChanged(case_id, added, removed, reason.strip())], None

    return record(journal, actor, build)


def close_case(journal: Journal, actor: str, case_id: str, reason: str = "",
               override_reason: str | None = None) -> Recorded[None]:
    """Close a case: the close-out gate. Refused while media or notices are still with a
    contractor, a handover awaits its receiver's confirmation, an incident is open, an LGWAN
    file is not covered by a received erasure certificate, or a contractor that held the
    data has no received certificate; each unmet condition is named, and a recorded reason
    overrides them."""
    case_id = ids.parse_id(case_id, "case")

    def build(tx: Tx):   # the close-out gate: policy/acts.py, checked by record
        reason_given = override_reason.strip() if override_reason and override_reason.strip() \
            else None
        return [ev.CaseClosed(case_id, reason.strip(), reason_given)], None

    return record(journal, actor, build)
