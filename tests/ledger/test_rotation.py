"""Issue 8 §2: one signing key per log until a rotation is recorded, and verify follows it."""

from __future__ import annotations

import pytest

import ledger
from ledger import note
from ledger.rotation import current_key_id, rotate_key
from tests.ledger.conftest import T0, checkpoint, fill, tamper, verify


def _rotate(engine, new, old=None, reason="scheduled retirement"):
    with ledger.writer(engine, "ward") as lg:
        return rotate_key(lg, new, old_signer=old, reason=reason, actor="alice", claimed_time=T0)


def test_a_different_key_is_refused_and_told_to_restore_the_backup(engine, signer, trusted):
    fill(engine, 2)
    checkpoint(engine, signer)
    fill(engine, 1, start=2)
    stranger = note.generate_signer("handover-test")  # same name, a freshly generated key
    with pytest.raises(ledger.LedgerError, match="signed with key handover-test\\+") as e:
        checkpoint(engine, stranger)
    assert "restore the log's signing key from its backup" in e.value.hint
    assert "rotate-key" in e.value.hint
    with engine.connect() as conn:
        assert [s for s, _ in ledger.checkpoints.stored_checkpoints(conn, "ward")] == [2]
    assert checkpoint(engine, signer).size == 3
    assert verify(engine, trusted).ok


def test_rotation_signed_by_the_old_key_is_followed_by_an_auditor_trusting_only_the_old(
        engine, signer, trusted, tmp_path):
    fill(engine, 3)
    checkpoint(engine, signer)
    new = note.generate_signer("handover-test-2026")
    entry, cp = _rotate(engine, new, old=signer)
    assert entry.kind == "SigningKeyRotated" and entry.payload["old_key_signed"] is True
    assert entry.payload["old_key"] == f"handover-test+{signer.key_hash:08x}"
    assert cp.size == 4
    with engine.connect() as conn:
        assert current_key_id(conn, "ward") == f"handover-test-2026+{new.key_hash:08x}"
    with pytest.raises(ledger.LedgerError, match="signed with key handover-test-2026"):
        checkpoint(engine, signer)  # the retired key no longer signs
    fill(engine, 2, start=3)
    checkpoint(engine, new)
    state = tmp_path / "state.json"
    report = verify(engine, trusted, state)
    assert report.ok, report.problems
    assert report.latest.size == 6 and report.state_updated
    # The followed key is remembered: the next run needs only the old key still.
    fill(engine, 1, start=5)
    checkpoint(engine, new)
    assert verify(engine, trusted, state).ok


def test_checkpoints_after_a_rotation_must_be_signed_by_the_new_key(engine, signer, trusted):
    fill(engine, 1)
    checkpoint(engine, signer)
    new = note.generate_signer("handover-new")
    _rotate(engine, new, old=signer)
    fill(engine, 1, start=1)
    # The retired (perhaps stolen) key signs behind the log's back.
    body = note.Checkpoint("handover/ward", 3, _root(engine, 3)).body()
    tamper(engine, "INSERT INTO ledger_checkpoints (log, size, note, compact_range) "
                   "VALUES ('ward', 3, :n, :c)", params={"n": note.sign_note(body, signer), "c": b""})
    report = verify(engine, trusted + [new.verifier()])
    assert not report.ok
    assert report.first_problem.failure == "checkpoint-signature"
    assert "size 3" in report.first_problem.message


def test_a_lost_key_rotation_needs_the_auditor_to_trust_the_new_key(engine, signer, trusted):
    fill(engine, 2)
    checkpoint(engine, signer)
    new = note.generate_signer("handover-new")
    with pytest.raises(ledger.LedgerError, match="needs a reason"):
        _rotate(engine, new, reason="  ")
    entry, _ = _rotate(engine, new, reason="key file lost with the office PC")
    assert entry.payload["old_key_signed"] is False and entry.payload["endorsement"] is None
    assert entry.payload["reason"] == "key file lost with the office PC"
    report = verify(engine, trusted)
    assert not report.ok
    p = report.first_problem
    assert p.failure == "untrusted-key-rotation" and p.index == 2
    assert "key file lost with the office PC" in p.message
    assert report.latest.size == 2  # what the old key signed still counts
    assert verify(engine, trusted + [new.verifier()]).ok


def test_an_endorsement_by_an_untrusted_key_is_not_followed(engine, signer, trusted):
    fill(engine, 1)
    checkpoint(engine, signer)
    intruder, new = note.generate_signer("handover-test"), note.generate_signer("handover-x")
    with pytest.raises(ledger.LedgerError, match="is not the key of log 'ward'"):
        _rotate(engine, new, old=intruder)
    assert verify(engine, trusted).ok


def _root(engine, size):
    from ledger.rfc6962 import root_hash
    with engine.connect() as conn:
        return root_hash([e.hash for e in ledger.read_entries(conn, "ward", 0, size)])
