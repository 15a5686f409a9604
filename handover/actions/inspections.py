"""On-site inspections (立入調査): the ward inspects each contractor and sub-contractor of a case
at least once per fiscal year (000 特記事項 18-19, 004 特記事項 15-16). The record holds the
date, the inspectors, the organisation, the place, a result for every check on the case's
promised measures, and the follow-up actions; it prints the 立入調査記録 for filing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from handover import ids
from handover.errors import HandoverError
from handover.files import make_output_dir, remove_empty_dirs
from handover.model import events as ev
from handover.model.journal import Journal, Tx, record
from handover.reports import inspection_record


@dataclass(frozen=True)
class Inspected:
    inspection_id: str
    entry_index: int
    checkpoint_size: int
    pdf_path: Path | None

    def as_json(self) -> dict:
        return {"inspection_id": self.inspection_id, "entry": self.entry_index,
                "checkpoint_size": self.checkpoint_size,
                "pdf": str(self.pdf_path) if self.pdf_path else None}


def parse_findings(texts: Iterable[str]) -> dict[str, tuple[str, str]]:
    """`CHECK=RESULT[:NOTE]` as typed on the command line, e.g.
    `print-logs=deficient:3月分の印刷ログが未提出`; a check given twice is refused."""
    out: dict[str, tuple[str, str]] = {}
    for text in texts:
        check, sep, rest = text.partition("=")
        check = check.strip()
        if not sep or not check:
            raise HandoverError(f"cannot read the finding {text!r}",
                                "write it as CHECK=ok|deficient|n/a[:NOTE]")
        if check in out:
            raise HandoverError(f"check {check} is given twice", "give each check one result")
        result, _, note = rest.partition(":")
        out[check] = (result.strip(), note.strip())
    return out


def findings_of(results: Mapping[str, tuple[str, str]]) -> list[dict]:
    """The checklist as recorded, in the checklist's order: every check needs a result, and a
    deficient one needs a note saying what was found."""
    unknown = sorted(set(results) - set(ev.INSPECTION_CHECKS))
    if unknown:
        raise HandoverError(f"unknown inspection check {unknown[0]!r}",
                            f"the checks are: {', '.join(ev.INSPECTION_CHECKS)}")
    missing = [c for c in ev.INSPECTION_CHECKS if c not in results]
    if missing:
        raise HandoverError(f"the inspection has no result for {', '.join(missing)} "
                            f"({'、'.join(ev.INSPECTION_CHECKS[c] for c in missing)})",
                            "give every check a result: --finding CHECK=ok|deficient|n/a[:NOTE]")
    out = []
    for check in ev.INSPECTION_CHECKS:
        result, note = results[check]
        if result not in ev.FINDING_RESULTS:
            raise HandoverError(f"check {check}: unknown result {result!r}",
                                f"a result is one of {', '.join(ev.FINDING_RESULTS)}")
        note = (note or "").strip()
        if result == ev.FINDING_DEFICIENT and not note:
            raise HandoverError(f"check {check} is deficient but says nothing of what was found",
                                f"write it after a colon: --finding {check}=deficient:NOTE")
        out.append({"check": check, "result": result, "note": note})
    return out


def record_inspection(journal: Journal, actor: str, case_id: str, org_id: str,
                      inspected_on: dt.date, inspectors: Iterable[str], place: str,
                      results: Mapping[str, tuple[str, str]], follow_ups: Iterable[str] = (), *,
                      pdf_dir: Path | str | None = None) -> Inspected:
    """Record one inspection of `org_id` under `case_id`; print its 立入調査記録 to `pdf_dir`."""
    case_id = ids.parse_id(case_id, "case")
    org_id = ids.parse_id(org_id, "organisation")
    inspectors = list(dict.fromkeys(ids.parse_id(p, "person") for p in inspectors))
    if not inspectors:
        raise HandoverError("an inspection needs its inspectors", "use --inspector PERSON_ID")
    place = (place or "").strip()
    if not place:
        raise HandoverError("an inspection needs the place inspected (所在地)", "use --place TEXT")
    findings = findings_of(results)
    follow_ups = [f.strip() for f in follow_ups if f.strip()]
    inspection_id = ids.new_id("V")

    def build(tx: Tx):
        # The rules: policy/acts.py, checked by record.
        return [ev.InspectionRecorded(inspection_id, case_id, org_id, inspected_on.isoformat(),
                                      inspectors, place, findings, follow_ups)], None

    made = make_output_dir(pdf_dir, "立入調査記録") if pdf_dir is not None else []
    try:
        done = record(journal, actor, build)
    except BaseException:
        remove_empty_dirs(made)   # a refused inspection leaves nothing behind
        raise
    entry = done.entries[0]
    pdf = None
    if pdf_dir is not None:
        try:
            pdf = inspection_record.write(journal, inspection_id, done.checkpoint, Path(pdf_dir))
        except OSError as e:
            raise HandoverError(f"{inspection_id} was recorded (entry {entry.index}), but its "
                                f"立入調査記録 could not be written to {pdf_dir}: {e.strerror or e}",
                                f"print it with `handover inspection print {inspection_id} "
                                "--pdf-dir DIR`") from None
    return Inspected(inspection_id, entry.index, done.checkpoint.size, pdf)


def print_inspection(journal: Journal, inspection_id: str, pdf_dir: Path | str) -> Path:
    """Print an inspection's 立入調査記録 again, against the newest signed checkpoint."""
    inspection_id = ids.parse_id(inspection_id, "inspection")
    make_output_dir(pdf_dir, "立入調査記録")
    return inspection_record.write(journal, inspection_id, None, Path(pdf_dir))
