"""The fast append path (issue 15 §3) keeps the guarantees of the slow one: a writer never
chains onto a head it did not check, a writer that waited for the lock sees what the holder
committed, and a checkpoint sent with the COMMIT is written with it or not at all."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

import ledger

from tests.ledger.conftest import T0, checkpoint, fill, tamper, verify


def test_a_head_rewritten_under_the_same_hash_is_refused_by_the_writer_that_wrote_it(engine):
    # This engine committed entry 2 itself, so it remembers its bytes: the remembered head
    # must be compared with what is stored, not trusted.
    fill(engine, 3)
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT entry FROM ledger_entries WHERE idx = 2")).scalar()
    tampered = bytes(raw).replace(b'"orig"', b'"evil"')
    assert tampered != bytes(raw)
    tamper(engine, "UPDATE ledger_entries SET entry = :e WHERE idx = 2", params={"e": tampered})
    with pytest.raises(ledger.VerificationError, match=r"newest entry \(2\)"):
        fill(engine, 1, start=3)
    assert ledger.log_size(engine, "ward") == 3


def test_a_head_appended_by_another_engine_is_checked_and_chained_onto(db_url, engine, signer,
                                                                        trusted):
    other = ledger.create_engine(db_url)
    try:
        fill(engine, 2)
        fill(other, 2, start=2)   # `engine` remembers entry 1; the head is now entry 3
        fill(engine, 1, start=4)
        checkpoint(engine, signer)
    finally:
        other.dispose()
    report = verify(engine, trusted)
    assert report.ok and report.size == 5


def test_a_writer_that_waited_for_the_lock_sees_the_holders_entry(db_url, engine, trusted):
    fill(engine, 1)
    holding, appended = threading.Event(), []

    def holder():
        with ledger.writer(engine, "ward") as lg:
            appended.append(ledger.append(lg, "Test", {"who": "holder"}, "alice", T0).index)
            holding.set()
            threading.Event().wait(0.5)  # the other writer is queued on the lock meanwhile

    t = threading.Thread(target=holder)
    t.start()
    assert holding.wait(30)
    with ledger.writer(engine, "ward") as lg:
        appended.append(ledger.append(lg, "Test", {"who": "waiter"}, "bob", T0).index)
    t.join()
    assert appended == [1, 2]
    assert verify(engine, trusted).size == 3


def test_a_failure_after_the_checkpoint_leaves_neither_entry_nor_checkpoint(engine, signer):
    fill(engine, 1)
    with pytest.raises(RuntimeError):
        with ledger.writer(engine, "ward") as lg:
            ledger.append(lg, "Test", {"i": 1}, "alice", T0)
            ledger.take_checkpoint(lg, signer)
            raise RuntimeError("the caller fails after signing")
    with engine.connect() as conn:
        assert ledger.log_size(conn, "ward") == 1
        assert ledger.stored_checkpoints(conn, "ward") == []
    # The failed transaction's tree state was not remembered: the next checkpoint is right.
    cp = checkpoint(engine, signer)
    assert cp.size == 1


def test_each_transaction_commits_its_entry_and_checkpoint_together(engine, signer, trusted):
    for i in range(4):
        with ledger.writer(engine, "ward") as lg:
            ledger.append(lg, "Test", {"i": i}, "alice", T0)
            ledger.take_checkpoint(lg, signer)
    with engine.connect() as conn:
        assert [size for size, _ in ledger.stored_checkpoints(conn, "ward")] == [1, 2, 3, 4]
    report = verify(engine, trusted)
    assert report.ok and report.size == 4


def test_two_checkpoints_in_one_writer_store_both(engine, signer):
    # The first checkpoint row, held back for the COMMIT on PostgreSQL, is written before the
    # ledger reads or appends anything else in the same transaction.
    with ledger.writer(engine, "ward") as lg:
        ledger.append(lg, "Test", {"i": 0}, "alice", T0)
        ledger.take_checkpoint(lg, signer)
        ledger.append(lg, "Test", {"i": 1}, "alice", T0)
        ledger.take_checkpoint(lg, signer)
    with engine.connect() as conn:
        assert [size for size, _ in ledger.stored_checkpoints(conn, "ward")] == [1, 2]


def test_an_entry_inserted_behind_the_writers_back_is_a_clear_error(engine):
    # The inserts run on the driver connection; its unique violation still comes out as the
    # ledger's error, and nothing of the transaction is kept.
    fill(engine, 1)
    with pytest.raises(ledger.LedgerError, match="entry 1 already exists"):
        with ledger.writer(engine, "ward") as lg:
            assert lg.size == 1
            lg.connection.execute(sa.text(
                "INSERT INTO ledger_entries (log, idx, entry, hash) VALUES ('ward', 1, :e, :h)"),
                {"e": b"intruder", "h": b"\0" * 32})
            ledger.append(lg, "Test", {"i": 1}, "alice", T0)
    assert ledger.log_size(engine, "ward") == 1
