"""Incidents (事故報告): reported by a person, or opened by the system itself when a received
file's hash does not match, a forged label is scanned at a recording station, or a return is
overdue by more than the ward's grace period; followed up, and closed with an outcome.

Every 特記事項 asks for the same: 事故が発生し、又は発生するおそれがあることを知ったときは、
速やかに…報告し、その指示に従うとともに、遅滞なく書面をもって報告. The written report is
the 事故報告書 (`print_incident`), printed from what the ledger holds.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Iterable

from handover import ids
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal, Recorded, Tx, record
from handover.model.state import Row, State

# A report may name a moment a little after the clock (typing, clocks apart), never later.
CLOCK_TOLERANCE = dt.timedelta(minutes=5)
# Days a return may be overdue before the system opens an incident itself.
ENV_OVERDUE_DAYS = "HANDOVER_OVERDUE_DAYS"
DEFAULT_OVERDUE_DAYS = 7
MAX_TEXT = 2000


def overdue_days(value: int | None = None) -> int:
    """The grace period: the value given, else $HANDOVER_OVERDUE_DAYS, else 7 days."""
    if value is None:
        text = os.environ.get(ENV_OVERDUE_DAYS, "").strip()
        if not text:
            return DEFAULT_OVERDUE_DAYS
        try:
            value = int(text)
        except ValueError:
            raise HandoverError(f"{ENV_OVERDUE_DAYS}={text!r} is not a number of days",
                                f"set it to a whole number, e.g. {DEFAULT_OVERDUE_DAYS}") from None
    if value < 0:
        raise HandoverError(f"{value} days: the grace period cannot be negative",
                            "give 0 or more days")
    return value


def _text(value: str, what: str, hint: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise HandoverError(f"{what} is empty", hint)
    if len(value) > MAX_TEXT:
        raise HandoverError(f"{what} is {len(value)} characters long (at most {MAX_TEXT})",
                            "summarise it; attach the details to the paper report")
    return value


def _moment(when: dt.datetime | None, what: str) -> dt.datetime | None:
    if when is not None and when.tzinfo is None:
        raise HandoverError(f"{what} needs a time zone, e.g. 2026-04-06T10:00+09:00")
    return when


def _not_future(when: dt.datetime, now: dt.datetime, what: str) -> None:
    if when > now + CLOCK_TOLERANCE:
        raise HandoverError(f"{what} {when.isoformat()} is in the future (now {now.isoformat()})",
                            "check the date, time and +09:00")


def incident_event(st: State, case: Row, category: str, description: str, reported_by: str,
                   discovered_at: dt.datetime, *, items: Iterable[str] = (),
                   ward_notified_at: dt.datetime | None = None,
                   source: str = ev.BY_PERSON) -> ev.IncidentReported:
    """The event of one incident, for the action that noticed it to record in its own
    transaction (a receipt that found a hash mismatch, a scan that found a forged label)."""
    return ev.IncidentReported(
        ids.new_id("A"), case.case_id, category, description, discovered_at.isoformat(),
        reported_by, list(items), ward_notified_at.isoformat() if ward_notified_at else None,
        source)


def report_incident(journal: Journal, actor: str, case_id: str, category: str, description: str,
                    *, items: Iterable[str] = (), discovered_at: dt.datetime | None = None,
                    ward_notified_at: dt.datetime | None = None) -> Recorded[str]:
    """A person reports an incident on a case: the ward's staff or a rostered person of a
    contractor. Returns the incident ID."""
    case_id = ids.parse_id(case_id, "case")
    if category not in ev.INCIDENT_CATEGORIES:
        raise HandoverError(f"unknown kind of incident {category!r}",
                            f"use one of {', '.join(ev.INCIDENT_CATEGORIES)}")
    description = _text(description, "the description of what happened",
                        "say what happened, e.g. 封筒1通の所在が確認できない")
    item_ids = list(dict.fromkeys(ids.parse_id(i) for i in items))
    discovered_at = _moment(discovered_at, "the time of discovery")
    ward_notified_at = _moment(ward_notified_at, "the time the ward was notified")

    def build(tx: Tx):
        st = tx.state   # the rules: policy/acts.py, checked by record
        case = st.case(case_id)
        found = discovered_at or tx.now
        _not_future(found, tx.now, "the time of discovery")
        if ward_notified_at is not None:
            _not_future(ward_notified_at, tx.now, "the time the ward was notified")
            if ward_notified_at < found:
                raise HandoverError(
                    f"the ward was notified ({ward_notified_at.isoformat()}) before the "
                    f"incident was discovered ({found.isoformat()})",
                    "check --notified and --discovered")
        event = incident_event(st, case, category, description, tx.actor_id, found,
                               items=item_ids, ward_notified_at=ward_notified_at)
        return [event], event.incident_id

    return record(journal, actor, build)


def follow_up_incident(journal: Journal, actor: str, incident_id: str, note: str, *,
                       ward_notified_at: dt.datetime | None = None) -> Recorded[None]:
    """Record what was done since (searched, informed residents, the ward's instruction…),
    and, if this is it, when the ward was notified."""
    incident_id = ids.parse_id(incident_id, "incident")
    note = _text(note, "the follow-up", "say what was done, e.g. 配送業者に調査を依頼")
    ward_notified_at = _moment(ward_notified_at, "the time the ward was notified")

    def build(tx: Tx):
        incident = tx.state.incident(incident_id)   # the rules: policy/acts.py
        if ward_notified_at is not None:
            _not_future(ward_notified_at, tx.now, "the time the ward was notified")
            if ward_notified_at < dt.datetime.fromisoformat(incident.discovered_at):
                raise HandoverError(
                    f"the ward was notified ({ward_notified_at.isoformat()}) before the "
                    f"incident was discovered ({incident.discovered_at})", "check --notified")
        return [ev.IncidentFollowedUp(incident_id, note, ward_notified_at.isoformat()
                                      if ward_notified_at else None)], None

    return record(journal, actor, build)


def close_incident(journal: Journal, actor: str, incident_id: str, outcome: str) -> Recorded[None]:
    """The ward closes an incident with its outcome (甲の指示に従う: the ward decides)."""
    incident_id = ids.parse_id(incident_id, "incident")
    outcome = _text(outcome, "the outcome", "say how it ended, e.g. 全件回収、漏えいなし")

    def build(tx: Tx):   # the rules: policy/acts.py, checked by record
        return [ev.IncidentClosed(incident_id, outcome)], None

    return record(journal, actor, build)


def open_overdue_incidents(journal: Journal, actor: str, *,
                           days: int | None = None) -> Recorded[list[str]]:
    """The system's own check: one incident per open case whose media or notices are still
    out more than `days` after the contract period ended, unless an open incident already
    names them. Returns the incidents opened (none is not an error)."""
    grace = overdue_days(days)

    def build(tx: Tx):
        st = tx.state
        policy.require_staff(st, tx.actor_id, "run the overdue check")
        today = tx.now.date()
        events = []
        for case in st.cases_page():
            if case.status != "open":
                continue
            due = dt.date.fromisoformat(case.period_end) + dt.timedelta(days=grace)
            if today <= due:
                continue
            named = {i for inc in st.incidents(case.case_id, open_only=True)
                     for i in inc.item_ids.split()}
            late = [i.item_id for i in st.items(case_id=case.case_id)
                    if i.kind != ev.ENVELOPES and i.medium_kind != ev.LGWAN_FILE
                    and not st.is_ward(i.holder_org) and i.item_id not in named]
            if late:
                events.append(incident_event(
                    st, case, ev.OTHER,
                    f"返却期限（{case.period_end}）から{grace}日を超えて未返却: {', '.join(late)}",
                    tx.actor_id, tx.now, items=late, source=ev.BY_OVERDUE))
        return events, [e.incident_id for e in events]

    return record(journal, actor, build)
