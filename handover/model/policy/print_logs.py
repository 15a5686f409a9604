"""Print logs (004 受託事業者 13): a designated count before any log is counted against it,
and a reason for an excess recorded once, by the contractor, for a submission that has one."""

from __future__ import annotations

from handover.model.policy.rules import (ALREADY_EXPLAINED, NO_EXCESS, PRINT_ALLOWANCE_MISSING,
                                         refuse)
from handover.model.state import Row, State


def require_print_allowance(st: State, case: Row) -> Row:
    allowance = st.print_allowance(case.case_id)
    if allowance is None:
        raise refuse(PRINT_ALLOWANCE_MISSING, case.case_id,
                     f"case {case.name} ({case.case_id}) has no designated page count, so a "
                     "print log cannot be checked against it",
                     f"業務「{case.name}」の指定枚数が定められていません",
                     "set it first: `handover print-log allowance CASE --pages N` "
                     "(or --per-record N for one ticket set per sealed record)")
    return allowance


def require_excess(submission: Row) -> None:
    if submission.excess <= 0:
        raise refuse(NO_EXCESS, submission.submission_id,
                     f"print log {submission.submission_id} printed nothing beyond the "
                     "designated count; there is no excess to explain",
                     f"印刷ログ {submission.submission_id} に指定枚数の超過はありません",
                     "a reason is recorded only for a submission flagged 'excess unexplained'")


def require_unexplained(submission: Row) -> None:
    if submission.reason is not None:
        raise refuse(ALREADY_EXPLAINED, submission.submission_id,
                     f"the excess of {submission.submission_id} was already explained: "
                     f"{submission.reason}",
                     f"印刷ログ {submission.submission_id} の超過理由は報告済みです",
                     "a further explanation can be recorded as a remark (`handover remark`)")
