"""Issue 8 §3, §4 and §9 at the ledger level: what an independent review found."""

from __future__ import annotations

import json
import os

import pytest
import sqlalchemy as sa

import ledger
from ledger.encoding import HEADER
from ledger.schema import entries
from tests.ledger.conftest import T0, checkpoint, fill, tamper, verify


def _append_raw_body(engine, body: bytes, log="ward"):
    """Append an entry with a correct chain and hash but the given body bytes."""
    with ledger.writer(engine, log) as lg:
        raw = HEADER.pack(b"HLE\x01", lg.size, lg._head, ) + body
        lg.connection.execute(entries.insert().values(log=log, idx=lg.size, entry=raw,
                                                      hash=ledger.encoding.entry_hash(raw)))


GOOD = {"actor": "alice", "kind": "Test", "log": "ward", "payload": {"i": 1}, "time": T0}


@pytest.mark.parametrize("body", [
    b"not json at all",
    json.dumps(GOOD).encode(),                                   # spaces: not canonical
    json.dumps(dict(reversed(GOOD.items())), separators=(",", ":")).encode(),  # keys not sorted
    json.dumps({**GOOD, "payload": 1.5}, sort_keys=True, separators=(",", ":")).encode(),
    json.dumps({**GOOD, "payload": 2**70}, sort_keys=True, separators=(",", ":")).encode(),
    json.dumps({**GOOD, "log": "other"}, sort_keys=True, separators=(",", ":")).encode(),
    b'{"actor":"alice","actor":"alice","kind":"Test","log":"ward","payload":1,"time":"x"}',
    json.dumps({**GOOD, "payload": "\u00e9"}, sort_keys=True, separators=(",", ":")).encode(),
])
def test_a_non_canonical_body_is_never_signed_and_fails_verify(engine, signer, trusted, body):
    fill(engine, 2)
    _append_raw_body(engine, body)
    with pytest.raises(ledger.VerificationError) as e:
        checkpoint(engine, signer)
    assert e.value.failure == "not-canonical" and e.value.index == 2
    report = verify(engine, trusted)
    assert report.first_problem.failure == "not-canonical" and report.first_problem.index == 2


def test_canonical_bodies_beyond_the_fast_path_still_verify(engine, signer, trusted):
    # Keys with characters beyond U+FFFF sort differently by code point and by UTF-16 unit.
    with ledger.writer(engine, "ward") as lg:
        ledger.append(lg, "Test", {"\U0001f600": 1, "\uff61": 2, "a": [True, None, -0, "\x01"]},
                      "alice", T0)
    checkpoint(engine, signer)
    assert verify(engine, trusted).ok


def test_a_rewritten_entry_with_its_hash_fixed_is_named_by_its_own_index(engine, trusted):
    fill(engine, 15)
    with engine.connect() as conn:
        raw = ledger.read_entry(conn, "ward", 10).raw
    forged = raw.replace(b'"tag":"orig"', b'"tag":"evil"')
    tamper(engine, "UPDATE ledger_entries SET entry = :e, hash = :h WHERE log = 'ward' AND idx = 10",
           params={"e": forged, "h": ledger.encoding.entry_hash(forged)})
    p = verify(engine, trusted).first_problem
    assert (p.failure, p.index) == ("changed-entry", 10), p


def test_an_inserted_row_is_named_by_its_own_index(engine, trusted):
    fill(engine, 15)
    with engine.connect() as conn:
        prev = ledger.read_entry(conn, "ward", 9).hash
    raw = ledger.encoding.encode_entry("ward", 10, prev, "Test", {"i": "forged"}, "mallory", T0)
    shift = ("UPDATE ledger_entries SET idx = idx + 100 WHERE log = 'ward' AND idx >= 10",
             "UPDATE ledger_entries SET idx = idx - 99 WHERE log = 'ward' AND idx >= 100")
    tamper(engine, *shift, "INSERT INTO ledger_entries (log, idx, entry, hash) VALUES ('ward', 10, :e, :h)",
           params={"e": raw, "h": ledger.encoding.entry_hash(raw)})
    p = verify(engine, trusted).first_problem
    assert (p.failure, p.index) == ("inserted-entry", 10), p


def test_a_checkpoint_per_transaction_lets_the_auditor_catch_any_cut(engine, signer, trusted, tmp_path):
    # Issue 8 §3: each recording transaction ends with a checkpoint, so the state covers all.
    for i in range(6):
        with ledger.writer(engine, "ward") as lg:
            ledger.append(lg, "Test", {"i": i}, "alice", T0)
            ledger.take_checkpoint(lg, signer)
    state = tmp_path / "state.json"
    report = verify(engine, trusted, state)
    assert report.ok and report.state_size is None and report.latest.size == 6 and not report.warnings
    tamper(engine, "DELETE FROM ledger_entries WHERE log = 'ward' AND idx >= 4",
           "DELETE FROM ledger_checkpoints WHERE log = 'ward' AND size >= 5")
    report = verify(engine, trusted, state)
    assert not report.ok
    p = report.first_problem
    assert (p.failure, p.index) == ("rollback", 4) and "entries from 4 are gone" in p.message
    assert json.loads(state.read_text())["size"] == 6  # the evidence is kept


@pytest.mark.parametrize("content, why", [
    ("[1, 2]", "JSON list, not an object"),
    ('"a string"', "JSON str, not an object"),
    (None, "checkpoint and log must be strings"),
    ("{not json", "Expecting property name"),
])
def test_a_malformed_state_file_is_a_clear_error(engine, signer, trusted, tmp_path, content, why):
    fill(engine, 2)
    checkpoint(engine, signer)
    state = tmp_path / "state.json"
    assert verify(engine, trusted, state).ok
    if content is None:
        data = json.loads(state.read_text())
        data["checkpoint"] = 5
        content = json.dumps(data)
    state.write_text(content)
    with pytest.raises(ledger.LedgerError, match=f"auditor state file .* is unreadable: .*{why}") as e:
        verify(engine, trusted, state)
    assert "restore it from your own copy" in e.value.hint


def test_state_in_a_missing_or_unwritable_directory_is_refused_before_the_replay(
        engine, signer, trusted, tmp_path):
    fill(engine, 2)
    checkpoint(engine, signer)
    with pytest.raises(ledger.LedgerError, match="directory .*nowhere does not exist"):
        verify(engine, trusted, tmp_path / "nowhere" / "state.json")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ledger.LedgerError, match="does not exist"):
        verify(engine, trusted, tmp_path / "file" / "state.json")
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ledger.LedgerError, match="is not writable"):
            verify(engine, trusted, locked / "state.json")


def test_a_sqlite_database_is_created_private(tmp_path):
    old = os.umask(0)
    try:
        engine = ledger.create_engine(f"sqlite:///{tmp_path}/new.db")
        ledger.create_schema(engine)
        fill(engine, 1)
        engine.dispose()
    finally:
        os.umask(old)
    for name in ("new.db", "new.db-wal", "new.db-shm"):
        if (tmp_path / name).exists():
            assert os.stat(tmp_path / name).st_mode & 0o777 == 0o600, name


def test_per_transaction_checkpoints_stay_right_across_writers_and_rollbacks(
        engine, db_url, signer, trusted):
    other = ledger.create_engine(db_url)  # a second process's engine: its own cached tip
    try:
        for i in range(4):
            for e in (engine, other, engine):
                with ledger.writer(e, "ward") as lg:
                    ledger.append(lg, "Test", {"i": i}, "alice", T0)
                    ledger.take_checkpoint(lg, signer)
            with pytest.raises(RuntimeError):
                with ledger.writer(engine, "ward") as lg:
                    ledger.append(lg, "Test", {"rolled": "back"}, "alice", T0)
                    ledger.take_checkpoint(lg, signer)
                    raise RuntimeError
    finally:
        other.dispose()
    report = verify(engine, trusted)
    assert report.ok, report.problems
    assert report.size == 12 and report.checkpoints_checked == 12 and report.latest.size == 12


def test_the_cached_tip_does_not_let_another_key_sign(engine, signer):
    from ledger import note
    fill(engine, 1)
    checkpoint(engine, signer)
    with pytest.raises(ledger.LedgerError, match="is signed with key") as e:
        with ledger.writer(engine, "ward") as lg:
            ledger.append(lg, "Test", {}, "alice", T0)
            ledger.take_checkpoint(lg, note.generate_signer("handover-test"))
    assert "restore the log's signing key from its backup" in e.value.hint
