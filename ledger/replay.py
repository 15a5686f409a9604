"""Replaying stored rows: re-hash each entry, check its index and its link to the one
before, and feed the Merkle tree. Shared by verification and by checkpointing, which
must never sign over a chain it has not checked.

This loop is the verifier's hot path (1M entries in seconds): the chain is checked on
fixed-offset slices of the stored bytes, and each body with msgspec (encoding.check_body),
falling back to the exact canonical encoder only where msgspec's output could differ. On
large logs, ledger/ranges.py runs the same checks on ranges of the log in worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ledger.encoding import HEADER_SIZE, MAGIC, ROTATION_KIND, check_body
from ledger.errors import EncodingError
from ledger.rfc6962 import RootBuilder, leaf_hash


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a log. `index` is the first bad entry, when it can be named."""
    failure: str
    message: str
    index: int | None = None

    def as_json(self) -> dict:
        return {"failure": self.failure, "index": self.index, "message": self.message}


class Replay:
    """Consumes (idx, entry bytes, stored hash) rows in index order from `start`.

    Stops at the first bad row and records it in `problem`. `on_size(n)` is called each
    time n entries have been accepted and n is one of `marks`, so callers can compare
    the root there.
    """

    def __init__(self, log: str, start: int, prev: bytes, tree: RootBuilder,
                 marks: Iterable[int] = (), on_size: Callable[[int, bytes], None] | None = None,
                 known_leaves: bytes = b"", collect_leaves: bool = False):
        self.log = log
        self.size = start
        self.prev = prev
        self.tree = tree
        self.problem: Problem | None = None
        self._marks = sorted(m for m in set(marks) if m > start)
        self._on_size = on_size
        # 8-byte prefixes of leaf hashes an auditor accepted before (state file): they
        # name the exact index where a re-hashed fork starts.
        self._known = known_leaves
        # The same prefixes, collected for a new state file.
        self.leaf_prefixes = bytearray() if collect_leaves else None
        # (index, payload) of every SigningKeyRotated entry replayed.
        self.rotations: list[tuple[int, dict]] = []

    def feed(self, rows: Iterable[tuple[int, bytes, bytes]]) -> bool:
        hash_leaf = leaf_hash
        expected, prev, tree, known = self.size, self.prev, self.tree, self._known
        known_count = len(known) // 8
        marks = self._marks
        collected = self.leaf_prefixes
        mi = 0
        next_mark = marks[0] if marks else -1
        prev2 = None  # the `prev` of the last accepted entry: the hash of the one before it
        rows = iter(rows)
        try:
            for idx, raw, stored in rows:
                if idx != expected:
                    return self._fail("missing-entry", expected,
                                      f"entry {expected} is missing (the next stored entry is {idx})")
                leaf = hash_leaf(raw)
                if leaf != stored:
                    return self._fail("hash-mismatch", idx,
                                      f"entry {idx}: stored bytes do not match the stored hash "
                                      "(entry or hash modified)")
                if raw[:4] != MAGIC or len(raw) <= HEADER_SIZE:
                    return self._fail("bad-format", idx, f"entry {idx}: not a version 1 ledger entry")
                if raw[4:12] != idx.to_bytes(8, "big") or raw[12:44] != prev:
                    return self._break(idx, raw, leaf, prev2, next(rows, None))
                try:
                    body = check_body(raw, self.log, idx)
                except EncodingError as e:
                    return self._fail("not-canonical", idx, e.message)
                if body.kind == ROTATION_KIND:
                    self.rotations.append((idx, body.payload))
                if idx < known_count and leaf[:8] != known[idx * 8: idx * 8 + 8]:
                    return self._fail("fork", idx,
                                      f"entry {idx} differs from the entry in the checkpoint you "
                                      "accepted before (the log was forked or rewritten)")
                tree.append(leaf)
                if collected is not None:
                    collected += leaf[:8]
                prev2, prev = prev, leaf
                expected += 1
                if expected == next_mark:
                    self._on_size(expected, tree.root())
                    mi += 1
                    next_mark = marks[mi] if mi < len(marks) else -1
            return True
        finally:
            self.size, self.prev = expected, prev

    def _break(self, idx: int, raw: bytes, leaf: bytes, prev2: bytes | None, after) -> bool:
        """Entry `idx` does not follow entry idx-1. Name the entry that is out of place:
        idx-1 when entry idx links to idx-1's own predecessor (a row inserted before idx)
        or when the entry after idx still links to idx (entry idx-1 rewritten, its stored
        hash fixed up); otherwise idx itself."""
        claimed = int.from_bytes(raw[4:12], "big")
        if idx and prev2 is not None and raw[12:44] == prev2:
            return self._fail("inserted-entry", idx - 1,
                              f"entry {idx - 1} was inserted: entry {idx} (which says it is entry "
                              f"{claimed}) links to entry {idx - 2}")
        if idx and after is not None and after[1][12:44] == leaf and claimed == idx:
            return self._fail("changed-entry", idx - 1,
                              f"entry {idx - 1} was changed after entry {idx} was chained to it "
                              "(its stored hash was rewritten to match)")
        if claimed != idx:
            return self._fail("index-mismatch", idx,
                              f"entry stored at index {idx} says it is entry {claimed} "
                              "(rows moved, swapped or inserted)")
        return self._fail("chain-break", idx,
                          f"entry {idx} does not link to entry {idx - 1}"
                          if idx else "entry 0 does not start this log's chain")

    def _fail(self, failure: str, index: int, message: str) -> bool:
        self.problem = Problem(failure, f"log {self.log!r}: {message}", index)
        return False
