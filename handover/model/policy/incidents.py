"""Incidents (事故報告): who reports them, that a closed one takes nothing more, and that a
case does not close over an open one (every 特記事項: 事故が発生し…書面をもって報告)."""

from __future__ import annotations

from handover.model.policy.rules import INCIDENT_CLOSED, INCIDENTS_OPEN, refuse
from handover.model.state import Row, State


def require_incident_open(incident: Row) -> None:
    if incident.status != "open":
        raise refuse(INCIDENT_CLOSED, incident.incident_id,
                      f"incident {incident.incident_id} was closed at {incident.closed_at} "
                      f"({incident.outcome}); nothing more can be added to it",
                      f"事故報告 {incident.incident_id} は完了しています",
                      "report a new incident if something further happened, referring to it")


def require_no_open_incidents(st: State, case: Row) -> None:
    """A case closes only when every incident reported on it was closed with an outcome."""
    still = [i.incident_id for i in st.incidents(case.case_id, open_only=True)]
    if still:
        raise refuse(INCIDENTS_OPEN, still[0],
                      f"case {case.case_id} has {len(still)} open incident(s): {', '.join(still)}",
                      f"未完了の事故報告が{len(still)}件あります",
                      "close each with `handover incident close INCIDENT --outcome TEXT`, or "
                      "record why the case closes anyway with --override-reason TEXT")
