"""Offline verification of WebAuthn assertions (W3C WebAuthn Level 2, §7.2 steps 11-21 that
need no server state): for a passkey credential, the ledger keeps `authenticatorData`,
`clientDataJSON` and the signature, and this module checks them years later against the
COSE public key registered in the ledger. Knows nothing of databases.

Algorithms: ES256 (COSE -7, P-256), RS256 (COSE -257, PKCS#1 v1.5), EdDSA (COSE -8, Ed25519).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from crypto.errors import CryptoError
from crypto.personal_keys import unb64

ES256, RS256, EDDSA = -7, -257, -8
FLAG_UP, FLAG_UV = 0x01, 0x04


class AssertionRejected(CryptoError):
    """The assertion does not prove what it must. `reason` is a short machine-readable word."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def _cose(cose_key: bytes):
    import cbor2   # only passkey verification needs CBOR
    try:
        key = cbor2.loads(cose_key)
    except Exception as e:      # cbor2 raises several types for malformed input
        raise AssertionRejected(f"the registered COSE key is not CBOR ({e})", "bad-key") from None
    if not isinstance(key, dict):
        raise AssertionRejected("the registered COSE key is not a map", "bad-key")
    alg, kty = key.get(3), key.get(1)
    try:
        if alg == ES256 and kty == 2 and key.get(-1) == 1:
            x, y = key[-2], key[-3]
            return alg, ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()).public_key()
        if alg == RS256 and kty == 3:
            return alg, rsa.RSAPublicNumbers(int.from_bytes(key[-2], "big"),
                                             int.from_bytes(key[-1], "big")).public_key()
        if alg == EDDSA and kty == 1 and key.get(-1) == 6:
            return alg, Ed25519PublicKey.from_public_bytes(key[-2])
    except (KeyError, TypeError, ValueError) as e:
        raise AssertionRejected(f"the registered COSE key is malformed ({e})", "bad-key") from None
    raise AssertionRejected(f"unsupported COSE key (alg {alg}, kty {kty})", "bad-key")


def cose_algorithm(cose_key: bytes) -> int:
    return _cose(cose_key)[0]


def verify_assertion(cose_key: bytes, *, rp_id: str, challenge: bytes,
                     authenticator_data: bytes, client_data_json: bytes,
                     signature: bytes) -> None:
    """Raise AssertionRejected unless this is a user-verified `webauthn.get` assertion over
    `challenge` for `rp_id`, signed by `cose_key`."""
    try:
        client = json.loads(client_data_json.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AssertionRejected("clientDataJSON is not JSON", "bad-client-data") from None
    if not isinstance(client, dict) or client.get("type") != "webauthn.get":
        raise AssertionRejected(f"clientDataJSON.type is {client.get('type') if isinstance(client, dict) else None!r}, "
                                "not 'webauthn.get'", "wrong-type")
    try:
        got = unb64(str(client.get("challenge", "")))
    except ValueError:
        got = b""
    if got != challenge:
        raise AssertionRejected("the assertion's challenge is not this entry's digest",
                                "wrong-challenge")
    if len(authenticator_data) < 37:
        raise AssertionRejected("authenticatorData is shorter than 37 bytes", "bad-authenticator-data")
    if authenticator_data[:32] != hashlib.sha256(rp_id.encode()).digest():
        raise AssertionRejected(f"rpIdHash is not SHA-256 of the registered RP ID {rp_id!r}",
                                "wrong-rp-id")
    flags = authenticator_data[32]
    if not flags & FLAG_UP:
        raise AssertionRejected("the user-present flag is clear", "user-not-present")
    if not flags & FLAG_UV:
        raise AssertionRejected("the user-verified flag is clear", "user-not-verified")
    alg, key = _cose(cose_key)
    signed = authenticator_data + hashlib.sha256(client_data_json).digest()
    try:
        if alg == ES256:
            key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
        elif alg == RS256:
            key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        else:
            key.verify(signature, signed)
    except InvalidSignature:
        raise AssertionRejected("the assertion's signature does not verify", "bad-signature") from None


# --- registration (navigator.credentials.create), checked once, online, at enrolment --------

FLAG_AT = 0x40


@dataclass(frozen=True)
class Registration:
    """What a new passkey's attestation says: its WebAuthn credential ID (the browser's
    `rawId`), its COSE public key (the exact CBOR bytes), and its signature counter."""
    raw_id: bytes
    cose_key: bytes
    sign_count: int


def parse_registration(attestation_object: bytes, client_data_json: bytes, *, rp_id: str,
                       challenge: bytes, origin: str) -> Registration:
    """Check a `webauthn.create` response (W3C WebAuthn Level 2 §7.1 steps 5-21 for the
    attestation format "none": the ward trusts the person and the staff witness at the counter,
    not an authenticator vendor) and return the new credential. Raises AssertionRejected."""
    import io

    import cbor2
    client = _client_data(client_data_json, "webauthn.create", challenge)
    if client.get("origin") != origin:
        raise AssertionRejected(f"clientDataJSON.origin is {client.get('origin')!r}, not "
                                f"{origin!r}", "wrong-origin")
    try:
        att = cbor2.loads(attestation_object)
    except Exception as e:      # cbor2 raises several types for malformed input
        raise AssertionRejected(f"attestationObject is not CBOR ({e})", "bad-attestation") from None
    if not isinstance(att, dict) or not isinstance(att.get("authData"), bytes):
        raise AssertionRejected("attestationObject has no authData", "bad-attestation")
    if att.get("fmt") != "none" or att.get("attStmt") not in ({}, None):
        raise AssertionRejected(f"attestation format {att.get('fmt')!r} was not asked for "
                                "(the server asks for 'none')", "bad-attestation")
    auth = att["authData"]
    _check_authenticator_data(auth, rp_id)
    if not auth[32] & FLAG_AT or len(auth) < 55:
        raise AssertionRejected("authData carries no attested credential", "bad-attestation")
    sign_count = int.from_bytes(auth[33:37], "big")
    id_len = int.from_bytes(auth[53:55], "big")
    raw_id = auth[55:55 + id_len]
    if len(raw_id) != id_len or not raw_id:
        raise AssertionRejected("authData's credential ID is truncated", "bad-attestation")
    rest = io.BytesIO(auth[55 + id_len:])
    try:
        cbor2.CBORDecoder(rest).decode()
    except Exception as e:
        raise AssertionRejected(f"the credential's public key is not CBOR ({e})",
                                "bad-attestation") from None
    cose_key = auth[55 + id_len:55 + id_len + rest.tell()]
    _cose(cose_key)             # an algorithm the ledger's verifier knows
    return Registration(raw_id, cose_key, sign_count)


def check_client_origin(client_data_json: bytes, origin: str) -> None:
    """The online check the ledger cannot make years later: the assertion was made on this
    server's own pages."""
    try:
        got = json.loads(client_data_json.decode("utf-8")).get("origin")
    except (UnicodeDecodeError, ValueError, AttributeError):
        raise AssertionRejected("clientDataJSON is not JSON", "bad-client-data") from None
    if got != origin:
        raise AssertionRejected(f"the assertion was made for {got!r}, not for {origin!r}",
                                "wrong-origin")


def sign_count(authenticator_data: bytes) -> int:
    if len(authenticator_data) < 37:
        raise AssertionRejected("authenticatorData is shorter than 37 bytes", "bad-authenticator-data")
    return int.from_bytes(authenticator_data[33:37], "big")


def _client_data(client_data_json: bytes, kind: str, challenge: bytes) -> dict:
    try:
        client = json.loads(client_data_json.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AssertionRejected("clientDataJSON is not JSON", "bad-client-data") from None
    if not isinstance(client, dict) or client.get("type") != kind:
        raise AssertionRejected(f"clientDataJSON.type is {client.get('type') if isinstance(client, dict) else None!r}, "
                                f"not {kind!r}", "wrong-type")
    try:
        got = unb64(str(client.get("challenge", "")))
    except ValueError:
        got = b""
    if got != challenge:
        raise AssertionRejected("the response's challenge is not the one the server issued",
                                "wrong-challenge")
    return client


def _check_authenticator_data(auth: bytes, rp_id: str) -> None:
    if len(auth) < 37:
        raise AssertionRejected("authenticatorData is shorter than 37 bytes", "bad-authenticator-data")
    if auth[:32] != hashlib.sha256(rp_id.encode()).digest():
        raise AssertionRejected(f"rpIdHash is not SHA-256 of the registered RP ID {rp_id!r}",
                                "wrong-rp-id")
    if not auth[32] & FLAG_UP:
        raise AssertionRejected("the user-present flag is clear", "user-not-present")
    if not auth[32] & FLAG_UV:
        raise AssertionRejected("the user-verified flag is clear", "user-not-verified")
