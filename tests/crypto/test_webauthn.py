"""Offline WebAuthn assertion checks against the committed known-answer vectors
(tests/vectors/webauthn/generate.py): ES256, RS256 and Ed25519 authenticators, each valid
once and wrong in exactly one respect in each negative."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crypto.webauthn import AssertionRejected, verify_assertion

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "webauthn" / "vectors.json")
                     .read_text(encoding="utf-8"))


def _check(case: dict, **change) -> None:
    args = dict(rp_id=case["rp_id"], challenge=bytes.fromhex(case["challenge"]),
                authenticator_data=bytes.fromhex(case["authenticator_data"]),
                client_data_json=bytes.fromhex(case["client_data_json"]),
                signature=bytes.fromhex(case["signature"]))
    args.update(change)
    verify_assertion(bytes.fromhex(case["cose_key"]), **args)


def test_vectors_cover_three_algorithms_and_every_negative():
    assert {c["alg"] for c in VECTORS["cases"]} == {"ES256", "RS256", "EdDSA"}
    for alg in ("ES256", "RS256", "EdDSA"):
        assert {c["reason"] for c in VECTORS["cases"] if c["alg"] == alg} == {
            None, "wrong-challenge", "wrong-rp-id", "user-not-verified", "wrong-type",
            "bad-signature"}


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_vector(case):
    if case["reason"] is None:
        _check(case)
        return
    with pytest.raises(AssertionRejected) as info:
        _check(case)
    assert info.value.reason == case["reason"], info.value.message


def test_a_valid_assertion_fails_for_another_rp_id_or_key():
    valid = [c for c in VECTORS["cases"] if c["reason"] is None]
    with pytest.raises(AssertionRejected) as info:
        _check(valid[0], rp_id="other.example")
    assert info.value.reason == "wrong-rp-id"
    with pytest.raises(AssertionRejected) as info:     # ES256 assertion, RS256 key
        verify_assertion(bytes.fromhex(valid[1]["cose_key"]), rp_id=valid[0]["rp_id"],
                         challenge=bytes.fromhex(valid[0]["challenge"]),
                         authenticator_data=bytes.fromhex(valid[0]["authenticator_data"]),
                         client_data_json=bytes.fromhex(valid[0]["client_data_json"]),
                         signature=bytes.fromhex(valid[0]["signature"]))
    assert info.value.reason == "bad-signature"


@pytest.mark.parametrize("cose, reason", [(b"\xff\x00", "bad-key"), (bytes.fromhex("a10102"), "bad-key")])
def test_malformed_keys_and_data_are_rejected_not_crashing(cose, reason):
    case = VECTORS["cases"][0]
    with pytest.raises(AssertionRejected) as info:
        verify_assertion(cose, rp_id=case["rp_id"], challenge=bytes.fromhex(case["challenge"]),
                         authenticator_data=bytes.fromhex(case["authenticator_data"]),
                         client_data_json=bytes.fromhex(case["client_data_json"]),
                         signature=bytes.fromhex(case["signature"]))
    assert info.value.reason == reason
    with pytest.raises(AssertionRejected) as info:
        _check(case, client_data_json=b"not json")
    assert info.value.reason == "bad-client-data"
    with pytest.raises(AssertionRejected) as info:
        _check(case, authenticator_data=b"short")
    assert info.value.reason == "bad-authenticator-data"
