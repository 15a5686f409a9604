"""Proof files: export, offline verification, and every corruption refused."""

from __future__ import annotations

import base64
import copy
import json

import pytest

import ledger
from ledger import note

from tests.ledger.conftest import checkpoint, fill


@pytest.fixture
def proof_setup(engine, signer):
    fill(engine, 7)
    checkpoint(engine, signer)
    fill(engine, 6, start=7)
    checkpoint(engine, signer)
    return engine


def export(engine, index):
    with engine.connect() as conn:
        return ledger.export_inclusion_proof(conn, "ward", index)


@pytest.mark.parametrize("index", [0, 3, 6, 7, 12])
def test_inclusion_proof_verifies_offline(proof_setup, trusted, index):
    doc = json.loads(json.dumps(export(proof_setup, index)))  # as if read from a file
    result = ledger.verify_proof(doc, trusted)
    assert result.entry.index == index and result.entry.payload["i"] == index
    # The smallest covering checkpoint is used, so proofs match checkpoints already handed out.
    assert result.checkpoint.size == (7 if index < 7 else 13)


def test_consistency_proof_verifies(proof_setup, trusted):
    with proof_setup.connect() as conn:
        doc = ledger.export_consistency_proof(conn, "ward", 7)
    result = ledger.verify_proof(json.dumps(doc), trusted)
    assert (result.old_checkpoint.size, result.checkpoint.size) == (7, 13)


def _flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _resign_size(doc, signer, factor):
    """A checkpoint claiming another size, validly signed: only the proof math can object."""
    body = doc["checkpoint"].split("\n\n")[0] + "\n"
    cp = note.parse_checkpoint(body)
    new = note.Checkpoint(cp.origin, max(1, int(cp.size * factor)), cp.root_hash)
    doc["checkpoint"] = note.sign_note(new.body(), signer)


MUTATIONS = {
    "index+1": lambda d, s: d.__setitem__("index", d["index"] + 1),
    "index-1": lambda d, s: d.__setitem__("index", d["index"] - 1),
    "size*2": lambda d, s: _resign_size(d, s, 2),
    "size/2": lambda d, s: _resign_size(d, s, 0.5),
    "flipped-bit-proof": lambda d, s: d["proof"].__setitem__(0, _flip(d["proof"][0])),
    "flipped-bit-entry": lambda d, s: d.__setitem__("entry", _flip(d["entry"])),
    "truncated-proof": lambda d, s: d["proof"].pop(),
    "extra-hash": lambda d, s: d["proof"].append(d["proof"][0]),
    "unsigned-checkpoint": lambda d, s: d.__setitem__("checkpoint", d["checkpoint"].split("\n\n")[0] + "\n\n"),
    "other-log": lambda d, s: d.__setitem__("log", "nakano"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_corrupted_inclusion_proof_is_refused(proof_setup, signer, trusted, mutation):
    doc = copy.deepcopy(export(proof_setup, 5))
    MUTATIONS[mutation](doc, signer)
    with pytest.raises(ledger.VerificationError):
        ledger.verify_proof(doc, trusted)


def test_truncated_proof_file_is_refused(proof_setup, trusted):
    text = json.dumps(export(proof_setup, 5))
    with pytest.raises(ledger.VerificationError, match="not JSON"):
        ledger.verify_proof(text[: len(text) // 2], trusted)


def test_proof_needs_a_covering_checkpoint(engine, signer):
    fill(engine, 3)
    with pytest.raises(ledger.LedgerError, match="no signed checkpoint covers entry 1"):
        export(engine, 1)


def test_proof_checked_with_wrong_key_fails(proof_setup):
    with pytest.raises(ledger.VerificationError):
        ledger.verify_proof(export(proof_setup, 2), [note.generate_signer("x").verifier()])
