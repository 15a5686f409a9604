"""Inclusion bundles: several entries proven against one checkpoint, verifiable offline, with
nothing of the other entries but hashes; every corruption refused."""

from __future__ import annotations

import base64
import copy
import hashlib
import json

import pytest

import ledger
from ledger import note
from ledger.rfc6962 import inclusion_proof, inclusion_proofs, leaf_hash

from tests.ledger.conftest import checkpoint, fill


@pytest.fixture
def bundle_setup(engine, signer):
    fill(engine, 7)
    checkpoint(engine, signer)
    fill(engine, 6, start=7)
    checkpoint(engine, signer)
    return engine


def bundle(engine, indexes):
    with engine.connect() as conn:
        return json.loads(json.dumps(ledger.export_inclusion_bundle(conn, "ward", indexes)))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 13, 33])
def test_shared_paths_equal_the_single_proofs(size):
    leaves = [leaf_hash(hashlib.sha256(bytes([i])).digest()) for i in range(size)]
    many = inclusion_proofs(leaves, range(size), size)
    assert all(many[i] == inclusion_proof(leaves, i, size) for i in range(size))


def test_a_bundle_verifies_offline_against_the_newest_checkpoint(bundle_setup, trusted):
    doc = bundle(bundle_setup, [9, 2, 12, 2])
    result = ledger.verify_proof(doc, trusted)
    assert result.kind == "bundle" and result.checkpoint.size == 13
    assert [e.index for e in result.entries] == [2, 9, 12]
    assert [e.payload["i"] for e in result.entries] == [2, 9, 12]
    assert [e["index"] for e in result.as_json()["entries"]] == [2, 9, 12]


def test_a_bundle_holds_no_other_entrys_bytes(bundle_setup, trusted):
    doc = bundle(bundle_setup, [3])
    with bundle_setup.connect() as conn:
        others = [e.raw for e in ledger.read_entries(conn, "ward") if e.index != 3]
    text = json.dumps(doc)
    assert all(base64.b64encode(raw).decode() not in text for raw in others)
    assert len(doc["entries"]) == 1 and set(doc) == {"format", "log", "checkpoint", "entries"}


@pytest.mark.parametrize("damage", ["entry", "proof", "index", "duplicate", "empty", "log"])
def test_a_damaged_bundle_is_refused(bundle_setup, trusted, damage):
    doc = copy.deepcopy(bundle(bundle_setup, [1, 5, 10]))
    first = doc["entries"][0]
    if damage == "entry":
        raw = bytearray(base64.b64decode(first["entry"]))
        raw[len(raw) // 2] ^= 1
        first["entry"] = base64.b64encode(bytes(raw)).decode()
    elif damage == "proof":
        h = bytearray(base64.b64decode(first["proof"][0]))
        h[0] ^= 1
        first["proof"][0] = base64.b64encode(bytes(h)).decode()
    elif damage == "index":
        first["index"] = 2
    elif damage == "duplicate":
        doc["entries"].append(copy.deepcopy(first))
    elif damage == "empty":
        doc["entries"] = []
    elif damage == "log":
        doc["log"] = "other"
    with pytest.raises(ledger.VerificationError):
        ledger.verify_proof(doc, trusted)


def test_a_bundle_checked_with_another_key_is_refused(bundle_setup):
    other = note.generate_signer("handover-test")      # same name, another key
    with pytest.raises(ledger.VerificationError):
        ledger.verify_proof(bundle(bundle_setup, [4]), [other.verifier()])


def test_a_bundle_needs_an_entry_and_a_covering_checkpoint(engine, signer):
    fill(engine, 3)
    with engine.connect() as conn:
        with pytest.raises(ledger.LedgerError, match="no signed checkpoint covers entry 2"):
            ledger.export_inclusion_bundle(conn, "ward", [2])
        with pytest.raises(ledger.LedgerError, match="at least one entry"):
            ledger.export_inclusion_bundle(conn, "ward", [])
