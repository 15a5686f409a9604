"""Split visit lists for two-person visits (000 受託事業者 6: 2人体制で、各々が個人を識別できない
名簿を持ち、両者が突合することで、個人が識別できるようにさせる).

An extract (CSV, any encoding csv_files reads) becomes two lists, A and B. Each column goes to
one list by a small configuration; a random pairing code (照合番号) on both joins them. The
code is drawn from the operating system's random source, not from the row number or any field,
and each list is shuffled on its own, so neither a code nor a row position links a row of A to
a row of B without the other list. Everything here happens in memory: the product never stores
the extract or the lists, only their counts, column names and SHA-256s.

`match_lists` joins two list CSVs back by pairing code, to prove a split lossless (and for the
ward's check of a contractor's list, 000 区が行う対策 2).
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from crypto import crockford
from handover.csv_files import BadRows, header_key, is_blank, read_csv
from handover.errors import HandoverError

PAIRING = "照合番号"
CODE_DIGITS = 8         # 40 bits: a collision among even 100,000 rows is a redraw, not a risk

# What a header is about, recognised by the words extracts use. Checked in order: 氏名カナ is
# kana, not a name.
NAME, KANA, ADDRESS, KATAGAKI, BIRTH, AGE, SEX, PHONE = (
    "name", "kana", "address", "katagaki", "birth", "age", "sex", "phone")
_WORDS = (
    (KANA, ("カナ", "かな", "フリガナ", "ふりがな", "kana")),
    (KATAGAKI, ("方書",)),
    (BIRTH, ("生年月日", "birth")),
    (AGE, ("年齢", "age")),
    (SEX, ("性別", "sex", "gender")),
    (PHONE, ("電話", "phone", "tel")),
    (ADDRESS, ("住所", "所在地", "address")),
    (NAME, ("氏名", "名前", "name")),
)
CATEGORY_LABELS = {NAME: "氏名", KANA: "カナ", ADDRESS: "住所", KATAGAKI: "方書",
                   BIRTH: "生年月日", AGE: "年齢", SEX: "性別", PHONE: "電話番号"}
# 000's default: A is where to go, B is whom to ask for.
DEFAULT_A = (ADDRESS, KATAGAKI)
DEFAULT_B = (NAME, KANA, AGE, BIRTH, SEX, PHONE)
# Columns that together (or alone) identify a person: a list holding one gets a warning.
IDENTIFYING = ((NAME, ADDRESS), (NAME, BIRTH), (ADDRESS, BIRTH), (PHONE,))


def category(header: str) -> str | None:
    key = header_key(header)
    for cat, words in _WORDS:
        if any(header_key(w) in key for w in words):
            return cat
    return None


@dataclass(frozen=True)
class Extract:
    sha256: str
    encoding: str
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class VisitList:
    half: str                   # "A" or "B"
    columns: list[str]          # the extract's columns, after the pairing code
    rows: list[list[str]]       # [pairing code, *cells], in this list's own shuffled order
    warnings: list[str]         # identifying combinations it holds, e.g. "氏名+住所"

    @property
    def header(self) -> list[str]:
        return [PAIRING, *self.columns]

    def csv_bytes(self) -> bytes:
        """The list as CSV, UTF-8 with BOM (Excel opens it as Japanese); its SHA-256 is what
        the ledger records, whether or not the CSV is written."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue().encode("utf-8-sig")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.csv_bytes()).hexdigest()


def read_extract(path: Path | str) -> Extract:
    source = read_csv(path, "visit-list extract")
    rows = [(n, cells) for n, cells in source.rows if not is_blank(cells)]
    if not rows:
        raise HandoverError(f"{path}: the extract is empty", "export it again with its header")
    (_, header), body = rows[0], rows[1:]
    header = [h.strip().lstrip("\ufeff") for h in header]
    blank = [i + 1 for i, h in enumerate(header) if not h]
    if blank:
        raise HandoverError(f"{path} line 1: column {blank[0]} has no header",
                            "give every column a name")
    dupes = [h for h, n in Counter(header).items() if n > 1]
    if dupes:
        raise HandoverError(f"{path} line 1: column {dupes[0]} appears twice",
                            "give every column its own name")
    problems = [(n, f"{len(cells)} column(s), the header has {len(header)}")
                for n, cells in body if len(cells) != len(header)]
    if problems:
        raise BadRows(str(path), problems, "extract")
    if not body:
        raise HandoverError(f"{path}: the extract has a header but no rows")
    return Extract(source.sha256, source.encoding, header, [cells for _, cells in body])


def load_assignment(path: Path | str) -> tuple[list[str], list[str]]:
    """Columns per list from a TOML file: `a = ["住所", "方書"]` and `b = ["氏名", …]`."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise HandoverError(f"cannot read the column assignment {path}: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise HandoverError(f"{path}: not a TOML column assignment ({e})",
                            'write it as  a = ["住所", "方書"]  and  b = ["氏名", "カナ"]') from None
    lists = data.get("lists", data)
    a, b = lists.get("a"), lists.get("b")
    if not (isinstance(a, list) and isinstance(b, list) and all(isinstance(c, str) for c in a + b)):
        raise HandoverError(f"{path}: needs two lists of column names, a = […] and b = […]")
    return a, b


def assign_columns(header: list[str], a: Iterable[str] | None = None,
                   b: Iterable[str] | None = None) -> tuple[list[str], list[str]]:
    """The columns of A and of B: as given (each must be a column of the extract), else 000's
    default by what each header is about. Columns on neither list are left out of both."""
    if a is None and b is None:
        a = [h for h in header if category(h) in DEFAULT_A]
        b = [h for h in header if category(h) in DEFAULT_B]
    a, b = list(dict.fromkeys(a or [])), list(dict.fromkeys(b or []))
    for column in a + b:
        if column not in header:
            raise HandoverError(f"the extract has no column {column!r}",
                                f"its columns are: {', '.join(header)}")
    if not a or not b:
        raise HandoverError("each list needs at least one column besides the pairing code",
                            "name them with --a COLUMN and --b COLUMN (or a --columns file)")
    return a, b


def identifying_combinations(columns: Iterable[str]) -> list[str]:
    cats = {category(c) for c in columns}
    return ["+".join(CATEGORY_LABELS[c] for c in combo)
            for combo in IDENTIFYING if set(combo) <= cats]


def _codes(n: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(crockford.encode(secrets.token_bytes(5))[:CODE_DIGITS])
    out = list(codes)
    secrets.SystemRandom().shuffle(out)
    return [f"{c[:4]}-{c[4:]}" for c in out]


def split(extract: Extract, a_columns: list[str], b_columns: list[str]) -> tuple[VisitList, VisitList]:
    codes = _codes(len(extract.rows))
    shuffle = secrets.SystemRandom().shuffle

    def half(name: str, columns: list[str]) -> VisitList:
        index = [extract.header.index(c) for c in columns]
        rows = [[code, *(row[i] for i in index)] for code, row in zip(codes, extract.rows)]
        shuffle(rows)       # each list on its own: row positions link nothing
        return VisitList(name, columns, rows, identifying_combinations(columns))

    return half("A", a_columns), half("B", b_columns)


@dataclass(frozen=True)
class Match:
    a_sha256: str
    b_sha256: str
    a_columns: list[str]
    b_columns: list[str]
    matched: int
    only_in_a: list[str]        # pairing codes
    only_in_b: list[str]
    duplicates: list[str]
    extract_rows: int | None = None     # with an extract: its rows
    lossless: bool | None = None        # with an extract: the joined rows are exactly its rows

    def as_json(self) -> dict:
        return dict(self.__dict__)


def _list_rows(path: Path | str) -> tuple[str, list[str], dict[str, list[str]], list[str]]:
    source = read_csv(path, "visit list")
    rows = [(n, cells) for n, cells in source.rows if not is_blank(cells)]
    if not rows or not rows[0][1] or header_key(rows[0][1][0]) != header_key(PAIRING):
        raise HandoverError(f"{path}: not a split visit list (its first column is not {PAIRING})",
                            "give the CSVs written by `handover visits split --csv`")
    header = rows[0][1]
    problems = [(n, f"{len(c)} column(s), the header has {len(header)}")
                for n, c in rows[1:] if len(c) != len(header)]
    if problems:
        raise BadRows(str(path), problems, "visit list")
    by_code: dict[str, list[str]] = {}
    dupes = []
    for _, cells in rows[1:]:
        if cells[0] in by_code:
            dupes.append(cells[0])
        by_code[cells[0]] = cells[1:]
    return source.sha256, header[1:], by_code, dupes


def match_lists(a_path: Path | str, b_path: Path | str,
                extract_path: Path | str | None = None) -> Match:
    a_sha, a_cols, a_rows, a_dupes = _list_rows(a_path)
    b_sha, b_cols, b_rows, b_dupes = _list_rows(b_path)
    shared = [c for c in a_cols if c in b_cols]
    if shared:
        raise HandoverError(f"{a_path} and {b_path} both hold {', '.join(shared)}: they are not "
                            "the two halves of one split",
                            "give list A and list B of the same split")
    both = [c for c in a_rows if c in b_rows]
    result = dict(a_sha256=a_sha, b_sha256=b_sha, a_columns=a_cols, b_columns=b_cols,
                  matched=len(both), only_in_a=sorted(set(a_rows) - set(b_rows)),
                  only_in_b=sorted(set(b_rows) - set(a_rows)),
                  duplicates=sorted(set(a_dupes + b_dupes)))
    if extract_path is not None:
        extract = read_extract(extract_path)
        missing = [c for c in a_cols + b_cols if c not in extract.header]
        if missing:
            raise HandoverError(f"the extract has no column {missing[0]!r}, which the lists hold")
        index = [extract.header.index(c) for c in a_cols + b_cols]
        joined = Counter(tuple(a_rows[c] + b_rows[c]) for c in both)
        original = Counter(tuple(row[i] for i in index) for row in extract.rows)
        result.update(extract_rows=len(extract.rows),
                      lossless=joined == original and not result["only_in_a"]
                      and not result["only_in_b"] and not result["duplicates"])
    return Match(**result)
