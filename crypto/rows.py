"""CSV record counts for the manifest (docs/package-format.md, "Row counts").

`rows` is the number of records Python's csv module (excel dialect, non-strict) reads from
the file decoded as ISO-8859-1 with newline="", not counting blank lines. Records, not
lines: a line break inside a quoted field does not start a record.

Why ISO-8859-1: it maps every byte to one character, so decoding never fails, and the
bytes that matter to CSV (quote, comma, CR, LF) are ASCII. In UTF-8, Shift_JIS/CP932 and
EUC-JP, no multi-byte character contains those bytes (CP932 trail bytes start at 0x40:
tests/crypto/test_rows.py checks the whole table), so the count is the same as decoding
with the file's real encoding, which we do not know.

Speed: the file is streamed once, in blocks of `_BLOCK` bytes, each counted with numpy on
bit masks, 64 bytes per machine word (`RowCounter._count_block`): which bytes are quotes,
commas and line breaks; a running XOR of the quote bits says which bytes lie inside quotes
(the parity of the quotes before them); the line breaks outside quotes that follow
something other than a line break end the records. That parity rule is the csv module's
exactly while every quote that opens starts a field or doubles a closing one, which the
same bit masks check; a block where one does not (a literal quote in an unquoted field,
`5"`, or one after text after a closing quote, `"a"b"`) goes to `_ExactCounter`: the skeleton and csv-module paths
and a small exact copy of the csv module's state machine, which also carries the state
into and out of that block. numpy is imported on the first CSV, not with crypto, so
commands that count nothing do not pay for it. Memory: the scratch arrays (`_Scratch`),
about 1.6 times the block size, whatever the file's size.
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


class _ExactCounter:
    """The exact path for blocks the bit masks cannot count: starts in a given csv-module
    state, and `flush()` leaves it at the end of what it was fed, in a known state."""

    def __init__(self, state: int) -> None:
        self._rows = 0
        self._state = state
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

    def flush(self) -> tuple[int, int]:
        """Records ended so far, and the state after the last byte fed."""
        if self._tail:
            self._machine(self._tail, 0)
            self._tail = b""
        return self._rows, self._state

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


# What the last byte was (when it is not inside quotes): all the bit masks need to carry
# into the next block, besides the quote parity. The file's start counts as a line break
# (no record is open).
_AFTER_BREAK, _AFTER_COMMA, _AFTER_QUOTE, _AFTER_OTHER = range(4)
_AFTER = {_CR: _AFTER_BREAK, _LF: _AFTER_BREAK, _COMMA: _AFTER_COMMA, _QUOTE: _AFTER_QUOTE}
# The same, as the csv module's state (outside quotes; inside quotes it is _IN_QUOTED).
_STATE_AFTER = {_AFTER_BREAK: _START_RECORD, _AFTER_COMMA: _START_FIELD,
                _AFTER_QUOTE: _QUOTE_IN_QUOTED, _AFTER_OTHER: _IN_FIELD}
_AFTER_STATE = {v: k for k, v in _STATE_AFTER.items()}
# 1 MiB: large enough that numpy's per-call overhead vanishes, small enough that the
# temporaries (a few bytes of mask per input byte) stay a few MiB.
_BLOCK = 1 << 20


# A file this small is counted by the exact counter alone (~4 ms a MiB): less than importing
# numpy (~0.2 s and ~12 MB of the process's peak), which a small file would otherwise pay.
SMALL_FILE = 1 << 20


class RowCounter:
    """Feed the file's bytes in order with update(); finish() returns the record count.
    `size`, if known, lets a small file be counted without numpy."""

    def __init__(self, size: int | None = None) -> None:
        self._exact_only = size is not None and size <= SMALL_FILE
        self._scratch: _Scratch | None = None
        self._reset()

    def _reset(self) -> None:
        self._rows = 0
        self._inside = False        # inside a quoted field after the last byte
        self._after = _AFTER_BREAK  # what the last byte was (if not inside)

    def update(self, data) -> None:
        if self._exact_only:
            if len(data):
                self._count_exactly(memoryview(data))
            return
        np = _numpy()
        view = np.frombuffer(data, dtype=np.uint8)
        for start in range(0, len(view), _BLOCK):
            block = view[start:start + _BLOCK]
            if not self._count_block(np, block):
                self._count_exactly(block)

    def finish(self) -> int:
        # The last record has no line break after it (or ends inside quotes): the csv module
        # still returns it.
        rows = self._rows + (self._inside or self._after != _AFTER_BREAK)
        self._reset()
        return rows

    def _count_exactly(self, block) -> None:
        exact = _ExactCounter(_IN_QUOTED if self._inside else _STATE_AFTER[self._after])
        exact.update(block.tobytes())
        rows, state = exact.flush()
        self._rows += rows
        self._inside = state == _IN_QUOTED
        self._after = _AFTER_OTHER if self._inside else _AFTER_STATE[state]

    def _count_block(self, np, a) -> bool:
        """Count the records `a` ends with bit masks, or return False (nothing counted) if
        some quote in it is not where the parity rule holds.

        Take every quote as a toggle: a byte is inside quotes if an odd number of quotes
        precedes it. That is the csv module's reading exactly as long as every quote that
        opens (an even number before it) follows a separator (comma, CR, LF), another quote
        or the start of a record. Why: such a quote starts a field, so the csv module opens
        a quoted field there too, or it directly follows a closing quote, and the csv module
        reads the pair as a doubled "" and stays in the field. A closing quote needs no
        check: if text follows it, the csv module reads the rest of the field as unquoted,
        and so does the parity rule until the next quote, which, with no separator between,
        follows that text and fails the check. A record then ends at each line break
        outside quotes that does not follow another line break (a blank line is no record).

        Every operation writes into the counter's scratch arrays (`_Scratch`), so counting a
        block allocates only what np.packbits returns.
        """
        s = self._scratch_for(np, len(a))
        bits = s.bits
        quote = bits(a, _QUOTE)
        brk = bits(a, _LF)
        brk |= bits(a, _CR)
        inside, tmp, prev = s.words(3)
        if quote.any():
            # Each bit becomes the XOR of itself and all lower bits of its word.
            np.copyto(inside, quote)
            for shift in s.shifts:
                np.left_shift(inside, shift, out=tmp)
                inside ^= tmp
            # Carry each word's parity (its top bit now) into the following words, and the
            # previous block's into all of them, by flipping the first word before.
            if self._inside:
                np.invert(inside[:1], out=inside[:1])
            np.right_shift(inside, s.top, out=tmp)
            np.bitwise_xor.accumulate(tmp, out=tmp)
            np.negative(tmp, out=tmp)    # 1 → all ones
            inside[1:] ^= tmp[:-1]
            np.bitwise_or(quote, brk, out=tmp)
            tmp |= bits(a, _COMMA)
            # Quotes that open (inside quotes from there on) where the byte before is no
            # separator: the parity rule does not hold for this block.
            s.shift_up(tmp, self._after != _AFTER_OTHER, out=prev)
            np.invert(prev, out=prev)
            prev &= inside
            prev &= quote
            if prev.any():
                return False
            self._inside = bool(s.last_bit(inside))
        elif self._inside:
            self._after = _AFTER_OTHER
            return True  # all of it inside one quoted field
        else:
            inside.fill(0)
        s.shift_up(brk, self._after == _AFTER_BREAK, out=prev)
        prev |= inside
        np.invert(prev, out=prev)
        prev &= brk
        self._rows += s.popcount(prev)
        self._after = _AFTER.get(int(a[-1]), _AFTER_OTHER)
        return True

    def _scratch_for(self, np, n: int) -> "_Scratch":
        s = self._scratch
        if s is None or s.size < n:
            s = self._scratch = _Scratch(np, max(n, _BLOCK))
        s.use(n)
        return s


def _numpy():
    import numpy
    return numpy


class _Scratch:
    """The arrays one block is counted in, reused block after block: a byte-per-byte mask
    and a few bit masks (64 bytes per little-endian word: byte i is bit i % 64 of word
    i // 64). Each numpy operation writes into one of them (`out=`) instead of a new
    array: about ten fewer allocations and passes over fresh memory a block."""

    def __init__(self, np, size: int) -> None:
        import mmap
        self.np = np
        self.size = size
        words = (size + 63) // 64
        # On an anonymous mapping of their own, so that their pages go back to the system
        # as soon as the counter is dropped: from malloc (in the hashing thread's arena,
        # whose top glibc neither trims after the KDF's 24 MiB raised its thresholds nor
        # hands back in malloc_trim) they stayed resident into the notice, the command's
        # peak (+1.4 MB, issue 15 §4).
        self._map = mmap.mmap(-1, words * 64 + 4 * words * 8)
        self._eq = np.frombuffer(self._map, dtype=np.bool_, count=words * 64)
        self._words = [np.frombuffer(self._map, dtype="<u8", count=words,
                                     offset=words * 64 + k * words * 8) for k in range(4)]
        self.shifts = [np.uint64(k) for k in (1, 2, 4, 8, 16, 32)]
        self.top = np.uint64(63)
        self.one = np.uint64(1)
        self._byte = {b: np.uint8(b) for b in (_QUOTE, _COMMA, _CR, _LF)}
        self._counts = np.empty(words, dtype=np.uint8)

    def use(self, n: int) -> None:
        """The next block is `n` bytes long."""
        self.n = n
        self.nwords = (n + 63) // 64
        # Bytes past the block in its last word are never equal to anything.
        self._eq[n:self.nwords * 64] = False

    def words(self, k: int):
        return [w[:self.nwords] for w in self._words[:k]]

    def bits(self, a, byte: int):
        """Where `a` holds `byte`, as bit-mask words."""
        np = self.np
        np.equal(a, self._byte[byte], out=self._eq[:self.n])
        return np.packbits(self._eq[:self.nwords * 64], bitorder="little").view("<u8")

    def shift_up(self, words, first: bool, out) -> None:
        """Bit i of `out` becomes bit i - 1 of `words` (the byte before); the first from
        `first`."""
        np = self.np
        carry = self._words[3][:self.nwords]
        np.left_shift(words, self.one, out=out)
        np.right_shift(words[:-1], self.top, out=carry[1:])
        out[1:] |= carry[1:]
        if first:
            out[:1] |= self.one

    def popcount(self, words) -> int:
        counts = self._counts[:self.nwords]
        self.np.bitwise_count(words, out=counts)
        return int(counts.sum())

    def last_bit(self, words) -> int:
        word, bit = divmod(self.n - 1, 64)
        return (int(words[word]) >> bit) & 1


def count_rows(data: bytes) -> int:
    """Records in a whole CSV held in memory (tests and small files)."""
    c = RowCounter()
    c.update(data)
    return c.finish()
