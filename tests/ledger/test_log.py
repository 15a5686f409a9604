from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

import ledger
from ledger.encoding import genesis_hash

from tests.ledger.conftest import T0, checkpoint, fill, verify


def test_append_returns_index_and_hash_and_stores_exact_bytes(engine):
    with ledger.writer(engine, "ward") as log:
        e0 = ledger.append(log, "CaseOpened", {"name": "接種券", "n": 3}, "alice", T0)
        e1 = ledger.append(log, "CaseClosed", {"ok": True, "x": None}, "bob",
                           datetime(2026, 11, 22, 10, tzinfo=timezone(timedelta(hours=9))))
    assert (e0.index, e1.index) == (0, 1)
    assert e0.prev == genesis_hash("ward") and e1.prev == e0.hash
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT idx, entry, hash FROM ledger_entries ORDER BY idx").all()
    assert [bytes(r.entry) for r in rows] == [e0.raw, e1.raw]
    assert [bytes(r.hash) for r in rows] == [e0.hash, e1.hash]
    assert ledger.read_entry(engine, "ward", 1).payload == {"ok": True, "x": None}
    assert e1.time == "2026-11-22T10:00:00+09:00"


def test_triggers_refuse_update_and_delete(engine):
    fill(engine, 2)
    for stmt in ("UPDATE ledger_entries SET hash = entry", "DELETE FROM ledger_entries"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.exec_driver_sql(stmt)
    assert ledger.log_size(engine, "ward") == 2


def test_truncate_refused_on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    fill(engine, 1)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE ledger_entries")


@pytest.mark.parametrize("payload, message", [
    ({"x": 1.5}, "floats are not allowed"),
    ({"x": {1, 2}}, "type set"),
    ({1: "a"}, "not a string"),
    ({"x": 2**70}, "64-bit"),
])
def test_bad_payload_is_refused_and_nothing_is_written(engine, payload, message):
    with pytest.raises(ledger.EncodingError, match=message):
        with ledger.writer(engine, "ward") as log:
            ledger.append(log, "Test", {"ok": 1}, "alice", T0)
            ledger.append(log, "Test", payload, "alice", T0)
    assert ledger.log_size(engine, "ward") == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"claimed_time": "2026-11-22T10:00:00"}, "no UTC offset"),
    ({"claimed_time": "yesterday"}, "not ISO 8601"),
    ({"kind": "has space"}, "entry kind"),
    ({"actor": ""}, "actor"),
])
def test_bad_envelope_is_refused(engine, kwargs, message):
    args = {"kind": "Test", "payload": {}, "actor": "alice", "claimed_time": T0} | kwargs
    with pytest.raises(ledger.EncodingError, match=message):
        with ledger.writer(engine, "ward") as log:
            ledger.append(log, **args)


def test_bad_log_name_is_refused(engine):
    with pytest.raises(ledger.EncodingError, match="log name"):
        with ledger.writer(engine, "Ward One"):
            pass


def test_logs_are_independent(engine, signer, trusted):
    fill(engine, 3, log="shinjuku")
    fill(engine, 5, log="nakano")
    checkpoint(engine, signer, "shinjuku")
    assert ledger.list_logs(engine) == ["nakano", "shinjuku"]
    assert verify(engine, trusted, log="shinjuku").ok
    assert verify(engine, trusted, log="nakano").size == 5


def test_append_refuses_to_chain_onto_a_damaged_head(engine):
    from tests.ledger.conftest import tamper
    fill(engine, 3)
    tamper(engine, "UPDATE ledger_entries SET hash = :h WHERE idx = 2", params={"h": b"\0" * 32})
    with pytest.raises(ledger.VerificationError, match="newest entry"):
        fill(engine, 1)
    assert ledger.log_size(engine, "ward") == 3


def test_checkpoints_are_incremental_and_verify(engine, signer, trusted):
    fill(engine, 5)
    a = checkpoint(engine, signer)
    fill(engine, 4, start=5)
    b = checkpoint(engine, signer)
    assert (a.size, b.size) == (5, 9)
    assert checkpoint(engine, signer).note == b.note  # nothing new: same checkpoint
    report = verify(engine, trusted)
    assert report.ok and report.checkpoints_checked == 2 and report.latest.size == 9


def test_verify_warns_about_unprotected_tail(engine, signer, trusted):
    fill(engine, 3)
    assert "no signed checkpoint" in verify(engine, trusted).warnings[0]
    checkpoint(engine, signer)
    fill(engine, 2, start=3)
    assert "not yet protected" in verify(engine, trusted).warnings[0]


def test_create_schema_restores_dropped_guards(engine):
    fill(engine, 1)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
        else:
            conn.exec_driver_sql("DROP TRIGGER ledger_entries_no_delete")
    ledger.create_schema(engine)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM ledger_entries")


def test_verify_of_an_empty_or_misnamed_log_fails_naming_the_logs_there(engine, trusted):
    # Issue 8 §9: it used to print ok and exit 0, so a mistyped --log "verified" nothing.
    fill(engine, 2, log="shinjuku")
    report = verify(engine, trusted, log="shinjyuku")
    assert not report.ok and report.size == 0
    assert report.first_problem.failure == "empty-log"
    assert report.first_problem.message == ("log 'shinjyuku' is empty or unknown: it has no entries "
                                            "(logs in this database: shinjuku)")
    with pytest.raises(ledger.VerificationError, match="empty or unknown"):
        report.raise_for_problems()
