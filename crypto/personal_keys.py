"""A person's signing key for the custody ledger: Ed25519, kept only encrypted under a
passphrase the person chooses (Argon2id, then AES-256-GCM). Knows nothing of databases.

The wrapped form is a small JSON-able dict (docs/signatures.md, "Passphrase keys"); its AAD
binds it to its public key, so a wrapped key copied onto another credential does not unlock.
The passphrase and the private key never leave this process: nothing here logs or stores them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import kdf
from crypto.errors import CryptoError, FormatError, WrongPassword

FORMAT = "handover-personal-key/v1"
MIN_LENGTH = 12
MIN_DISTINCT = 6


class WeakPassphrase(CryptoError):
    """The chosen passphrase is below the minimum strength. The message never repeats it."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_strength(passphrase: str) -> None:
    """At least 12 characters, at least 6 of them different: a sentence, not a word."""
    if len(passphrase) < MIN_LENGTH:
        raise WeakPassphrase(f"the passphrase has {len(passphrase)} characters; at least "
                             f"{MIN_LENGTH} are needed",
                             "choose a short sentence only you know, e.g. four unrelated words")
    if len(set(passphrase)) < MIN_DISTINCT:
        raise WeakPassphrase(f"the passphrase uses fewer than {MIN_DISTINCT} different characters",
                             "choose a short sentence only you know, e.g. four unrelated words")


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_key: bytes) -> str:
    """What people compare on paper: the first 128 bits of SHA-256 of the key, in 8 groups."""
    digest = hashlib.sha256(public_key).hexdigest()[:32].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def _aad(public_key: bytes) -> bytes:
    return FORMAT.encode() + b"\x00" + public_key


def create(passphrase: str, params: kdf.KdfParams = kdf.DEFAULT_KDF
           ) -> tuple[Ed25519PrivateKey, dict]:
    """A new key and its wrapped form. Refuses a weak passphrase before doing anything."""
    check_strength(passphrase)
    key = Ed25519PrivateKey.generate()
    return key, wrap(key, passphrase, params)


def wrap(key: Ed25519PrivateKey, passphrase: str, params: kdf.KdfParams) -> dict:
    salt, nonce = os.urandom(kdf.SALT_LEN), os.urandom(12)
    wrapping = kdf.derive(passphrase.encode("utf-8"), salt, params)
    secret = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                               serialization.NoEncryption())
    public = public_bytes(key)
    sealed = AESGCM(wrapping).encrypt(nonce, secret, _aad(public))
    return {"format": FORMAT, "kdf": params.as_dict(), "salt": b64(salt), "nonce": b64(nonce),
            "public_key": b64(public), "ciphertext": b64(sealed)}


def unwrap(wrapped: dict, passphrase: str) -> Ed25519PrivateKey:
    """The private key, or WrongPassword. KDF parameters are checked before they run."""
    try:
        if wrapped["format"] != FORMAT:
            raise FormatError(f"unknown personal key format {wrapped['format']!r}")
        p = wrapped["kdf"]
        params = kdf.KdfParams(int(p["memory_kib"]), int(p["iterations"]), int(p["lanes"]))
        salt, nonce = unb64(wrapped["salt"]), unb64(wrapped["nonce"])
        public, sealed = unb64(wrapped["public_key"]), unb64(wrapped["ciphertext"])
    except (KeyError, TypeError, ValueError) as e:
        raise FormatError(f"the stored personal key is damaged ({e})") from None
    kdf.check_params(params)
    wrapping = kdf.derive(passphrase.encode("utf-8"), salt, params)
    try:
        secret = AESGCM(wrapping).decrypt(nonce, sealed, _aad(public))
    except InvalidTag:
        raise WrongPassword("the passphrase does not unlock this credential",
                            "type it again (it is case-sensitive); if it is forgotten, staff "
                            "revoke this credential and enrol a new one") from None
    key = Ed25519PrivateKey.from_private_bytes(secret)
    if public_bytes(key) != public:
        raise FormatError("the stored personal key does not match its public key")
    return key


@functools.lru_cache(maxsize=1024)
def ed25519_public_key(public_key: bytes) -> Ed25519PublicKey:
    """Loaded once per key: a verifier checks thousands of entries by the same person."""
    return Ed25519PublicKey.from_public_bytes(public_key)


def verify_ed25519(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        ed25519_public_key(public_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False
