"""Known-answer vectors for offline WebAuthn assertion checks (crypto/webauthn.py).

    python3 tests/vectors/webauthn/generate.py

Writes vectors.json beside this file. It does not import the project: it builds COSE keys,
authenticatorData and clientDataJSON from the WebAuthn Level 2 and RFC 9053 definitions with
`cryptography` and `cbor2` only, so a bug in the code under test cannot hide in its answers.
Keys are fresh on every run (ECDSA and RSA signing is randomised anyway); the committed file
is the reference.

For each algorithm (ES256, RS256, EdDSA): one valid assertion, and negatives that are each
validly signed but wrong in exactly one respect (`reason` names it, as AssertionRejected does):
wrong-challenge, wrong-rp-id, user-not-verified, wrong-type, and bad-signature (one flipped bit).
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from pathlib import Path

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

RP_ID = "handover.example.lg.jp"
ORIGIN = "https://handover.example.lg.jp"
UP, UV = 0x01, 0x04


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def es256():
    key = ec.generate_private_key(ec.SECP256R1())
    n = key.public_key().public_numbers()
    cose = {1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")}
    return cose, lambda m: key.sign(m, ec.ECDSA(hashes.SHA256()))


def rs256():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = key.public_key().public_numbers()
    cose = {1: 3, 3: -257, -1: n.n.to_bytes(256, "big"), -2: n.e.to_bytes(3, "big")}
    return cose, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA256())


def eddsa():
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {1: 1, 3: -8, -1: 6, -2: raw}, key.sign


def assertion(sign, challenge: bytes, *, rp_id=RP_ID, flags=UP | UV, type_="webauthn.get",
              counter=7) -> dict:
    auth = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", counter)
    client = json.dumps({"type": type_, "challenge": b64u(challenge), "origin": ORIGIN,
                         "crossOrigin": False}, separators=(",", ":")).encode()
    sig = sign(auth + hashlib.sha256(client).digest())
    return {"authenticator_data": auth.hex(), "client_data_json": client.hex(), "signature": sig.hex()}


def main() -> None:
    cases = []
    for n, (name, make) in enumerate((("ES256", es256), ("RS256", rs256), ("EdDSA", eddsa))):
        cose, sign = make()
        challenge = hashlib.sha256(f"webauthn vector {n}".encode()).digest()
        base = {"alg": name, "cose_key": cbor2.dumps(cose).hex(), "rp_id": RP_ID,
                "challenge": challenge.hex()}
        good = assertion(sign, challenge)
        cases.append({**base, **good, "name": f"{name} valid", "reason": None})
        other = hashlib.sha256(b"another action").digest()
        cases.append({**base, **assertion(sign, other), "name": f"{name} wrong challenge",
                      "reason": "wrong-challenge"})
        cases.append({**base, **assertion(sign, challenge, rp_id="evil.example"),
                      "name": f"{name} wrong rpIdHash", "reason": "wrong-rp-id"})
        cases.append({**base, **assertion(sign, challenge, flags=UP),
                      "name": f"{name} user-verified flag clear", "reason": "user-not-verified"})
        cases.append({**base, **assertion(sign, challenge, type_="webauthn.create"),
                      "name": f"{name} wrong type", "reason": "wrong-type"})
        flipped = bytearray(bytes.fromhex(good["signature"]))
        flipped[len(flipped) // 2] ^= 0x01
        cases.append({**base, **good, "signature": flipped.hex(), "name": f"{name} bad signature",
                      "reason": "bad-signature"})
    out = Path(__file__).with_name("vectors.json")
    out.write_text(json.dumps({"format": "handover-webauthn-vectors/v1", "rp_id": RP_ID,
                               "cases": cases}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
