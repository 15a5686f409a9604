"""Appending to and reading a log.

A log is written only inside `writer()`: one transaction that holds the log's lock
(SQLite BEGIN IMMEDIATE, PostgreSQL advisory transaction lock), so the head read and
the insert cannot interleave with another writer. UNIQUE(log, idx) backs that up: a
writer that somehow raced would fail to insert rather than fork the chain.
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

import sqlalchemy as sa

from ledger.encoding import (LOG_NAME, Entry, decode_entry, decode_verified, encode_entry,
                             entry_hash, genesis_hash)
from ledger.errors import EncodingError, LedgerError, VerificationError
from ledger.schema import entries, log_lock_key

# Built once: appends are a hot path and statement construction is not free.
_HEAD = (sa.select(entries.c.idx, entries.c.entry, entries.c.hash)
         .where(entries.c.log == sa.bindparam("log")).order_by(entries.c.idx.desc()).limit(1))
_INSERT = entries.insert()
_LOCK = sa.text("SELECT pg_advisory_xact_lock(:k)")


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
        row = self.connection.execute(_HEAD, {"log": self.name}).first()
        if row is None:
            self._size, self._head = 0, genesis_hash(self.name)
            return
        # Never chain onto a damaged head: that would bury the damage under new entries.
        if entry_hash(row.entry) != row.hash:
            raise VerificationError(
                f"log {self.name!r}: the newest entry ({row.idx}) does not match its stored hash",
                failure="hash-mismatch", index=row.idx,
                hint="run `handover ledger verify`; nothing was appended")
        self._size, self._head = row.idx + 1, row.hash
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
    with engine.connect().execution_options(ledger_write=True) as conn:
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(_LOCK, {"k": log_lock_key(name)})
            log = Log(conn, name, _engine=engine)
            yield log
        if log.new_tip is not None:
            _tips.setdefault(engine, {})[name] = log.new_tip


def write_connection(engine: sa.Engine) -> sa.Connection:
    """A connection whose transactions take the database's write lock at BEGIN (SQLite
    BEGIN IMMEDIATE), for callers that write their own tables beside the ledger's."""
    return engine.connect().execution_options(ledger_write=True)


def append(log: Log, kind: str, payload: Any, actor: str,
           claimed_time: datetime | str) -> Entry:
    """Append one entry and return it with its index and hash."""
    log._load_head()
    raw = encode_entry(log.name, log._size, log._head, kind, payload, actor, claimed_time)
    digest = entry_hash(raw)
    try:
        log.connection.execute(_INSERT, {"log": log.name, "idx": log._size,
                                         "entry": raw, "hash": digest})
    except sa.exc.IntegrityError as e:
        raise LedgerError(f"log {log.name!r}: entry {log._size} already exists "
                          "(a concurrent writer bypassed the lock)",
                          "retry; if it persists, check that every writer uses handover") from e
    entry = decode_entry(raw, check_canonical=False)
    log.appended.append(digest)
    log._size += 1
    log._head = digest
    return entry


def log_size(conn: sa.Connection | sa.Engine, name: str) -> int:
    with _connected(conn) as c:
        n = c.execute(sa.select(sa.func.max(entries.c.idx)).where(entries.c.log == name)).scalar()
    return 0 if n is None else n + 1


def read_entries(conn: sa.Connection | sa.Engine, name: str, start: int = 0,
                 stop: int | None = None, *, verified: bool = False) -> Iterator[Entry]:
    """Decoded entries of `name` in index order, from `start` up to `stop` (exclusive).
    `verified`: the caller has just replayed these rows with `verify_log`, so the canonical
    form is not checked again and bodies are parsed with orjson."""
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
