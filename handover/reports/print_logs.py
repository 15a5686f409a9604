"""Print logs as people read them (004 受託事業者 13): each submission with its totals, the
designated count, the excess and its reason (or "excess unexplained"), and the 印刷ログ提出書."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from handover import ids
from handover.model.journal import Journal
from handover.model.state import Row, State
from handover.print_log_files import FORMAT_LABELS
from handover.reports._paper import write_document

EXCESS_UNEXPLAINED = "excess unexplained"


def submission_json(st: State, row: Row) -> dict[str, Any]:
    return {
        "submission_id": row.submission_id, "case_id": row.case_id, "sha256": row.sha256,
        "layout": row.layout, "encoding": row.encoding, "pages": row.pages, "jobs": row.jobs,
        "repeated_jobs": row.repeated_jobs, "first_at": row.first_at, "last_at": row.last_at,
        "allowance": row.allowance, "excess": row.excess,
        "state": _state(row), "reason": row.reason,
        "explained_by": row.explained_by, "explained_at": row.explained_at,
        "imported_by": row.imported_by, "imported_by_name": st.name(row.imported_by),
        "imported_at": row.imported_at,
    }


def _state(row: Row) -> str:
    if row.excess <= 0:
        return "within allowance"
    return EXCESS_UNEXPLAINED if row.reason is None else "excess explained"


def case_print_logs(st: State, case_id: str, rows: list[Row] | None = None) -> dict[str, Any]:
    """The print-log part of a case's status."""
    allowance = st.print_allowance(case_id)
    rows = st.print_logs(case_id) if rows is None else rows
    return {
        "allowance": None if allowance is None else
        {"pages": allowance.pages, "basis": allowance.basis, "set_at": allowance.set_at},
        "printed_pages": sum(r.pages for r in rows),
        "submissions": [submission_json(st, r) for r in rows],
        "excess_unexplained": [r.submission_id for r in rows if _state(r) == EXCESS_UNEXPLAINED],
    }


def print_logs(journal: Journal, case_id: str) -> dict[str, Any]:
    case_id = ids.parse_id(case_id, "case")
    with journal.reading() as st:
        case = st.case(case_id)
        out = case_print_logs(st, case_id)
        for s in out["submissions"]:
            s["totals"] = [dict(r._mapping) for r in st.print_totals(s["submission_id"])]
            for t in s["totals"]:
                t.pop("log", None)
        return {"case_id": case_id, "name": case.name, **out}


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def build_submission(st: State, submission_id: str):
    from handover.documents.print_log import PrintLogSubmission, PrintTotal  # reportlab: PDFs only
    row = st.print_log(submission_id)
    case = st.case(row.case_id)
    earlier = [r for r in st.print_logs(row.case_id) if r.entry_index <= row.entry_index]
    person = st.person(row.imported_by)
    contractors = st.case_orgs(row.case_id)
    return PrintLogSubmission(
        submission_id=row.submission_id, case_id=case.case_id, case_name=case.name,
        contractor="、".join(st.name(o) for o in contractors),
        submitted_by=f"{st.name(person.org_id)} {person.name}",
        submitted_at=_moment(row.imported_at), log_format=FORMAT_LABELS.get(row.layout, row.layout),
        sha256=row.sha256, first_at=_moment(row.first_at), last_at=_moment(row.last_at),
        totals=tuple(PrintTotal(t.computer, t.printer, dt.date.fromisoformat(t.day), t.pages, t.jobs)
                     for t in st.print_totals(submission_id)),
        pages=row.pages, jobs=row.jobs, repeated_jobs=row.repeated_jobs,
        case_pages=sum(r.pages for r in earlier), allowance=row.allowance, excess=row.excess,
        reason=row.reason, explained_by=st.name(row.explained_by) if row.explained_by else None,
        explained_at=_moment(row.explained_at) if row.explained_at else None)


def print_submission(journal: Journal, submission_id: str, out_dir: Path | str) -> Path:
    """The 印刷ログ提出書 of one submission, as it stands (with the reason once recorded)."""
    from handover.documents.print_log import render_print_log
    submission_id = ids.parse_id(submission_id, "print-log submission")
    with journal.reading() as st:
        doc = build_submission(st, submission_id)
    suffix = "" if doc.excess <= 0 or doc.reason is None else "-explained"
    return write_document(out_dir, f"insatsu-log-{submission_id}{suffix}.pdf", "印刷ログ提出書",
                          render_print_log(doc))
