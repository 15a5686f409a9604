"""CSV record counts: the streaming counter agrees with Python's csv module, whatever the
block boundaries, quoting, line endings and encodings."""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from crypto import rows
from crypto.rows import RowCounter, count_rows, is_csv


def oracle(data: bytes) -> int:
    """The definition: csv.reader over an ISO-8859-1 decode, blank lines not counted."""
    old = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    try:
        return sum(1 for row in csv.reader(io.StringIO(data.decode("latin-1"), newline="")) if row)
    finally:
        csv.field_size_limit(old)


def counted_in_pieces(data: bytes, cuts: list[int], size: int | None = None) -> int:
    c = RowCounter(size)
    pos = 0
    for cut in sorted(cuts):
        c.update(data[pos:cut])
        pos = cut
    c.update(data[pos:])
    return c.finish()


def test_examples():
    assert count_rows(b"") == 0
    assert count_rows(b"a") == 1
    assert count_rows(b"id,name\r\n1,a\r\n2,b\r\n") == 3
    assert count_rows(b"id,name\n1,\"multi\nline\"\n2,b") == 3
    assert count_rows(b"a\n\n\nb\n") == 2
    assert count_rows(b"a\rb\rc") == 3
    assert count_rows(b'"unterminated\nquote') == 1
    assert count_rows(b'x"y\nz\n') == 2  # a quote inside an unquoted field is literal


def test_japanese_encodings_count_the_same():
    text = '氏名,住所,備考\r\n"山田 太郎","東京都\r\n千代田区","ソ表十"\r\n佐藤,大阪,能\r\n'
    for enc in ("utf-8", "utf-8-sig", "cp932", "euc_jp"):
        assert count_rows(text.encode(enc)) == 3, enc


def test_long_quoted_field_beyond_csv_field_limit():
    big = b"x" * 300_000
    data = b'a,"' + big + b'\n' + big + b'"\nb,c\n'
    assert count_rows(data) == oracle(data) == 2
    assert counted_in_pieces(data, [5, 200_000, 400_000]) == 2


def test_exact_path_keeps_fields_beyond_csv_field_limit_exact(monkeypatch):
    # The stray quote in `5"` sends the block to the exact path, where the csv module
    # refuses the 300,000-byte field and the state machine counts it instead.
    calls = []
    real = rows._ExactCounter
    monkeypatch.setattr(rows, "_ExactCounter", lambda state: calls.append(state) or real(state))
    big = b"x" * 300_000
    data = b'5",a,"' + big + b'\n' + big + b'"\nb,c\n'
    assert count_rows(data) == oracle(data) == 2
    assert counted_in_pieces(data, [5, 200_000, 400_000]) == 2
    assert calls


def test_very_long_line_keeps_memory_bounded():
    data = b"a," * 1_500_000 + b"\nb\n"
    assert counted_in_pieces(data, list(range(0, len(data), 1 << 20))) == oracle(data) == 2


def test_is_csv():
    assert is_csv("a.CSV") and is_csv("住民.csv") and not is_csv("a.txt") and not is_csv("csv")


_pieces = st.sampled_from([b"a", b"bc", b",", b'"', b'""', b"\r", b"\n", b"\r\n", b" ",
                           b"\x00", b"\x85", "漢".encode("cp932"), "字".encode()])


@settings(max_examples=400, deadline=None)
@given(st.lists(_pieces, max_size=60), st.lists(st.integers(0, 200), max_size=6))
def test_matches_the_csv_module(parts, cuts):
    data = b"".join(parts)
    cuts = [c for c in cuts if c <= len(data)]
    assert counted_in_pieces(data, cuts) == oracle(data)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.text(alphabet='ab,"\r\n 山', max_size=8), min_size=1, max_size=4),
                max_size=30),
       st.sampled_from(["\r\n", "\n"]), st.integers(1, 64))
def test_csv_written_by_the_csv_module(rows_, terminator, block):
    buf = io.StringIO()
    csv.writer(buf, lineterminator=terminator).writerows(rows_)
    data = buf.getvalue().encode("utf-8")
    assert counted_in_pieces(data, list(range(0, len(data), block))) == oracle(data)


def test_very_long_line_without_separators():
    data = bytes(3 * (1 << 20)) + b'\n"x\ny",z\n' + b"tail" * 400_000
    cuts = list(range(0, len(data), 1 << 20))
    assert counted_in_pieces(data, cuts) == oracle(data) == 3


_quote_heavy = st.sampled_from([b'"', b'""', b'"a"', b",", b"\r\n", b"\n", b"\r", b"x", b'"x,y"',
                                b'a"b', b" ", b'"\n"', b"\rx\n"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_quote_heavy, max_size=40), st.lists(st.integers(0, 160), max_size=4))
def test_quote_pairing_fast_path_matches_the_csv_module(parts, cuts):
    data = b"".join(parts)
    cuts = [c for c in cuts if c <= len(data)]
    assert counted_in_pieces(data, cuts) == oracle(data)


def test_cr_and_lf_apart_are_two_records_on_the_fast_path():
    # The skeleton of '"a"\rx\n' is '""\r\n': the count must not take \r x \n for one CR LF.
    assert count_rows(b'"a"\rx\n') == oracle(b'"a"\rx\n') == 2
    assert counted_in_pieces(b'"a"\rx\n""x,y"', [7]) == 3


def test_typical_quoted_export_takes_the_fast_path():
    from crypto.rows import _count_records
    row = '"1001","山田 太郎","東京都新宿区","1960-01-01"\r\n'.encode("cp932")
    assert _count_records(row * 100) == 100
    assert _count_records(b'"a,b"\r\n') is None   # a separator inside quotes: the exact path
    assert count_rows(row * 1000) == 1000


def _without_exact_path(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("took the exact path")
    monkeypatch.setattr(rows, "_ExactCounter", refuse)


def test_quoted_exports_are_counted_on_bit_masks(monkeypatch):
    # Every shape a quoted export takes: quoted and unquoted fields, doubled quotes, commas
    # and line breaks (CR LF, LF, CR) inside quotes, empty quoted fields, blank lines.
    row = ('1001,"山田 ""太郎""","東京都\r\n新宿区, 1-1","",x\r\n"a\nb"\n"c\rd"\r\r\n'
           .encode("cp932"))
    data = row * 5000
    expected = oracle(data)
    _without_exact_path(monkeypatch)
    assert counted_in_pieces(data, list(range(0, len(data), 4099))) == expected == 15000


def test_stray_quotes_take_the_exact_path_and_come_back(monkeypatch):
    calls = []
    real = rows._ExactCounter

    def spy(state):
        calls.append(state)
        return real(state)
    monkeypatch.setattr(rows, "_ExactCounter", spy)
    monkeypatch.setattr(rows, "_BLOCK", 64)
    data = b'"a","b"\r\n' * 20 + b'5",x"y,"z"w\n' + b'"a","b"\r\n' * 20
    assert count_rows(data) == oracle(data) == 41
    assert len(calls) == 1  # only the block with the stray quotes


@pytest.mark.parametrize("block", [1, 2, 3, 5, 7, 64, 65])
def test_every_block_boundary(monkeypatch, block):
    # Boundaries inside quotes, inside doubled quotes, between CR and LF, right after a
    # closing quote (whether text or a separator follows it is only known in the next block).
    monkeypatch.setattr(rows, "_BLOCK", block)
    cases = [b'"a\r\nb","c""d"\r\n', b'x\r\n\r\ny\r\n', b'"a"b\r\n"c"\n', b'"",""\r\n\r',
             b'a"b,"c\nd"e\r\nf', '"山田","ソ表\n能"\r\n'.encode("cp932"),
             b'"\x81"\x81\x22,\x81\n"\r\n\x82\r\n', b'"""",""""""\n\r\n"',
             b'a,"\n' * 9 + b'"\n']
    for data in cases:
        for shift in range(block):
            assert counted_in_pieces(data, [shift]) == oracle(data), (data, shift)


def test_cp932_never_uses_quote_comma_cr_or_lf_inside_a_character():
    """The proof the count rests on for Shift_JIS files: every two-byte sequence that
    Python's cp932 codec decodes to one character, and no such character has a byte
    0x22, 0x2C, 0x0A or 0x0D; those bytes decode only to themselves."""
    special = {0x22: '"', 0x2C: ",", 0x0A: "\n", 0x0D: "\r"}
    two_byte = 0
    for lead in range(256):
        for trail in range(256):
            try:
                text = bytes([lead, trail]).decode("cp932")
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                two_byte += 1
                assert lead not in special and trail not in special, (hex(lead), hex(trail))
    assert two_byte > 7000  # the table really was walked (CP932 has 7,915 of them)
    for byte, char in special.items():
        assert bytes([byte]).decode("cp932") == char


_pieces_cp932_like = st.sampled_from([b'"', b'""', b",", b"\r", b"\n", b"\r\n", b"a",
                                      b"\x81\x22", b"\x81\x0a", b"\x82\x0d", b"\x83\x2c",
                                      "表".encode("cp932"), "能".encode("cp932")])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_pieces_cp932_like, max_size=40), st.lists(st.integers(0, 160), max_size=4),
       st.integers(1, 9))
def test_small_blocks_and_lead_bytes_before_quote_or_lf(parts, cuts, block):
    # Bytes 0x81-0x9F before a quote or LF look like CP932 lead bytes (they are not: see
    # above); the count must take them as the csv module does, as ordinary characters.
    data = b"".join(parts)
    cuts = [c for c in cuts if c <= len(data)]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(rows, "_BLOCK", block)
        assert counted_in_pieces(data, cuts) == oracle(data)


@pytest.mark.parametrize("seed", range(6))
def test_300000_random_cases_match_the_csv_module(seed):
    """The differential test, 6 × 50,000 cases (in six parts so parallel runs spread them):
    seeded random inputs over the bytes that matter, each fed in random pieces."""
    rng = random.Random(seed)
    alphabet = [b'"', b'"', b",", b"\r", b"\n", b"a", b" ", b"\x81"]
    for case in range(50_000):
        data = b"".join(rng.choices(alphabet, k=rng.randrange(24)))
        cuts = [rng.randrange(len(data) + 1) for _ in range(rng.randrange(3))]
        assert counted_in_pieces(data, cuts) == oracle(data), (seed, case, data, cuts)


@settings(max_examples=400, deadline=None)
@given(st.lists(_pieces, max_size=60), st.lists(st.integers(0, 200), max_size=6))
def test_small_files_counted_exactly_match_the_csv_module(parts, cuts):
    data = b"".join(parts)
    cuts = [c for c in cuts if c <= len(data)]
    assert counted_in_pieces(data, cuts, size=len(data)) == oracle(data)


def test_50000_random_small_files_match_the_csv_module():
    """The differential test's inputs, counted as small files (the exact counter alone,
    its state carried between pieces)."""
    rng = random.Random(15)
    alphabet = [b'"', b'"', b",", b"\r", b"\n", b"a", b" ", b"\x81"]
    for case in range(50_000):
        data = b"".join(rng.choices(alphabet, k=rng.randrange(24)))
        cuts = [rng.randrange(len(data) + 1) for _ in range(rng.randrange(3))]
        assert counted_in_pieces(data, cuts, len(data)) == oracle(data), (case, data, cuts)


def test_a_small_file_is_counted_without_numpy():
    # numpy's import costs ~12 MB of the seal command's peak (issue 15 §4); a big file
    # still takes the bit-mask path.
    assert not RowCounter(rows.SMALL_FILE + 1)._exact_only
    code = ("import sys; from crypto.rows import RowCounter, SMALL_FILE\n"
            "c = RowCounter(SMALL_FILE)\n"
            "c.update(b'id,name\\r\\n1,\"a\\nb\"\\r\\n' * 1000)\n"
            "assert c.finish() == 2000, 'count'\n"
            "assert 'numpy' not in sys.modules, 'numpy imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=Path(__file__).resolve().parents[2])
