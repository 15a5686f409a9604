"""Each tampering an attacker with database access could do must be detected, with the
first bad index named. Triggers are bypassed the way such an attacker would."""

from __future__ import annotations

import pytest

import ledger
from ledger import note
from ledger.encoding import encode_entry, entry_hash

from tests.ledger.conftest import T0, checkpoint, fill, tamper, verify


@pytest.fixture
def ten(engine, signer):
    """A log of 10 entries with a signed checkpoint at 10."""
    entries = fill(engine, 10)
    checkpoint(engine, signer)
    return entries


def assert_caught(report, failure, index):
    assert not report.ok
    first = report.first_problem
    assert (first.failure, first.index) == (failure, index), report.problems
    with pytest.raises(ledger.VerificationError) as e:
        report.raise_for_problems()
    assert e.value.index == index and e.value.failure == failure


def test_untampered_log_verifies(engine, ten, trusted, tmp_path):
    report = verify(engine, trusted, tmp_path / "state.json")
    assert report.ok and report.size == 10 and report.state_updated


def test_modified_payload_bytes(engine, ten, trusted):
    forged = ten[4].raw.replace(b'"tag":"orig"', b'"tag":"evil"')
    tamper(engine, "UPDATE ledger_entries SET entry = :e WHERE idx = 4", params={"e": forged})
    assert_caught(verify(engine, trusted), "hash-mismatch", 4)


def test_modified_stored_hash(engine, ten, trusted):
    tamper(engine, "UPDATE ledger_entries SET hash = :h WHERE idx = 6", params={"h": b"\x01" * 32})
    assert_caught(verify(engine, trusted), "hash-mismatch", 6)


def test_deleted_row(engine, ten, trusted):
    tamper(engine, "DELETE FROM ledger_entries WHERE idx = 3")
    assert_caught(verify(engine, trusted), "missing-entry", 3)


def test_inserted_row_is_named_against_saved_state(engine, ten, trusted, tmp_path):
    state = tmp_path / "state.json"
    assert verify(engine, trusted, state).ok
    # A well-formed entry chained onto entry 4, with the rest shifted up by one.
    forged = encode_entry("ward", 5, ten[4].hash, "Test", {"i": 99, "tag": "forged"}, "mallory", T0)
    tamper(engine,
           "UPDATE ledger_entries SET idx = idx + 1000 WHERE idx >= 5",
           "UPDATE ledger_entries SET idx = idx - 999 WHERE idx >= 1000",
           "INSERT INTO ledger_entries (log, idx, entry, hash) VALUES ('ward', 5, :e, :h)",
           params={"e": forged, "h": entry_hash(forged)})
    assert_caught(verify(engine, trusted, state), "fork", 5)


def test_inserted_row_breaks_the_chain_without_state(engine, ten, trusted):
    forged = encode_entry("ward", 10, b"\x07" * 32, "Test", {"i": 10}, "mallory", T0)
    tamper(engine, "INSERT INTO ledger_entries (log, idx, entry, hash) VALUES ('ward', 10, :e, :h)",
           params={"e": forged, "h": entry_hash(forged)})
    assert_caught(verify(engine, trusted), "chain-break", 10)


def test_two_rows_swapped(engine, ten, trusted):
    tamper(engine,
           "UPDATE ledger_entries SET idx = 100 WHERE idx = 2",
           "UPDATE ledger_entries SET idx = 2 WHERE idx = 7",
           "UPDATE ledger_entries SET idx = 7 WHERE idx = 100")
    assert_caught(verify(engine, trusted), "index-mismatch", 2)


def test_tail_truncated(engine, ten, trusted):
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 7")
    assert_caught(verify(engine, trusted), "truncated", 7)


def test_rollback_to_older_state(engine, signer, trusted, tmp_path):
    fill(engine, 6)
    checkpoint(engine, signer)
    fill(engine, 4, start=6)
    checkpoint(engine, signer)
    state = tmp_path / "state.json"
    assert verify(engine, trusted, state).ok
    # The database is restored from a backup taken at size 6: entries and checkpoints agree.
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 6",
           "DELETE FROM ledger_checkpoints WHERE size > 6")
    assert verify(engine, trusted).ok  # consistent on its own…
    assert_caught(verify(engine, trusted, state), "rollback", 6)  # …but not with the auditor's state


def test_fork_against_saved_checkpoint(engine, ten, trusted, tmp_path):
    state = tmp_path / "state.json"
    assert verify(engine, trusted, state).ok
    # A second history from index 6: validly chained, different entries at the same indices.
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 6", "DELETE FROM ledger_checkpoints")
    fill(engine, 4, start=6, tag="fork")
    assert_caught(verify(engine, trusted, state), "fork", 6)


def test_complete_rehashed_rewrite_is_caught_by_the_signature(engine, ten, trusted, tmp_path):
    state = tmp_path / "state.json"
    assert verify(engine, trusted, state).ok
    tamper(engine, "DELETE FROM ledger_entries", "DELETE FROM ledger_checkpoints")
    fill(engine, 10, tag="rewritten")
    checkpoint(engine, note.generate_signer("handover-test"))  # same name, attacker's key
    report = verify(engine, trusted)
    assert [p.failure for p in report.problems] == ["checkpoint-signature"]
    assert "size 10" in report.problems[0].message
    assert_caught(verify(engine, trusted, state), "fork", 0)


def test_checkpoint_signed_by_the_wrong_key(engine, trusted):
    fill(engine, 4)
    checkpoint(engine, note.generate_signer("someone-else"))
    report = verify(engine, trusted)
    assert [p.failure for p in report.problems] == ["checkpoint-signature"]
    assert "size 4" in report.problems[0].message


def test_stored_checkpoint_root_mismatch(engine, signer, trusted):
    fill(engine, 5)
    checkpoint(engine, signer)
    # Entry rewritten and re-hashed, with the chain mended after it: only the root differs.
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 2")
    fill(engine, 3, start=2, tag="rewritten")
    report = verify(engine, trusted)
    assert [p.failure for p in report.problems] == ["checkpoint-mismatch"]


def test_state_file_is_not_updated_on_failure(engine, ten, trusted, tmp_path):
    state = tmp_path / "state.json"
    assert verify(engine, trusted, state).ok
    before = state.read_bytes()
    tamper(engine, "DELETE FROM ledger_entries WHERE idx = 9")
    assert not verify(engine, trusted, state).ok
    assert state.read_bytes() == before


def test_state_signed_by_another_key_is_refused(engine, ten, trusted, tmp_path):
    state = tmp_path / "state.json"
    assert verify(engine, trusted, state).ok
    with pytest.raises(ledger.VerificationError, match="state file"):
        verify(engine, [note.generate_signer("other").verifier()], state)


def _forge_older_checkpoint(engine, size: int, root: bytes) -> None:
    """Replace the stored checkpoint at `size` with one signed by an attacker's key."""
    body = note.Checkpoint("handover/ward", size, root).body()
    forged = note.sign_note(body, note.generate_signer("handover-test"))
    tamper(engine, "UPDATE ledger_checkpoints SET note = :n WHERE size = :s",
           params={"n": forged, "s": size})


def test_older_checkpoints_are_root_checked_and_signature_checked_on_request(engine, signer, trusted):
    fill(engine, 3)
    checkpoint(engine, signer)
    with engine.connect() as conn:
        root = ledger.verify_log(conn, "ward", trusted).latest.root_hash
    fill(engine, 2, start=3)
    checkpoint(engine, signer)
    _forge_older_checkpoint(engine, 3, root)
    # The newest signature covers the older roots: by default the forged signature is not read.
    report = verify(engine, trusted)
    assert report.ok and report.checkpoints_checked == 2 and report.signatures_checked == 1
    # An auditor who relies on each stored checkpoint asks for every signature.
    with engine.connect() as conn:
        report = ledger.verify_log(conn, "ward", trusted, all_signatures=True)
    assert [p.failure for p in report.problems] == ["checkpoint-signature"]
    assert "size 3" in report.problems[0].message and report.signatures_checked == 1


def test_an_older_checkpoint_with_a_wrong_root_fails_without_its_signature_checked(engine, signer, trusted):
    fill(engine, 3)
    checkpoint(engine, signer)
    fill(engine, 2, start=3)
    checkpoint(engine, signer)
    _forge_older_checkpoint(engine, 3, b"\x07" * 32)
    report = verify(engine, trusted)
    assert [p.failure for p in report.problems] == ["checkpoint-mismatch"]
