"""Print logs as contractors hand them in (004 受託事業者 13: 印刷元コンピュータ名、印刷日時、
印刷ファイル名、印刷先プリンタ名、印刷枚数), read into print jobs.

Three layouts are recognised by their header row:

* the documented five columns, with Japanese or English headers (docs/print-logs.md);
* the Windows print server's Microsoft-Windows-PrintService/Operational event 307, exported
  with `Get-WinEvent … | Export-Csv` (TimeCreated, Id, Message…; the job is in the message,
  English or Japanese Windows);
* a PaperCut-style print log (Time, User, Pages, Copies, Printer, Document Name, Client…),
  whose printed pages are Pages × Copies.

A file with any bad row yields nothing (BadRows names every line). Each job gets a content
hash, the same whichever layout or encoding carried it, so a job imported once is never
counted twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from handover.clock import JST
from handover.csv_files import BadRows, header_key, is_blank, read_csv
from handover.errors import HandoverError

DOCUMENTED, EVENT_307, PAPERCUT = "documented", "event307", "papercut"
FORMAT_LABELS = {DOCUMENTED: "所定様式（5項目）", EVENT_307: "Windows PrintService イベント307",
                 PAPERCUT: "PaperCut 印刷ログ"}

# The documented columns: field → accepted headers (compared by csv_files.header_key).
_DOCUMENTED = {
    "computer": ("印刷元コンピュータ名", "computer"),
    "printed_at": ("印刷日時", "printed_at"),
    "file_name": ("印刷ファイル名", "file_name"),
    "printer": ("印刷先プリンタ名", "printer"),
    "pages": ("印刷枚数", "pages"),
}
_PAPERCUT = {"printed_at": "time", "pages": "pages", "copies": "copies", "printer": "printer",
             "file_name": "documentname", "computer": "client"}

_MESSAGE_EN = re.compile(
    r"Document \d+, (?P<file>.*) owned by .*? on (?P<computer>\S+) was printed on "
    r"(?P<printer>.+?) through port .*?Pages printed: (?P<pages>\d+)", re.S)
# Japanese Windows words the same facts differently; only the fields we need are anchored.
_MESSAGE_JA = re.compile(
    r"ドキュメント\s*\d+\s*[,、]\s*(?P<file>.+?)\s*[(（]所有者[:：]?.*?[)）]\s*は\s*"
    r"(?P<computer>\S+?)\s*上の\s*(?P<printer>.+?)\s*[(（]ポート.*?印刷ページ数[:：]\s*"
    r"(?P<pages>\d+)", re.S)

_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %I:%M:%S %p")


@dataclass(frozen=True)
class PrintJob:
    line: int
    computer: str
    printed_at: dt.datetime     # JST
    file_name: str
    printer: str
    pages: int
    row_sha256: str = ""

    @property
    def day(self) -> str:
        return self.printed_at.date().isoformat()


@dataclass(frozen=True)
class PrintLog:
    sha256: str
    encoding: str
    layout: str
    jobs: list[PrintJob]
    skipped_events: int = 0     # event-log rows of other IDs than 307


def parse_time(text: str) -> dt.datetime:
    """A print time in JST. Times without a zone are the print server's clock, in Japan."""
    s = text.strip().replace("T", " ")
    try:
        moment = dt.datetime.fromisoformat(s)
    except ValueError:
        for fmt in _TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(s, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"date and time {text!r} not understood "
                             "(expected e.g. 2026-04-10 09:15:03 or 2026/04/10 9:15:03)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=JST)
    return moment.astimezone(JST)


def parse_pages(text: str, what: str = "page count") -> int:
    s = text.strip().replace(",", "")
    if not s.isdigit():
        raise ValueError(f"{what} {text!r} is not a whole number")
    return int(s)


def _layout(header: list[str]) -> tuple[str, dict[str, int]]:
    keys = [header_key(h) for h in header]
    documented = {}
    for field, names in _DOCUMENTED.items():
        found = [i for i, k in enumerate(keys) if k in {header_key(n) for n in names}]
        if found:
            documented[field] = found[0]
    if len(documented) == len(_DOCUMENTED):
        return DOCUMENTED, documented
    if "timecreated" in keys and "message" in keys:
        cols = {"printed_at": keys.index("timecreated"), "message": keys.index("message")}
        if "id" in keys:
            cols["id"] = keys.index("id")
        return EVENT_307, cols
    if all(k in keys for k in _PAPERCUT.values()):
        return PAPERCUT, {field: keys.index(k) for field, k in _PAPERCUT.items()}
    missing = [names[0] for field, names in _DOCUMENTED.items() if field not in documented]
    raise HandoverError(
        f"the header row is not a print log this tool knows; the documented layout lacks "
        f"{', '.join(missing)}",
        "use the five columns 印刷元コンピュータ名,印刷日時,印刷ファイル名,印刷先プリンタ名,印刷枚数 "
        "(or computer,printed_at,file_name,printer,pages), a PowerShell export of event 307 "
        "(TimeCreated, Id, Message), or a PaperCut print log")


def _job(layout: str, cols: dict[str, int], line: int, cells: list[str]) -> PrintJob | None:
    def cell(field: str) -> str:
        i = cols[field]
        if i >= len(cells):
            raise ValueError(f"{len(cells)} column(s), the header has more")
        return cells[i].strip()

    if layout == EVENT_307:
        if "id" in cols and cell("id") != "307":
            return None
        message = cell("message")
        m = _MESSAGE_EN.search(message) or _MESSAGE_JA.search(message)
        if m is None:
            raise ValueError("the Message is not a 'document printed' (event 307) message")
        return PrintJob(line, m["computer"].lstrip("\\"), parse_time(cell("printed_at")),
                        m["file"].strip(), m["printer"].strip(), int(m["pages"]))
    pages = parse_pages(cell("pages"))
    if layout == PAPERCUT:
        pages *= parse_pages(cell("copies"), "copies")
    values = {f: cell(f) for f in ("computer", "file_name", "printer")}
    for field, value in values.items():
        if not value:
            raise ValueError(f"{field} is empty")
    return PrintJob(line, values["computer"].lstrip("\\"), parse_time(cell("printed_at")),
                    values["file_name"], values["printer"], pages)


def _row_hash(job: PrintJob, occurrence: int) -> str:
    """The job's identity: its five facts, and which occurrence of identical facts it is in
    its file (two identical jobs in the same second are two jobs; the same file imported
    again gives the same hashes)."""
    text = "\x1f".join([job.computer, job.printed_at.isoformat(), job.file_name, job.printer,
                        str(job.pages), str(occurrence)])
    return hashlib.sha256(text.encode()).hexdigest()


def read_print_log(path: Path | str) -> PrintLog:
    source = read_csv(path, "print log")
    rows = [(n, cells) for n, cells in source.rows if not is_blank(cells)]
    if rows and rows[0][1] and rows[0][1][0].startswith("#TYPE"):   # Export-Csv's type line
        rows = rows[1:]
    if rows and rows[0][1] and rows[0][1][0].lower().startswith("papercut"):  # its title line
        rows = rows[1:]
    if not rows:
        raise HandoverError(f"{path}: the print log is empty", "export the log again")
    layout, cols = _layout(rows[0][1])
    jobs, problems, skipped = [], [], 0
    for line, cells in rows[1:]:
        try:
            job = _job(layout, cols, line, cells)
        except ValueError as e:
            problems.append((line, str(e)))
            continue
        if job is None:
            skipped += 1
        else:
            jobs.append(job)
    if problems:
        raise BadRows(str(path), problems, "print log")
    if not jobs:
        raise HandoverError(f"{path}: the print log holds no print jobs",
                            "export the log again, with its rows")
    seen: Counter = Counter()
    hashed = []
    for job in jobs:
        facts = (job.computer, job.printed_at, job.file_name, job.printer, job.pages)
        seen[facts] += 1
        hashed.append(PrintJob(job.line, *facts, row_sha256=_row_hash(job, seen[facts])))
    return PrintLog(source.sha256, source.encoding, layout, hashed, skipped)


def totals(jobs: list[PrintJob]) -> list[dict]:
    """Pages and jobs per computer, printer and day, in that order."""
    sums: dict[tuple[str, str, str], list[int]] = {}
    for job in jobs:
        s = sums.setdefault((job.computer, job.printer, job.day), [0, 0])
        s[0] += job.pages
        s[1] += 1
    return [{"computer": c, "printer": p, "day": d, "pages": v[0], "jobs": v[1]}
            for (c, p, d), v in sorted(sums.items())]
