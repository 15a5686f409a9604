"""Splitting a visit-list extract into lists A and B for two-person visits (000 受託事業者 6),
on a computer designated for the case, by someone on its roster (or the ward's staff).

Both lists are split and rendered in memory, recorded (each registered as a visit-list item
with its count, columns and SHA-256), and only then written, each file atomically: a refusal
leaves no list on disk. The extract and the lists themselves are never stored by the product.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from handover import ids
from handover.files import make_output_dir, remove_empty_dirs, write_bytes_atomically
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal, Recorded, Tx, record
from handover.visit_lists import (VisitList, assign_columns, load_assignment, read_extract,
                                  split)


@dataclass(frozen=True)
class SplitLists:
    case_id: str
    source_sha256: str
    count: int
    lists: tuple[dict, ...]     # [{"list_id", "half", "columns", "count", "sha256", "warnings", "pdf", "csv"}]

    def as_json(self) -> dict:
        return {"case_id": self.case_id, "source_sha256": self.source_sha256,
                "count": self.count, "lists": list(self.lists)}


def split_visit_list(journal: Journal, actor: str, case_id: str, extract_path: Path | str,
                     out_dir: Path | str, *, a_columns: Iterable[str] | None = None,
                     b_columns: Iterable[str] | None = None, columns_file: Path | str | None = None,
                     write_csv: bool = False, label_key_path: Path | str | None = None,
                     ) -> Recorded[SplitLists]:
    from handover.documents.visit_list import VisitListSheet, render_visit_list  # reportlab
    from handover.label_codes import label_payload, load_key

    case_id = ids.parse_id(case_id, "case")
    extract = read_extract(extract_path)
    if columns_file is not None:
        a_columns, b_columns = load_assignment(columns_file)
    a_cols, b_cols = assign_columns(extract.header, a_columns, b_columns)
    key = load_key(label_key_path) if label_key_path is not None else None
    halves = split(extract, a_cols, b_cols)
    list_ids = {h.half: ids.new_id("L") for h in halves}
    out_dir = Path(out_dir)

    def build(tx: Tx):
        st = tx.state
        case = policy.require_open_case(st, case_id)
        policy.require_on_roster(st, case, tx.actor_id, "make visit lists")
        policy.require_workstation(st, case, tx.journal.host)
        policy.require_columns_apart(a_cols, b_cols)
        other = {"A": list_ids["B"], "B": list_ids["A"]}
        events = [ev.VisitListRegistered(list_ids[h.half], case_id, h.half, h.columns,
                                         len(h.rows), h.sha256, extract.sha256, other[h.half],
                                         h.warnings) for h in halves]
        sheets = [VisitListSheet(list_ids[h.half], h.half, case.name, tx.now.date(),
                                 tuple(h.header), tuple(tuple(r) for r in h.rows),
                                 label_payload(list_ids[h.half], key) if key else None)
                  for h in halves]
        return events, [render_visit_list(s) for s in sheets]

    made = make_output_dir(out_dir, "visit list")
    try:
        done = record(journal, actor, build)
    except BaseException:
        remove_empty_dirs(made)
        raise
    lists = []
    for h, pdf in zip(halves, done.value):
        lists.append(_write(h, list_ids[h.half], pdf, out_dir, write_csv))
    return Recorded(SplitLists(case_id, extract.sha256, len(extract.rows), tuple(lists)),
                    done.entries, done.checkpoint)


def _write(half: VisitList, list_id: str, pdf: bytes, out_dir: Path, write_csv: bool) -> dict:
    # Personal data: readable by its owner only, like notices and packages.
    pdf_path = write_bytes_atomically(out_dir / f"houmon-{half.half}-{list_id}.pdf", pdf, 0o600)
    csv_path = None
    if write_csv:
        csv_path = write_bytes_atomically(out_dir / f"houmon-{half.half}-{list_id}.csv",
                                          half.csv_bytes(), 0o600)
    return {"list_id": list_id, "half": half.half, "columns": half.columns,
            "count": len(half.rows), "sha256": half.sha256, "warnings": half.warnings,
            "pdf": str(pdf_path), "csv": str(csv_path) if csv_path else None}
