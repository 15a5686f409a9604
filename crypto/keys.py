"""Key schedule (docs/package-format.md, "Key schedule").

    wrap_key     = Argon2id(password, salt, m, t, p)                  (kdf.py)
    file_key     = AES-256-GCM-Open(wrap_key, 0^96, wrapped, LABEL_PASSWORD_SLOT)
    header_key   = HKDF-SHA-256(file_key, salt=package_nonce, info=LABEL_HEADER)
    payload_key  = HKDF-SHA-256(file_key, salt=package_nonce, info=LABEL_PAYLOAD)
    manifest_key = HKDF-SHA-256(file_key, salt=package_nonce, info=LABEL_MANIFEST)

The file key is random per package and only ever wrapped, so another way to unwrap it
(a second slot type, a new KDF) can be added without touching the payload.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Domain-separation labels: every key and every wrapping has its own, so no key
# derived for one purpose can ever be valid for another.
LABEL_PASSWORD_SLOT = b"handover/v1 password-argon2id"
LABEL_HEADER = b"handover/v1 header"
LABEL_PAYLOAD = b"handover/v1 payload"
LABEL_MANIFEST = b"handover/v1 manifest"

FILE_KEY_LEN = 32
WRAPPED_KEY_LEN = FILE_KEY_LEN + 16
# The wrapping key is fresh for every package (random salt), so it encrypts exactly one
# message and a fixed nonce is safe.
_ZERO_NONCE = bytes(12)


def wrap_file_key(wrap_key: bytes, file_key: bytes) -> bytes:
    return AESGCM(wrap_key).encrypt(_ZERO_NONCE, file_key, LABEL_PASSWORD_SLOT)


def unwrap_file_key(wrap_key: bytes, wrapped: bytes) -> bytes | None:
    """The file key, or None if this wrapping key is not the right one."""
    try:
        return AESGCM(wrap_key).decrypt(_ZERO_NONCE, wrapped, LABEL_PASSWORD_SLOT)
    except InvalidTag:
        return None


def _hkdf(file_key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(file_key)


@dataclass(frozen=True, repr=False)
class PackageKeys:
    """The subkeys of one package. repr=False: keys never reach a log or a traceback."""

    header: bytes
    payload: bytes
    manifest: bytes

    def __repr__(self) -> str:
        return "<PackageKeys (redacted)>"


def derive_keys(file_key: bytes, package_nonce: bytes) -> PackageKeys:
    return PackageKeys(
        header=_hkdf(file_key, package_nonce, LABEL_HEADER),
        payload=_hkdf(file_key, package_nonce, LABEL_PAYLOAD),
        manifest=_hkdf(file_key, package_nonce, LABEL_MANIFEST),
    )


def header_mac(header_key: bytes, data: bytes) -> bytes:
    return hmac.digest(header_key, data, "sha256")
