"""Offline WebAuthn assertion checks against the committed known-answer vectors
(tests/vectors/webauthn/generate.py): ES256, RS256 and Ed25519 authenticators, each valid
once and wrong in exactly one respect in each negative."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from crypto import webauthn
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


# --- registration (attestation "none") ------------------------------------------------------

def _registration(*, rp_id="handover.example.lg.jp", flags=0x45, fmt="none", challenge=b"c" * 32,
                  origin="https://handover.example.lg.jp", kind="webauthn.create"):
    import cbor2
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from crypto.personal_keys import b64
    key = Ed25519PrivateKey.generate()
    cose = cbor2.dumps({1: 1, 3: -8, -1: 6, -2: key.public_key().public_bytes_raw()})
    raw_id = b"\x01\x02credential-id"
    auth = (hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + (7).to_bytes(4, "big")
            + bytes(16) + len(raw_id).to_bytes(2, "big") + raw_id + cose)
    att = cbor2.dumps({"fmt": fmt, "attStmt": {}, "authData": auth})
    client = json.dumps({"type": kind, "challenge": b64(challenge), "origin": origin}).encode()
    return att, client, cose, raw_id


def test_a_registration_gives_the_credential_and_its_exact_cose_key():
    att, client, cose, raw_id = _registration()
    reg = webauthn.parse_registration(att, client, rp_id="handover.example.lg.jp",
                                      challenge=b"c" * 32, origin="https://handover.example.lg.jp")
    assert (reg.raw_id, reg.cose_key, reg.sign_count) == (raw_id, cose, 7)


@pytest.mark.parametrize("change, reason", [
    ({"origin": "https://evil.example"}, "wrong-origin"),
    ({"challenge": b"d" * 32}, "wrong-challenge"),
    ({"kind": "webauthn.get"}, "wrong-type"),
    ({"rp_id": "evil.example"}, "wrong-rp-id"),
    ({"flags": 0x41}, "user-not-verified"),
    ({"flags": 0x05}, "bad-attestation"),           # no attested credential data
    ({"fmt": "packed"}, "bad-attestation"),
])
def test_a_registration_that_does_not_prove_what_it_must_is_rejected(change, reason):
    att, client, *_ = _registration(**change)
    with pytest.raises(webauthn.AssertionRejected) as info:
        webauthn.parse_registration(att, client, rp_id="handover.example.lg.jp",
                                    challenge=b"c" * 32, origin="https://handover.example.lg.jp")
    assert info.value.reason == reason


def test_the_online_origin_check():
    client = json.dumps({"type": "webauthn.get", "origin": "http://localhost:8700"}).encode()
    webauthn.check_client_origin(client, "http://localhost:8700")
    with pytest.raises(webauthn.AssertionRejected, match="not for 'http://localhost:9999'"):
        webauthn.check_client_origin(client, "http://localhost:9999")
