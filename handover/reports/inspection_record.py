"""立入調査記録 PDFs from the projection, anchored to a signed checkpoint covering the entry."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import ledger
from handover.clock import fiscal_year
from handover.documents import write_pdf
from handover.documents.inspection import Finding, InspectionRecord, render_inspection
from handover.documents.wareki import format_fiscal_year
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model.journal import Journal
from handover.model.state import Row, State

ORG_KINDS_JA = {ev.CONTRACTOR: "委託先", ev.SUBCONTRACTOR: "再委託先", ev.WARD: "区"}


def findings(row: Row) -> list[dict]:
    return json.loads(row.findings)


def follow_ups(row: Row) -> list[str]:
    return json.loads(row.follow_ups)


def build_record(st: State, inspection_id: str, checkpoint_text: str) -> InspectionRecord:
    v = st.inspection(inspection_id)
    day = dt.date.fromisoformat(v.inspected_on)
    people = [st.person(i) for i in v.inspectors.split()]
    return InspectionRecord(
        inspection_id=v.inspection_id, case_name=st.case(v.case_id).name,
        org_name=st.name(v.org_id), org_kind=ORG_KINDS_JA[st.org(v.org_id).kind],
        inspected_on=day, fiscal_year=format_fiscal_year(fiscal_year(day)), place=v.place,
        inspectors=tuple(f"{st.name(person.org_id)} {person.name}" for person in people),
        findings=tuple(Finding(ev.INSPECTION_CHECKS[f["check"]], ev.FINDING_RESULTS[f["result"]],
                               f["note"]) for f in findings(v)),
        follow_ups=tuple(follow_ups(v)), entry_index=v.entry_index,
        checkpoint_text=checkpoint_text)


def pdf_name(inspection_id: str) -> str:
    return f"tachiiri-chousa-{inspection_id}.pdf"


def write(journal: Journal, inspection_id: str, checkpoint: ledger.SignedCheckpoint | None,
          pdf_dir: Path) -> Path:
    """Print the record; without `checkpoint`, against the newest stored one (which covers
    every entry, this one included)."""
    with journal.reading() as st:
        if checkpoint is not None:
            text = checkpoint.note
        else:
            stored = ledger.stored_checkpoints(st.conn, journal.log)
            if not stored:
                raise HandoverError("no signed checkpoint yet", "run `handover ledger checkpoint`")
            text = stored[-1][1]
        rec = build_record(st, inspection_id, text)
    return write_pdf(pdf_dir / pdf_name(inspection_id), render_inspection(rec), mode=0o644)
