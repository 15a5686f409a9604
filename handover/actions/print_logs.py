"""Print logs (004 受託事業者 13): the ward designates how many pages a case may print, the
contractor's print log is imported against it, and an excess stays "unexplained" until the
contractor reports why (印刷ログ…を区に提出させる。指定枚数以上印刷した場合は、その理由を報告させる).

An import is all or nothing (a file with one bad row imports no row) and idempotent: the same
file again records nothing, and a job another import already counted is not counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handover import ids
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal, Recorded, Tx, record
from handover.print_log_files import read_print_log, totals


@dataclass(frozen=True)
class PrintLogImport:
    submission_id: str | None   # None: nothing new in the file
    already_imported: bool      # this very file was imported before (as submission_id)
    sha256: str
    layout: str
    encoding: str
    jobs: int                   # new jobs counted
    repeated_jobs: int          # jobs an earlier import already counted
    pages: int
    allowance: int
    printed_total: int          # pages of the case, this import included
    excess: int

    def as_json(self) -> dict:
        return dict(self.__dict__)


def set_print_allowance(journal: Journal, actor: str, case_id: str, *, pages: int | None = None,
                        per_record: int | None = None, basis: str = "") -> Recorded[int]:
    """Designate the case's page count: `pages` outright, or `per_record` pages for each
    record sealed for the case so far (004: one ticket set per record)."""
    case_id = ids.parse_id(case_id, "case")
    if (pages is None) == (per_record is None):
        raise HandoverError("give the designated count as --pages N or as --per-record N")
    if (pages if pages is not None else per_record) <= 0:
        raise HandoverError("the designated count must be a positive number of pages")

    def build(tx: Tx):
        st = tx.state
        policy.require_staff(st, tx.actor_id, "designate print counts")
        case = policy.require_open_case(st, case_id)
        count, why = pages, basis.strip()
        if per_record is not None:
            records = sum(st.package(i.package_id).record_count for i in
                          st.items(case_id=case_id, kind=ev.MEDIUM))
            if not records:
                raise HandoverError(f"case {case.name} ({case_id}) has no sealed records yet to "
                                    "count ticket sets from", "seal the extract first, or give --pages")
            count = records * per_record
            why = why or f"封入封緘件数 {records} 件 × {per_record} 枚"
        return [ev.PrintAllowanceSet(case_id, count, why)], count

    return record(journal, actor, build)


def import_print_log(journal: Journal, actor: str, case_id: str,
                     path: Path | str) -> Recorded[PrintLogImport]:
    case_id = ids.parse_id(case_id, "case")
    log = read_print_log(path)      # every row checked before anything is recorded
    submission_id = ids.new_id("G")

    def build(tx: Tx):
        st = tx.state
        case = policy.require_open_case(st, case_id)
        policy.require_on_roster(st, case, tx.actor_id, "submit print logs")
        allowance = policy.require_print_allowance(st, case).pages
        before = st.printed_pages(case_id)
        same = st.find_print_log_by_sha(case_id, log.sha256)
        if same is not None:
            return [], PrintLogImport(same.submission_id, True, log.sha256, log.layout,
                                      log.encoding, 0, len(log.jobs), 0, allowance, before, 0)
        counted = st.imported_jobs(case_id, [j.row_sha256 for j in log.jobs])
        new = [j for j in log.jobs if j.row_sha256 not in counted]
        pages = sum(j.pages for j in new)
        after = before + pages
        excess = max(0, after - allowance) - max(0, before - allowance)
        result = PrintLogImport(submission_id if new else None, False, log.sha256, log.layout,
                                log.encoding, len(new), len(log.jobs) - len(new), pages,
                                allowance, after, excess)
        if not new:
            return [], result
        times = sorted(j.printed_at for j in new)
        return [ev.PrintLogImported(
            submission_id, case_id, log.sha256, log.layout, log.encoding,
            [j.row_sha256 for j in new], totals(new), pages, len(new), len(log.jobs) - len(new),
            times[0].isoformat(), times[-1].isoformat(), allowance, excess)], result

    return record(journal, actor, build)


def explain_print_excess(journal: Journal, actor: str, submission_id: str,
                         reason: str) -> Recorded[None]:
    """The contractor's reason (理由) for printing beyond the designated count."""
    submission_id = ids.parse_id(submission_id, "print-log submission")
    reason = (reason or "").strip()
    if not reason:
        raise HandoverError("the reason is empty", "write why more than the designated count "
                            "was printed (e.g. 印刷不良による刷り直し 12枚)")

    def build(tx: Tx):
        st = tx.state
        submission = st.print_log(submission_id)
        policy.require_open_case(st, submission.case_id)
        policy.require_rostered(st, submission.case_id, tx.actor_id)
        policy.require_excess(submission)
        policy.require_unexplained(submission)
        return [ev.PrintExcessExplained(submission_id, reason)], None

    return record(journal, actor, build)
