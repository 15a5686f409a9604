"""Appending to and reading a log.

A log is written only inside `writer()`: one transaction that holds the log's lock
(SQLite BEGIN IMMEDIATE, PostgreSQL advisory transaction lock), so the head read and
the insert cannot interleave with another writer. UNIQUE(log, idx) backs that up: a
writer that somehow raced would fail to insert rather than fork the chain.

The append path (head read, entry and checkpoint inserts) runs fixed SQL on the DBAPI
connection of the writer's transaction: SQLAlchemy's per-statement work was most of an
append's cost (bench/bench_ledger.py appends, docs/PERFORMANCE.md). On PostgreSQL the
lock and the head read travel in one query string, one round trip; the head read is still
a statement of its own, so it takes its snapshot after the lock is granted. (psycopg's
pipeline mode costs more than the round trip it saves on a local server.)
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

import sqlalchemy as sa

from ledger.encoding import (HEADER_SIZE, LOG_NAME, Entry, decode_entry, decode_verified,
                             encode_entry, entry_hash, genesis_hash, read_checked_body)
from ledger.errors import EncodingError, LedgerError, VerificationError
from ledger.schema import checkpoints, entries, log_lock_key

# The hot statements, in each driver's parameter style (sqlite3 "?", psycopg "%s").
_SQL = {
    style: {
        "head": f"SELECT idx, entry, hash FROM {entries.name} WHERE log = {p} "
                "ORDER BY idx DESC LIMIT 1",
        "insert": f"INSERT INTO {entries.name} (log, idx, entry, hash) VALUES ({p}, {p}, {p}, {p})",
        "checkpoint": f"INSERT INTO {checkpoints.name} (log, size, note, compact_range) "
                      f"VALUES ({p}, {p}, {p}, {p})",
        "lock": f"SELECT pg_advisory_xact_lock({p})",
    }
    for style, p in (("sqlite", "?"), ("postgresql", "%s"))
}
# PostgreSQL, several statements in one round trip (parameters bound client-side).
_SQL["postgresql"]["begin+lock+head"] = ("BEGIN; " + _SQL["postgresql"]["lock"] + "; "
                                         + _SQL["postgresql"]["head"])
_SQL["postgresql"]["checkpoint+commit"] = _SQL["postgresql"]["checkpoint"] + "; COMMIT"


@dataclass(frozen=True)
class Tip:
    """What this process knows of a log after it committed a checkpoint at its head: the
    tree's compact range there and the signing key. The next writer that finds the same
    head (same size and hash) signs from it without reading the log back."""
    size: int
    head: bytes
    compact_range: tuple[bytes, ...]
    key_id: str


# Per engine and log; only ever set after a commit, so a rollback cannot leave it ahead.
_tips: "weakref.WeakKeyDictionary[sa.Engine, dict[str, Tip]]" = weakref.WeakKeyDictionary()
# Per engine and log, the newest entry this process committed or checked: (index, stored
# bytes, hash). A head read that finds exactly those bytes and hash needs no re-hash.
_heads: "weakref.WeakKeyDictionary[sa.Engine, dict[str, tuple[int, bytes, bytes]]]" = \
    weakref.WeakKeyDictionary()


@dataclass
class Log:
    """A log opened for writing within one transaction. `connection` is that
    transaction: callers put their own rows (projections) in it so that everything
    commits or nothing does."""
    connection: sa.Connection
    name: str
    _size: int | None = field(default=None, repr=False)
    _head: bytes | None = field(default=None, repr=False)
    _engine: sa.Engine | None = field(default=None, repr=False)
    # The cached tip, if it matches the head found; the leaf hashes appended since.
    tip: Tip | None = field(default=None, repr=False)
    appended: list[bytes] = field(default_factory=list, repr=False)
    new_tip: Tip | None = field(default=None, repr=False)
    # The head row if it was read with the lock (PostgreSQL); checked on first use.
    _prefetched: tuple | None = field(default=None, repr=False)
    _newest: tuple[int, bytes, bytes] | None = field(default=None, repr=False)
    # PostgreSQL: the checkpoint row, sent with COMMIT in one round trip (see `store_checkpoint`).
    _pending_checkpoint: tuple | None = field(default=None, repr=False)

    def run(self, statement: str, params: tuple):
        """One of the hot statements on the transaction's DBAPI connection. Driver errors
        come out as SQLAlchemy's (sa.exc.IntegrityError, ...), as they would through it."""
        sql = _SQL[self.connection.dialect.name][statement]
        try:
            return self.connection.connection.driver_connection.execute(sql, params)
        except self.connection.dialect.loaded_dbapi.Error as e:
            raise sa.exc.DBAPIError.instance(sql, params, e, self.connection.dialect.loaded_dbapi.Error,
                                             dialect=self.connection.dialect) from e

    def store_checkpoint(self, row: tuple) -> None:
        """Write a checkpoint row (log, size, note, compact range). On PostgreSQL it is held
        back and sent with the COMMIT, in one round trip: a checkpoint is the last act of a
        recording transaction. The ledger's own reads and appends write it first, so a
        later statement of this writer still finds it; callers' own statements after it do
        not see it before the commit."""
        self.flush()
        if self.connection.dialect.name == "postgresql":
            self._pending_checkpoint = row
        else:
            self.run("checkpoint", row)

    def flush(self) -> None:
        if self._pending_checkpoint is not None:
            row, self._pending_checkpoint = self._pending_checkpoint, None
            self.run("checkpoint", row)

    def run_many(self, sql: str, params: tuple):
        """PostgreSQL: statements separated by ';' sent as one query, one round trip."""
        import psycopg
        try:
            cur = psycopg.ClientCursor(self.connection.connection.driver_connection)
            cur.execute(sql, params)
            return cur
        except psycopg.Error as e:
            raise sa.exc.DBAPIError.instance(sql, params, e, psycopg.Error,
                                             dialect=self.connection.dialect) from e

    def _commit(self) -> None:
        """Commit; on PostgreSQL with a checkpoint row held back, in the same round trip.
        SQLAlchemy's own commit that follows then finds no transaction left to commit."""
        if self._pending_checkpoint is not None:
            row, self._pending_checkpoint = self._pending_checkpoint, None
            self.run_many(_SQL["postgresql"]["checkpoint+commit"], row)

    @property
    def size(self) -> int:
        self._load_head()
        return self._size

    @property
    def head(self) -> bytes:
        """The stored hash of the newest entry (the genesis hash of an empty log)."""
        self._load_head()
        return self._head

    def _load_head(self) -> None:
        if self._size is not None:
            return
        if self._prefetched is not None:
            row, self._prefetched = self._prefetched, None
            row = row[0] if row else None
        else:
            row = self.run("head", (self.name,)).fetchone()
        if row is None:
            self._size, self._head = 0, genesis_hash(self.name)
            return
        idx, raw, digest = row[0], bytes(row[1]), bytes(row[2])
        # Never chain onto a damaged head: that would bury the damage under new entries.
        # The bytes and hash this process last committed or checked need no re-hash.
        known = _heads.get(self._engine, {}).get(self.name) if self._engine is not None else None
        if known != (idx, raw, digest) and entry_hash(raw) != digest:
            raise VerificationError(
                f"log {self.name!r}: the newest entry ({idx}) does not match its stored hash",
                failure="hash-mismatch", index=idx,
                hint="run `handover ledger verify`; nothing was appended")
        self._size, self._head, self._newest = idx + 1, digest, (idx, raw, digest)
        tip = _tips.get(self._engine, {}).get(self.name) if self._engine is not None else None
        if tip is not None and tip.size == self._size and tip.head == self._head:
            self.tip = tip


def _check_log_name(name: str) -> None:
    if not LOG_NAME.fullmatch(name):
        raise EncodingError(f"log name {name!r} is not allowed",
                            "use 1-64 lower-case letters, digits, '.', '_' or '-'")


@contextmanager
def writer(engine: sa.Engine, name: str) -> Iterator[Log]:
    """Open `name` for appending: commit on success, roll back on any exception."""
    _check_log_name(name)
    postgresql = engine.dialect.name == "postgresql"
    with _writing(engine).connect() as conn:
        with conn.begin():
            log = Log(conn, name, _engine=engine)
            if postgresql:
                log._prefetched = _begin_lock_and_read_head(log)
            yield log
            log._commit()
        if log._newest is not None:
            _heads.setdefault(engine, {})[name] = log._newest
        if log.new_tip is not None:
            _tips.setdefault(engine, {})[name] = log.new_tip


def _writing(engine: sa.Engine) -> sa.Engine:
    """`engine` with the writer's execution options, made once per engine rather than set on
    every new connection (1 % of an append's instructions under callgrind). PostgreSQL: the
    driver does not send its own BEGIN (a round trip of its own); ours goes with the lock
    and the head read. COMMIT and ROLLBACK still go through SQLAlchemy's transaction, which
    psycopg sends whenever a transaction is open. Kept on the engine itself, not in a weak
    map: the option engine refers to its engine, so a map entry would never be freed."""
    try:
        return engine.__dict__["_ledger_writing"]
    except KeyError:
        options = {"ledger_write": True}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        writing = engine.__dict__["_ledger_writing"] = engine.execution_options(**options)
        return writing


def _begin_lock_and_read_head(log: Log) -> tuple:
    """PostgreSQL: begin, take the log's advisory lock and read its head in one round trip:
    three statements in one query string. The server runs them in order and gives the head
    read a snapshot of its own, taken after the lock is granted (READ COMMITTED), so it sees
    every entry a previous holder committed."""
    cur = log.run_many(_SQL["postgresql"]["begin+lock+head"], (log_lock_key(log.name), log.name))
    while cur.nextset():  # to the last statement's rows
        pass
    return (cur.fetchone(),)


def write_connection(engine: sa.Engine) -> sa.Connection:
    """A connection whose transactions take the database's write lock at BEGIN (SQLite
    BEGIN IMMEDIATE), for callers that write their own tables beside the ledger's."""
    return engine.connect().execution_options(ledger_write=True)


def append(log: Log, kind: str, payload: Any, actor: str,
           claimed_time: datetime | str) -> Entry:
    """Append one entry and return it with its index and hash."""
    log._load_head()
    log.flush()
    index, prev = log._size, log._head
    raw = encode_entry(log.name, index, prev, kind, payload, actor, claimed_time)
    digest = entry_hash(raw)
    try:
        log.run("insert", (log.name, index, raw, digest))
    except sa.exc.IntegrityError as e:
        raise LedgerError(f"log {log.name!r}: entry {index} already exists "
                          "(a concurrent writer bypassed the lock)",
                          "retry; if it persists, check that every writer uses handover") from e
    # The body was just encoded from these fields: only the payload is read back, so the
    # entry holds plain JSON values (lists, not tuples) and no alias of the caller's objects.
    body = read_checked_body(raw[HEADER_SIZE:])
    entry = Entry(log=log.name, index=index, kind=kind, actor=body.actor, time=body.time,
                  payload=body.payload, prev=prev, hash=digest, raw=raw)
    log.appended.append(digest)
    log._size = index + 1
    log._head = digest
    log._newest = (index, raw, digest)
    return entry


def log_size(conn: sa.Connection | sa.Engine, name: str) -> int:
    with _connected(conn) as c:
        n = c.execute(sa.select(sa.func.max(entries.c.idx)).where(entries.c.log == name)).scalar()
    return 0 if n is None else n + 1


def read_entries(conn: sa.Connection | sa.Engine, name: str, start: int = 0,
                 stop: int | None = None, *, verified: bool = False) -> Iterator[Entry]:
    """Decoded entries of `name` in index order, from `start` up to `stop` (exclusive).
    `verified`: the caller has just replayed these rows with `verify_log`, so the canonical
    form is not checked again (decode_verified)."""
    with _connected(conn) as c:
        q = (sa.select(entries.c.entry).where(entries.c.log == name, entries.c.idx >= start)
             .order_by(entries.c.idx))
        if stop is not None:
            q = q.where(entries.c.idx < stop)
        for (raw,) in c.execute(q, execution_options={"yield_per": 2000}):
            yield decode_verified(raw) if verified else decode_entry(raw)


def read_entry(conn: sa.Connection | sa.Engine, name: str, index: int) -> Entry:
    with _connected(conn) as c:
        raw = c.execute(sa.select(entries.c.entry)
                        .where(entries.c.log == name, entries.c.idx == index)).scalar()
    if raw is None:
        raise LedgerError(f"log {name!r} has no entry {index}",
                          f"the log has {log_size(conn, name)} entries, numbered from 0")
    return decode_entry(raw)


def list_logs(conn: sa.Connection | sa.Engine) -> list[str]:
    with _connected(conn) as c:
        return list(c.execute(sa.select(entries.c.log).distinct().order_by(entries.c.log)).scalars())


@contextmanager
def _connected(conn: sa.Connection | sa.Engine) -> Iterator[sa.Connection]:
    if isinstance(conn, sa.Connection):
        yield conn
    else:
        with conn.connect() as c:
            yield c
