"""A whole log's replay, spread over processes on large logs (issue 8 §4: 1M entries in
seconds).

Each worker opens its own read connection (SQLite readers and PostgreSQL sessions do not
block each other) and replays one contiguous range of indexes, RANGE long and aligned to
RANGE: it reads the rows, re-hashes each entry, checks its index, its link to the entry
before (all but the first's), its canonical body and the auditor's known leaves, and builds
the range's own Merkle subtree. It hands back only what joins the ranges: the `prev` of its
first entry, its last leaf hash, its subtree (a compact range for the last, partial range),
the root of its subtree at each checkpointed size inside it, and the key rotations it saw.

The main process checks each range's first `prev` against the range before and composes
the tree. Because the ranges are aligned to a power of two, RFC 6962 splits the tree at
their borders: the compact range at a range's start is the stack of a RootBuilder fed with
the subtree roots of the ranges before it, and the root at a size inside a range is that
stack folded onto the worker's root there.

A problem must be reported exactly as the serial replay reports it: the first bad index,
the same message. So when a range finds anything wrong, or its first entry does not link to
the range before, the main process replays serially from the start of the range before it,
from that point's tree and chain (the serial replay needs the entries around a break to
tell an inserted from a changed entry), and stops where the serial replay stops.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing as mp
import os
from bisect import bisect_right
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from operator import itemgetter
from typing import Callable, Iterable, NamedTuple

import sqlalchemy as sa

from ledger.encoding import (HEADER_SIZE, INT_MIN, MAGIC, ROTATION_KIND, check_bodies, check_body,
                             genesis_hash)
from ledger.errors import EncodingError
from ledger.log import log_size
from ledger.replay import Problem, Replay
from ledger.rfc6962 import LEAF_PREFIX, RootBuilder, compact_range_at, node_hash, subtree_levels
from ledger.schema import create_engine, entries

RANGE = 1 << 15        # entries per range; a power of two, so that ranges are whole subtrees
WORTH_IT = 50_000      # entries: below this, starting the workers costs more than they save
MAX_WORKERS = 8        # each holds a database connection


@dataclass
class Replayed:
    """What a whole log's replay found: entries accepted, the first problem, key rotations
    (index, payload) and, when asked for, the 8-byte prefix of every leaf hash."""
    size: int
    problem: Problem | None
    rotations: list[tuple[int, dict]]
    leaf_prefixes: bytearray | None


def replay_log(conn: sa.Connection, log: str, marks: Iterable[int],
               on_size: Callable[[int, bytes], None], *, known_leaves: bytes = b"",
               collect_leaves: bool = False) -> Replayed:
    """Replay every stored entry of `log` from index 0, calling `on_size(n, root)` at each n
    in `marks`, as `Replay` does; in worker processes when the log is large. Entries are read
    up to the size found when the replay starts: on large logs, other connections read the
    committed rows (call it on a connection that has written nothing uncommitted)."""
    size = log_size(conn, log)
    workers = _workers(conn, size)
    if workers:
        return _in_ranges(conn, log, size, workers, marks, on_size, known_leaves, collect_leaves)
    replay = _serial(conn, log, 0, genesis_hash(log), RootBuilder(), marks, on_size,
                     known_leaves, collect_leaves)
    return Replayed(replay.size, replay.problem, replay.rotations, replay.leaf_prefixes)


def _workers(conn: sa.Connection, size: int) -> int:
    if size == 0 or size < WORTH_IT:
        return 0
    url = conn.engine.url
    if url.get_backend_name() == "sqlite" and (url.database in (None, "", ":memory:")
                                               or "memory" in str(url.query.get("mode", ""))):
        return 0  # a private in-memory database: no other connection can read it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(cores, MAX_WORKERS) if cores >= 2 else 0


def _serial(conn: sa.Connection, log: str, start: int, prev: bytes, tree: RootBuilder,
            marks: Iterable[int], on_size: Callable[[int, bytes], None], known: bytes,
            collect: bool) -> Replay:
    replay = Replay(log, start, prev, tree, marks, on_size, known_leaves=known, collect_leaves=collect)
    q = sa.select(entries.c.idx, entries.c.entry, entries.c.hash).where(entries.c.log == log)
    if start:
        q = q.where(entries.c.idx >= start)
    # Per statement: Connection.execution_options() would change the caller's connection.
    rows = conn.execute(q.order_by(entries.c.idx), execution_options={"yield_per": 10_000})
    replay.feed(rows)
    rows.close()
    return replay


class _Done(NamedTuple):
    """A range that replayed cleanly, as a worker hands it back."""
    first_prev: bytes
    last: bytes                     # its last leaf hash: the next range's first entry links to it
    subtree: list[bytes]            # its compact range (one hash for a whole range)
    roots: list[tuple[int, bytes]]  # (size, root of this range's subtree up to that size)
    rotations: list[tuple[int, dict]]
    prefixes: bytes | None


class _Restart(NamedTuple):
    """The replay's state at the start of a range: where a serial replay can take over."""
    start: int
    compact_range: list[bytes]
    prev: bytes
    prefixes: int
    rotations: int


def _in_ranges(conn: sa.Connection, log: str, size: int, workers: int, marks: Iterable[int],
               on_size: Callable[[int, bytes], None], known: bytes, collect: bool) -> Replayed:
    marks = sorted(m for m in set(marks) if m > 0)
    bounds = [(lo, min(lo + RANGE, size)) for lo in range(0, size, RANGE)]
    url = conn.engine.url.render_as_string(hide_password=False)
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(min(workers, len(bounds)), mp_context=mp.get_context(method),
                               initializer=_open_reader, initargs=(url,))
    try:
        futures = [pool.submit(_replay_range, log, lo, hi,
                               marks[bisect_right(marks, lo):bisect_right(marks, hi)],
                               known[lo * 8:hi * 8], collect)
                   for lo, hi in bounds]
        tree = RootBuilder()   # over the ranges' subtree roots: its stack is the compact range
        prev = genesis_hash(log)
        prefixes = bytearray() if collect else None
        rotations: list[tuple[int, dict]] = []
        before = here = _Restart(0, [], prev, 0, 0)
        pending: list[tuple[int, bytes]] = []   # roots of the last range, until the next links to it
        for (lo, hi), future in zip(bounds, futures):
            try:
                done = future.result()
            except Exception:   # a worker that could not read: the serial replay will say why
                done = None
            if done is None or done.first_prev != prev:
                return _take_over(conn, log, before, marks, on_size, known, collect, prefixes, rotations)
            for n, root in pending:
                on_size(n, root)
            stack = tree.compact_range()
            pending = [(n, _fold(stack, root)) for n, root in done.roots]
            if hi - lo == RANGE:
                tree.append(done.subtree[0])
            prev = done.last
            if collect:
                prefixes += done.prefixes
            rotations += done.rotations
            before, here = here, _Restart(hi, tree.compact_range(), prev,
                                          len(prefixes) if collect else 0, len(rotations))
        for n, root in pending:
            on_size(n, root)
        return Replayed(size, None, rotations, prefixes)
    finally:
        pool.shutdown(cancel_futures=True)


def _take_over(conn: sa.Connection, log: str, at: _Restart, marks: list[int],
               on_size: Callable[[int, bytes], None], known: bytes, collect: bool,
               prefixes: bytearray | None, rotations: list[tuple[int, dict]]) -> Replayed:
    """Replay serially from `at` to the first problem (or, if none shows, to the end)."""
    tree = RootBuilder.from_compact_range(at.start, at.compact_range)
    replay = _serial(conn, log, at.start, at.prev, tree, marks, on_size, known, collect)
    if collect:
        prefixes = prefixes[:at.prefixes] + replay.leaf_prefixes
    return Replayed(replay.size, replay.problem, rotations[:at.rotations] + replay.rotations, prefixes)


def _fold(stack: list[bytes], root: bytes) -> bytes:
    """The tree's root from the compact range before a range and the root of the range's
    subtree so far (RootBuilder.root over their concatenation)."""
    for h in reversed(stack):
        root = node_hash(h, root)
    return root


# In a worker process: its own read connection, opened once.
_reader: tuple[sa.Engine, object, str] | None = None


def _open_reader(url: str) -> None:
    global _reader
    # A worker makes no reference cycles, and its collector would walk every batch's decoded
    # bodies (and, forked, the parent's whole heap) for nothing: a tenth of its time.
    gc.disable()
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    p = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = (f"SELECT idx, entry, hash FROM {entries.name} WHERE log = {p} AND idx >= {p} AND idx < {p} "
           "ORDER BY idx")
    _reader = (engine, engine.raw_connection(), sql)


def _replay_range(log: str, lo: int, hi: int, marks: list[int], known: bytes,
                  collect: bool) -> _Done | None:
    _engine, dbapi, sql = _reader
    cur = dbapi.cursor()
    try:
        # The first range also reads any row stored below index 0, as the serial replay does.
        cur.execute(sql, (log, lo if lo else INT_MIN, hi))
        return _check_range(iter(lambda: cur.fetchmany(BATCH), []), log, lo, hi, marks, known, collect)
    finally:
        cur.close()
        dbapi.rollback()


def _check_range(batches: Iterable[list[tuple[int, bytes, bytes]]], log: str, lo: int, hi: int,
                 marks: list[int], known: bytes, collect: bool) -> _Done | None:
    """The serial replay's checks on the rows of [lo, hi), read in batches, all but the first
    entry's link; None if anything is wrong (the serial replay then names the first thing).

    The hot loop of a large verify, so it does per entry only what needs the entry: the
    leaf hash (from a copy of a hash state fed the leaf prefix: cheaper than a new hash
    object) and the header compared in place (no slices). Each batch's bodies are checked
    together; the tree, the roots at checkpointed sizes and the auditor's known leaves on
    the whole range after. (A batch at a time, not the whole range: the memory of one batch
    is reused for the next, where a whole range's would be handed back to the system and
    faulted in again for the next range.)"""
    new_leaf = _LEAF_STATE.copy
    leaves: list[bytes] = []
    keep = leaves.append
    rotations: list[tuple[int, dict]] = []
    first_prev = prev = None
    expected = lo
    for batch in batches:
        if first_prev is None:
            first_prev = prev = batch[0][1][12:44]
        start = expected
        for idx, raw, stored in batch:
            h = new_leaf()
            h.update(raw)
            leaf = h.digest()
            if (idx != expected or leaf != stored or len(raw) <= HEADER_SIZE or not raw.startswith(MAGIC)
                    or not raw.startswith(idx.to_bytes(8, "big"), 4) or not raw.startswith(prev, 12)):
                return None
            keep(leaf)
            prev = leaf
            expected += 1
        found = _rotations_in(batch, log, start)
        if found is None:
            return None
        rotations += found
    if first_prev is None or expected != hi:
        return None   # no rows, or rows missing at the end of the range
    prefixes = b"".join(map(_PREFIX, leaves)) if known or collect else b""
    if known and prefixes[:len(known)] != known:
        return None
    levels = subtree_levels(leaves)
    roots = [(n, RootBuilder.from_compact_range(n - lo, compact_range_at(levels, n - lo)).root())
             for n in marks]
    return _Done(first_prev, prev, compact_range_at(levels, hi - lo), roots, rotations,
                 prefixes if collect else None)


def _rotations_in(batch: list[tuple[int, bytes, bytes]], log: str,
                  start: int) -> list[tuple[int, dict]] | None:
    """The key rotations among a batch of entries start, start+1, …, or None if any body is
    wrong. Checked in bulk; a batch the bulk check cannot vouch for, entry by entry."""
    raws = [row[1] for row in batch]
    bodies = check_bodies(raws, log)
    if bodies is None:
        try:
            bodies = [check_body(raw, log, start + i) for i, raw in enumerate(raws)]
        except EncodingError:
            return None
    return [(start + i, body.payload) for i, body in enumerate(bodies) if body.kind == ROTATION_KIND]


BATCH = 1024   # entries: some 250 KB of bodies, which stay in cache
_LEAF_STATE = hashlib.sha256(LEAF_PREFIX)
_PREFIX = itemgetter(slice(0, 8))   # of a leaf hash: what the auditor's state keeps
