"""Ledger fixtures: an engine on each database, a signing key, helpers to fill a log and
to tamper with it the way an attacker with database access would (triggers bypassed)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import ledger
from ledger import note

T0 = "2026-11-22T10:00:00+09:00"


@pytest.fixture
def engine(db_url):
    e = ledger.create_engine(db_url)
    ledger.create_schema(e)
    yield e
    e.dispose()


@pytest.fixture
def signer():
    return note.generate_signer("handover-test")


@pytest.fixture
def trusted(signer):
    return [signer.verifier()]


def fill(engine, n, log="ward", start=0, tag="orig"):
    with ledger.writer(engine, log) as lg:
        return [ledger.append(lg, "Test", {"i": start + i, "tag": tag}, "alice", T0)
                for i in range(n)]


def checkpoint(engine, signer, log="ward"):
    with ledger.writer(engine, log) as lg:
        return ledger.take_checkpoint(lg, signer)


def tamper(engine, *statements, params=None):
    """Run SQL with the append-only triggers out of the way, then put them back."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for t in ("ledger_entries", "ledger_checkpoints"):
                conn.exec_driver_sql(f"ALTER TABLE {t} DISABLE TRIGGER USER")
        else:
            for name in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type='trigger'").scalars().all():
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
        for stmt in statements:
            conn.execute(sa.text(stmt), params or {})
        if engine.dialect.name == "postgresql":
            for t in ("ledger_entries", "ledger_checkpoints"):
                conn.exec_driver_sql(f"ALTER TABLE {t} ENABLE TRIGGER USER")
    ledger.create_schema(engine)


def verify(engine, trusted, state=None, log="ward"):
    with engine.connect() as conn:
        return ledger.verify_log(conn, log, trusted, state)
