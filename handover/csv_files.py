"""Reading the CSV files people hand us: print logs and visit-list extracts, saved by Excel,
PowerShell or a vendor tool, in UTF-8 (with or without BOM), UTF-16 (PowerShell's
`-Encoding Unicode`) or CP932 (Excel's and Windows' Japanese default).

Rows come back with the physical line they end on, so an error names the line a person sees
in a text editor. Nothing here keeps or logs the text: callers hold the rows in memory only.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from handover.errors import HandoverError

MAX_ERRORS_SHOWN = 10


@dataclass(frozen=True)
class CsvFile:
    sha256: str            # of the bytes as given: what the ward was handed
    encoding: str          # utf-8-sig, utf-8, utf-16, cp932
    rows: list[tuple[int, list[str]]]   # (line number, cells)


def decode(data: bytes, source: str) -> tuple[str, str]:
    """The text of `data` and the encoding it was in."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp932")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as e:
            failure = e
    raise HandoverError(f"{source}: the file is neither UTF-8 nor CP932 (Shift_JIS); byte "
                        f"{failure.start} cannot be read",
                        "save it from Excel as 'CSV UTF-8' or 'CSV (コンマ区切り)'") from None


def read_csv(path: Path | str, what: str) -> CsvFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise HandoverError(f"cannot read the {what} {path}: {e.strerror or e}",
                            "check the path") from None
    text, encoding = decode(data, str(path))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as e:
        raise HandoverError(f"{path} line {reader.line_num}: not valid CSV ({e})",
                            "check the quotes on that line; nothing was imported") from None
    return CsvFile(hashlib.sha256(data).hexdigest(), encoding, rows)


def header_key(text: str) -> str:
    """A header as compared: NFKC (full-width letters), no spaces or BOM, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).replace("\ufeff", "").split()).lower()


def is_blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


class BadRows(HandoverError):
    """A file with malformed rows: each named by line and reason. Nothing was imported."""

    def __init__(self, source: str, problems: list[tuple[int, str]], what: str):
        shown = "; ".join(f"line {n}: {reason}" for n, reason in problems[:MAX_ERRORS_SHOWN])
        more = len(problems) - MAX_ERRORS_SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(f"{source}: {len(problems)} bad row(s), nothing imported: {shown}{tail}",
                         f"correct those lines in the {what} and import the whole file again")
        self.problems = problems
