"""Tables, append-only guards and engine set-up for SQLite and PostgreSQL.

Rows keep the exact entry bytes. Triggers refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL): defence in depth, since verification never relies on them.
"""

from __future__ import annotations

import hashlib
import os

import sqlalchemy as sa
from sqlalchemy import event

from ledger.errors import LedgerError

metadata = sa.MetaData()

entries = sa.Table(
    "ledger_entries", metadata,
    sa.Column("log", sa.String(64), primary_key=True),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("entry", sa.LargeBinary, nullable=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
)

# Signed checkpoints, and the compact range (the perfect-subtree hashes that sum to
# the root) so the next checkpoint only hashes what was appended since.
checkpoints = sa.Table(
    "ledger_checkpoints", metadata,
    sa.Column("log", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("compact_range", sa.LargeBinary, nullable=False),
)

# Witness cosignatures (ledger/witness.py): one signature line per (log, size, witness), kept
# so verifiers can require one. Written by the witness run, never by the writer's actions.
cosignatures = sa.Table(
    "ledger_cosignatures", metadata,
    sa.Column("log", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("witness", sa.String(200), primary_key=True),
    sa.Column("cosignature", sa.Text, nullable=False),
)

_GUARDED = ("ledger_entries", "ledger_checkpoints", "ledger_cosignatures")

_SQLITE_GUARDS = [
    f"""CREATE TRIGGER IF NOT EXISTS {t}_no_{op.lower()} BEFORE {op} ON {t}
        BEGIN SELECT RAISE(ABORT, '{t} is append-only: {op} refused'); END"""
    for t in _GUARDED for op in ("UPDATE", "DELETE")
]

_PG_GUARDS = [
    """CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION '%% is append-only: %% refused', TG_TABLE_NAME, TG_OP;
       END $$""",
] + [
    stmt
    for t in _GUARDED
    for stmt in (
        f"""CREATE OR REPLACE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}
            FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()""",
        f"""CREATE OR REPLACE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()""",
    )
]

# Any fixed key works; it only has to be the same in every process.
_SCHEMA_LOCK = 0x68616E646F766572  # "handover"


def log_lock_key(log: str) -> int:
    """A signed 64-bit advisory-lock key for one log: logs never contend with each other."""
    return int.from_bytes(hashlib.sha256(b"handover/ledger lock\x00" + log.encode()).digest()[:8],
                          "big", signed=True)


def create_engine(url: str, **kwargs) -> sa.Engine:
    """An engine configured for durable, serialized appends.

    SQLite: WAL with synchronous=FULL (every commit is fsynced), a generous busy
    timeout, and BEGIN IMMEDIATE for writers so two processes never both read the same
    head. PostgreSQL: writers take a per-log advisory transaction lock.
    """
    try:
        engine = sa.create_engine(url, **kwargs)
    except (sa.exc.ArgumentError, ModuleNotFoundError) as e:
        raise LedgerError(f"cannot use database URL {url!r}: {e}",
                          "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db") from None
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "do_connect")
        def _sqlite_private_file(_dialect, _record, _cargs, _cparams):
            # SQLite creates the file with the umask (0644, or 0666); its -wal and -shm files
            # copy the database file's mode. Create it 0600 first: it holds personal data.
            path = engine.url.database
            if path and path != ":memory:" and not path.startswith("file:"):
                try:
                    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                except OSError:
                    pass  # it exists, or SQLite will report why it cannot be opened

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # On the DBAPI connection: through exec_driver_sql this was a tenth of an append.
            sql = "BEGIN IMMEDIATE" if conn.get_execution_options().get("ledger_write") else "BEGIN"
            dbapi = conn.dialect.loaded_dbapi
            try:
                conn.connection.driver_connection.execute(sql)
            except dbapi.Error as e:
                raise sa.exc.DBAPIError.instance(sql, (), e, dbapi.Error, dialect=conn.dialect) from e
    elif engine.dialect.name != "postgresql":
        raise LedgerError(f"unsupported database {engine.dialect.name!r}",
                          "handover supports SQLite and PostgreSQL")
    return engine


def create_schema(engine: sa.Engine) -> None:
    """Create tables and guards if missing. Safe to call from several processes at once."""
    with engine.connect().execution_options(ledger_write=True) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
        metadata.create_all(conn)
        if engine.dialect.name == "sqlite":
            for stmt in _SQLITE_GUARDS:
                conn.exec_driver_sql(stmt)
        elif _pg_guard_count(conn) < len(_PG_GUARDS) - 1:
            # Only when missing: CREATE TRIGGER locks the table against concurrent appends.
            for stmt in _PG_GUARDS:
                conn.exec_driver_sql(stmt)


def _pg_guard_count(conn: sa.Connection) -> int:
    return conn.execute(sa.text(
        "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' AND tgrelid IN "
        "(to_regclass('ledger_entries'), to_regclass('ledger_checkpoints'), "
        "to_regclass('ledger_cosignatures'))")).scalar()
