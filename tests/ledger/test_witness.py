"""Witness cosigning (issue 13 §4) on SQLite and PostgreSQL: a witness with its own key and
state cosigns only append-only extensions, and `verify` can require its cosignature."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

import ledger
from ledger import note
from ledger.errors import LedgerError, VerificationError
from ledger.witness import cosigned_message, stored_cosignatures
from tests.ledger.conftest import checkpoint, fill, tamper, verify

NOW = 1_796_000_000


@pytest.fixture
def witness(tmp_path):
    key = tmp_path / "witness" / "w.key"
    pub = ledger.generate_witness_key(key, "audit.city.example/w1")
    return ledger.load_cosigner(key), ledger.load_witness_verifiers([pub]), tmp_path / "witness" / "state.json"


def cosign(engine, trusted, witness, t=NOW):
    cosigner, _, state = witness
    return ledger.cosign_newest(engine, "ward", trusted, cosigner, state, t)


def grow(engine, signer, n, start, tag="orig"):
    fill(engine, n, start=start, tag=tag)
    return checkpoint(engine, signer)


def rewrite(engine, signer, n, tag="forged"):
    """What a writer holding the database and the log key can do: a new history, re-signed."""
    tamper(engine, "DELETE FROM ledger_checkpoints", "DELETE FROM ledger_entries")
    return grow(engine, signer, n, 0, tag)


def state_of(witness) -> dict:
    return json.loads(witness[2].read_text())


def witnessed(engine, trusted, witness):
    with engine.connect() as conn:
        return ledger.verify_log(conn, "ward", trusted, witnesses=witness[1])


def test_cosignature_is_a_c2sp_cosignature_v1(engine, signer, trusted, witness):
    cp = grow(engine, signer, 5, 0)
    c = cosign(engine, trusted, witness)
    assert (c.size, c.root_hash, c.new, c.previous_size) == (5, cp.root_hash, True, None)
    name, b64 = c.line.removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(b64)
    pub = witness[1][0].public_key
    # key ID: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4]; then u64 timestamp, then the signature
    assert name == "audit.city.example/w1" and len(raw) == 4 + 8 + 64
    assert raw[:4] == hashlib.sha256(name.encode() + b"\n\x04" + pub).digest()[:4]
    assert int.from_bytes(raw[4:12], "big") == NOW
    body = cp.note.split("\n\n")[0] + "\n"
    assert cosigned_message(body, NOW) == f"cosignature/v1\ntime {NOW}\n{body}".encode()
    Ed25519PublicKey.from_public_bytes(pub).verify(raw[12:], cosigned_message(body, NOW))
    # appended to the log's note it is one more signature line, ignored by log-key checks
    both = cp.note + c.line + "\n"
    assert ledger.open_checkpoint(both, "ward", trusted).size == 5
    assert state_of(witness)["logs"] == {"handover/ward": {"size": 5, "root": cp.root_hash.hex()}}
    with engine.connect() as conn:
        assert stored_cosignatures(conn, "ward") == [(5, witness[1][0].key_id, c.line)]


def test_cosigns_each_extension_and_verify_reports_the_witnessed_size(engine, signer, trusted, witness):
    grow(engine, signer, 3, 0)
    cosign(engine, trusted, witness)
    r = witnessed(engine, trusted, witness)
    assert r.ok and r.witnessed_size == 3 and r.as_json()["unwitnessed"] is None
    grow(engine, signer, 4, 3)
    r = witnessed(engine, trusted, witness)
    assert not r.ok and r.witnessed_size == 3 and r.as_json()["unwitnessed"] == [3, 6]
    (p,) = r.problems
    assert p.failure == "unwitnessed" and p.index == 3 and "entries 3..6 are unwitnessed" in p.message
    c = cosign(engine, trusted, witness, NOW + 60)
    assert (c.size, c.previous_size, c.new) == (7, 3, True)
    r = witnessed(engine, trusted, witness)
    assert r.ok and r.witnessed_size == 7
    # without --witness-key, nothing is required and nothing reported
    assert verify(engine, trusted).witnessed_size is None


def test_same_root_again_is_idempotent(engine, signer, trusted, witness):
    grow(engine, signer, 2, 0)
    cosign(engine, trusted, witness)
    again = cosign(engine, trusted, witness, NOW + 5)
    assert again.new is False and again.size == 2
    with engine.connect() as conn:
        assert len(stored_cosignatures(conn, "ward")) == 1


def test_refuses_a_rollback(engine, signer, trusted, witness):
    grow(engine, signer, 6, 0)
    cosign(engine, trusted, witness)
    before = witness[2].read_bytes()
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 4", "DELETE FROM ledger_checkpoints WHERE size > 4")
    checkpoint(engine, signer)    # a validly signed checkpoint of size 4, taken after the rollback
    with pytest.raises(VerificationError) as e:
        cosign(engine, trusted, witness)
    assert e.value.failure == "witness-rollback" and "fewer than the 6" in e.value.message
    assert witness[2].read_bytes() == before
    with engine.connect() as conn:
        assert [s for s, _, _ in stored_cosignatures(conn, "ward")] == [6]


def test_refuses_two_roots_for_one_size(engine, signer, trusted, witness):
    grow(engine, signer, 5, 0)
    cosign(engine, trusted, witness)
    rewrite(engine, signer, 5)
    with pytest.raises(VerificationError) as e:
        cosign(engine, trusted, witness)
    assert e.value.failure == "witness-fork" and "size 5" in e.value.message
    assert state_of(witness)["logs"]["handover/ward"]["size"] == 5


def test_refuses_a_rewritten_history_that_grew(engine, signer, trusted, witness):
    grow(engine, signer, 5, 0)
    cosign(engine, trusted, witness)
    rewrite(engine, signer, 9)
    with pytest.raises(VerificationError) as e:
        cosign(engine, trusted, witness)
    assert e.value.failure == "witness-inconsistent" and "below 5 was rewritten" in e.value.message
    with engine.connect() as conn:
        assert [s for s, _, _ in stored_cosignatures(conn, "ward")] == [5]


def test_refuses_a_checkpoint_not_signed_by_the_log_key(engine, signer, trusted, witness):
    grow(engine, signer, 2, 0)
    with pytest.raises(VerificationError) as e:
        cosign(engine, [note.generate_signer("handover-test").verifier()], witness)
    assert e.value.failure == "signature"
    assert not witness[2].exists()


def test_refuses_a_log_without_checkpoint(engine, trusted, witness):
    fill(engine, 2)
    with pytest.raises(LedgerError, match="no signed checkpoint to cosign"):
        cosign(engine, trusted, witness)


def test_verify_fails_on_a_head_the_witness_never_saw(engine, signer, trusted, witness):
    grow(engine, signer, 4, 0)
    r = witnessed(engine, trusted, witness)
    assert not r.ok and r.witnessed_size == 0 and r.first_problem.failure == "unwitnessed"


def test_verify_catches_a_rewrite_under_a_cosignature(engine, signer, trusted, witness):
    """The writer re-signs a new history with the log key: only the witness's cosignature,
    checked against the replayed root, shows it."""
    grow(engine, signer, 5, 0)
    cosign(engine, trusted, witness)
    rewrite(engine, signer, 5)
    assert verify(engine, trusted).ok              # the log key alone is fooled
    r = witnessed(engine, trusted, witness)
    assert {p.failure for p in r.problems} == {"witness-mismatch", "unwitnessed"}
    assert r.witnessed_size == 0


def test_verify_catches_deletion_below_a_cosigned_size(engine, signer, trusted, witness):
    grow(engine, signer, 5, 0)
    cosign(engine, trusted, witness)
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 3", "DELETE FROM ledger_checkpoints")
    r = witnessed(engine, trusted, witness)
    assert any(p.failure == "truncated" and p.index == 3 for p in r.problems)


def test_forged_cosignature_row_is_reported(engine, signer, trusted, witness):
    grow(engine, signer, 3, 0)
    other = ledger.Cosigner("audit.city.example/w1", Ed25519PrivateKey.generate())
    cp_body = f"handover/ward\n3\n{base64.b64encode(verify(engine, trusted).latest.root_hash).decode()}\n"
    line = other.cosign(cp_body, NOW)
    # same name, the trusted witness's key ID, another key's signature
    raw = base64.b64decode(line.split(" ")[-1])
    forged = f"\u2014 audit.city.example/w1 {base64.b64encode(witness[1][0].key_hash.to_bytes(4, 'big') + raw[4:]).decode()}"
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO ledger_cosignatures (log, size, witness, cosignature) "
                             "VALUES ('ward', 3, :w, :c)"), {"w": witness[1][0].key_id, "c": forged})
    r = witnessed(engine, trusted, witness)
    assert [p.failure for p in r.problems] == ["witness-mismatch", "unwitnessed"]


def test_cosignatures_are_append_only(engine, signer, trusted, witness):
    grow(engine, signer, 2, 0)
    cosign(engine, trusted, witness)
    for stmt in ("UPDATE ledger_cosignatures SET size = 9", "DELETE FROM ledger_cosignatures"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(stmt))
    if engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text("TRUNCATE ledger_cosignatures"))


def test_state_file_belongs_to_one_witness(engine, signer, trusted, witness, tmp_path):
    grow(engine, signer, 2, 0)
    cosign(engine, trusted, witness)
    ledger.generate_witness_key(tmp_path / "w2.key", "audit.city.example/w2")
    other = ledger.load_cosigner(tmp_path / "w2.key")
    with pytest.raises(LedgerError, match="belongs to witness audit.city.example/w1"):
        ledger.cosign_newest(engine, "ward", trusted, other, witness[2], NOW)
    witness[2].write_text("{not json")
    with pytest.raises(LedgerError, match="unreadable"):
        cosign(engine, trusted, witness)


def test_witness_keys_are_not_log_keys(tmp_path):
    pub = ledger.generate_witness_key(tmp_path / "w.key", "w")
    with pytest.raises(LedgerError):
        note.parse_verifier_key(pub.read_text().strip())       # type 0x04, not 0x01
    ledger.generate_key(tmp_path / "log.key", "handover-ward")
    with pytest.raises(LedgerError, match="type 0x04"):
        ledger.load_witness_verifiers([tmp_path / "log.pub"])
    with pytest.raises(LedgerError, match="private key"):
        ledger.load_witness_verifiers([tmp_path / "w.key"])
    with pytest.raises(LedgerError, match="already exists"):
        ledger.generate_witness_key(tmp_path / "w.key", "w")
    assert "PRIVATE" not in repr(ledger.load_cosigner(tmp_path / "w.key"))
