"""On-site inspections (立入調査): who inspects whom, when, and that what was found wanting
has a follow-up (000 特記事項 18-20, 004 特記事項 15-17)."""

from __future__ import annotations

import datetime as dt

from handover.model import events as ev
from handover.model.policy.people import require_role
from handover.model.policy.rules import (FOLLOW_UP_REQUIRED, INSPECTION_DATE, NOT_ON_CASE,
                                         refuse)
from handover.model.state import Row, State


def require_inspector(st: State, person_id: str) -> None:
    """甲 inspects: ward staff or the ward's auditors, never the contractor itself."""
    require_role(st, person_id, ev.STAFF, ev.AUDITOR, doing="inspect a contractor")


def require_org_of_case(st: State, case: Row, org_id: str) -> None:
    """Only a contractor or sub-contractor of the case is inspected under it."""
    if org_id not in st.case_orgs(case.case_id):
        raise refuse(NOT_ON_CASE, org_id,
                     f"{st.label(org_id)} is not a contractor or sub-contractor of case "
                     f"{case.name} ({case.case_id})",
                     f"{st.name(org_id)} は業務「{case.name}」の委託先・再委託先ではありません",
                     "name one of the case's contractors (see `handover case show CASE`)")


def require_inspection_date(case: Row, inspected_on: dt.date, today: dt.date) -> None:
    """An inspection happens under the contract (from its first day) and is recorded after it
    happened, never ahead of it."""
    start = dt.date.fromisoformat(case.period_start)
    if inspected_on < start or inspected_on > today:
        why = (f"before the contract period starts ({start})" if inspected_on < start
               else f"after today ({today})")
        raise refuse(INSPECTION_DATE, case.case_id,
                     f"an inspection dated {inspected_on} is {why}",
                     f"立入調査日 {inspected_on} は" +
                     ("契約期間の開始前です" if inspected_on < start else "本日より後です"),
                     "give the date the inspection took place with --date YYYY-MM-DD")


def require_follow_ups(findings: list[dict], follow_ups: list[str]) -> None:
    """What an inspection found wanting is followed up: the record says what will be done."""
    deficient = [f["check"] for f in findings if f["result"] == ev.FINDING_DEFICIENT]
    if deficient and not follow_ups:
        names = "、".join(ev.INSPECTION_CHECKS[c] for c in deficient)
        raise refuse(FOLLOW_UP_REQUIRED, deficient[0],
                     f"{len(deficient)} finding(s) are deficient ({', '.join(deficient)}) but no "
                     "follow-up action is recorded",
                     f"要改善の指摘（{names}）に対する改善措置が記録されていません",
                     "add --follow-up TEXT saying what the contractor will do, and by when")
