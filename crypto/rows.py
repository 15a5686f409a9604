"""CSV record counts for the manifest (docs/package-format.md, "Row counts").

`rows` is the number of records Python's csv module (excel dialect, non-strict) reads from
the file decoded as ISO-8859-1 with newline="", not counting blank lines. Records, not
lines: a line break inside a quoted field does not start a record.

Why ISO-8859-1: it maps every byte to one character, so decoding never fails, and the
bytes that matter to CSV (quote, comma, CR, LF) are ASCII. In UTF-8, Shift_JIS/CP932 and
EUC-JP, no multi-byte character contains those bytes (Shift_JIS trail bytes start at 0x40),
so the count is the same as decoding with the file's real encoding, which we do not know.

Speed: the file is streamed once, block by block. Blocks whose quotes (if any) pair up
between separators (see `_count_records`) are counted with bytes operations on their
skeleton (about 1 GB/s); other blocks with quotes go through the csv module; a
small exact copy of the csv module's state machine carries the state across block
boundaries and takes over in the rare cases the csv module cannot (fields over its
field_size_limit). Memory is bounded by the block size plus 1 MiB.
"""

from __future__ import annotations

import csv
import itertools
import re

# States of CPython's csv reader (Modules/_csv.c) that matter for counting.
_START_RECORD, _START_FIELD, _IN_FIELD, _IN_QUOTED, _QUOTE_IN_QUOTED = range(5)
_QUOTE, _COMMA, _CR, _LF = 0x22, 0x2C, 0x0D, 0x0A
_FIELD_END = re.compile(rb"[,\r\n]")
_BLANK_RUNS = re.compile(rb"\n\n+")
# Appended after each block handed to the csv module: U+0100 never comes out of an
# ISO-8859-1 decode, so if it comes back as a record of its own, the block ended
# between records; otherwise it ended inside a quoted field.
_SENTINEL = "\u0100"
_MAX_TAIL = 1 << 20
# Only quote, comma, CR and LF matter to the count, so every other byte becomes "a" before
# the csv module sees it: the text is then pure ASCII (fast to decode), and str.splitlines()
# splits exactly where the csv module does (it would also split at \x0b, \x1c or \x85,
# which Shift_JIS text contains).
_NEUTRAL = bytes(b if b in b'",\r\n' else 0x61 for b in range(256))


def is_csv(name: str) -> bool:
    return name.lower().endswith(".csv")


def _nonempty_lines(block: bytes) -> int:
    """Records in a quote-free block that starts at a record boundary and ends with a
    line break: its non-empty lines, with CR LF, LF and CR all ending a line."""
    s = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    empty = 1 if s[:1] == b"\n" else 0
    if b"\n\n" in s:
        empty += sum(len(run) - 1 for run in _BLANK_RUNS.findall(s))
    return s.count(b"\n") - empty


# Every byte except the four that matter, to delete: what is left is the block's skeleton,
# typically a fifth of its size, and every count below runs on that.
_CONTENT = bytes(b for b in range(256) if b not in b'",\r\n')


def _count_records(block: bytes) -> int | None:
    """Records in a block that starts at a record boundary and ends with a line break, or
    None if some separator in it may lie inside quotes (the caller takes the exact path).

    If, between any two separators (comma, CR, LF), the quotes come in even numbers, no
    separator lies inside a quoted field, so records are exactly the non-empty lines. Why: a
    field that does not start with a quote is unquoted and its quotes are literal; one that
    does toggles between "in quotes" and "quote in quotes" at each quote until a plain
    character ends the quoting, so after an even number of quotes it is never inside quotes
    at the next separator. This is the usual shape of quoted exports ("山田","東京都…").
    """
    skeleton = block.translate(None, _CONTENT)
    if b'"' in skeleton and b'"' in skeleton.replace(b'""', b""):
        return None
    # Deleting content can only make line breaks adjacent, never separate them, so no
    # adjacent pair here means no blank line in the block either.
    if skeleton[:1] in (b"\r", b"\n") or any(
            pair in skeleton for pair in (b"\n\n", b"\n\r", b"\r\r")):
        return _nonempty_lines(block)
    # CR LF pairs are counted on the block itself: in the skeleton, "\r" x "\n" (two
    # records) would read as one CR LF.
    return skeleton.count(b"\n") + skeleton.count(b"\r") - block.count(b"\r\n")


class RowCounter:
    """Feed the file's bytes in order with update(); finish() returns the record count."""

    def __init__(self) -> None:
        self._rows = 0
        self._state = _START_RECORD
        self._tail = b""

    def update(self, data) -> None:
        if not data:
            return
        buf = self._tail + bytes(data)
        cut = max(buf.rfind(b"\n"), buf.rfind(b"\r")) + 1
        self._tail = buf[cut:]
        if cut:
            self._lines(buf[:cut] if cut < len(buf) else buf)
        if len(self._tail) > _MAX_TAIL:
            # One very long line: consume it now so memory stays bounded.
            tail, self._tail = self._tail, b""
            if (self._state in (_START_RECORD, _START_FIELD, _IN_FIELD)
                    and b'"' not in tail and b"," not in tail):
                self._state = _IN_FIELD  # no separator, no quote: one long unquoted field
            else:
                self._machine(tail, 0)

    def finish(self) -> int:
        if self._tail:
            self._machine(self._tail, 0)
            self._tail = b""
        if self._state != _START_RECORD:
            # The last record has no line break after it (or ends inside quotes): the csv
            # module still returns it.
            self._rows += 1
            self._state = _START_RECORD
        return self._rows

    def _lines(self, block: bytes) -> None:
        pos = 0
        if self._state != _START_RECORD:
            pos = self._machine(block, 0, stop_at_record_end=True)
            if self._state != _START_RECORD or pos == len(block):
                return
            block = block[pos:]
        records = _count_records(block)
        if records is None:
            self._csv(block)
        else:
            self._rows += records

    def _csv(self, block: bytes) -> None:
        text = block.translate(_NEUTRAL).decode("ascii")
        lines = itertools.chain(text.splitlines(keepends=True), (_SENTINEL,))
        rows = 0
        last = None
        try:
            for row in csv.reader(lines):
                if row:
                    rows += 1
                    last = row
        except csv.Error:
            # E.g. a field longer than csv.field_size_limit(): count exactly, more slowly.
            self._machine(block, 0)
            return
        # Drop the sentinel record, or the partial record the sentinel ended up inside.
        self._rows += rows - 1
        if last != [_SENTINEL]:
            self._state = _IN_QUOTED

    def _machine(self, data: bytes, pos: int, stop_at_record_end: bool = False) -> int:
        """The csv module's reader states for the excel dialect, non-strict, jumping over
        field contents with find(). Returns where it stopped."""
        state, rows, n = self._state, 0, len(data)
        while pos < n:
            if state == _IN_QUOTED:
                q = data.find(b'"', pos)
                if q < 0:
                    pos = n
                    break
                state, pos = _QUOTE_IN_QUOTED, q + 1
                continue
            if state == _IN_FIELD:
                m = _FIELD_END.search(data, pos)
                if m is None:
                    pos = n
                    break
                pos = m.start()
            c = data[pos]
            pos += 1
            if state == _START_RECORD:
                if c == _CR or c == _LF:
                    continue  # a blank line is not a record
                state = _START_FIELD
            if c == _CR or c == _LF:
                # In START_FIELD, IN_FIELD or QUOTE_IN_QUOTED a line break ends the record.
                rows += 1
                state = _START_RECORD
                if stop_at_record_end:
                    break
            elif c == _COMMA:
                state = _START_FIELD
            elif c == _QUOTE and state == _START_FIELD:
                state = _IN_QUOTED
            elif c == _QUOTE and state == _QUOTE_IN_QUOTED:
                state = _IN_QUOTED  # "" inside a quoted field
            else:
                state = _IN_FIELD
        self._state = state
        self._rows += rows
        return pos


def count_rows(data: bytes) -> int:
    """Records in a whole CSV held in memory (tests and small files)."""
    c = RowCounter()
    c.update(data)
    return c.finish()
