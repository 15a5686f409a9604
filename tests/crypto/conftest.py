"""Shared helpers for crypto tests: tiny KDF parameters passed explicitly (the defaults
stay at ~1 s), deterministic randomness for exact packages, and package surgery."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import KdfParams, generate_password
from crypto import header as hdr
from crypto import keys, stream
from crypto import manifest as mf
from crypto.package import _seal

# The smallest parameters RFC 9106 allows: microseconds instead of a second.
TINY_KDF = KdfParams(memory_kib=8, iterations=1, lanes=1)
CHUNK = hdr.DEFAULT_CHUNK_SIZE
STRIDE = CHUNK + stream.TAG_LEN
FIXED_TIME = datetime(2025, 4, 1, 9, 30, tzinfo=timezone.utc)


def drbg(seed: str):
    """Deterministic bytes: SHAKE-256 of the seed, consumed in order."""
    stream_ = hashlib.shake_256(seed.encode()).digest(1 << 16)
    pos = 0

    def rng(n: int) -> bytes:
        nonlocal pos
        out = stream_[pos:pos + n]
        pos += n
        assert len(out) == n
        return out
    return rng


def seal(tmp_path: Path, files: dict[str, bytes], *, chunk_size: int = CHUNK, name="p.hop",
         password=None, package_id: str | None = "P-TEST", seed: str | None = None):
    """Write `files` into tmp_path/src and seal them with tiny KDF parameters.
    Returns (package path, password, SealedPackage)."""
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    paths = []
    for n, data in files.items():
        (src / n).write_bytes(data)
        paths.append(src / n)
    password = password or generate_password()
    import secrets
    rng = drbg(seed) if seed else secrets.token_bytes
    sealed = _seal(paths, tmp_path / name, password, media=None, package_id=package_id,
                   kdf_params=TINY_KDF, progress=None, rng=rng, now=lambda: FIXED_TIME,
                   chunk_size=chunk_size)
    return tmp_path / name, password, sealed


def replace_manifest(pkg: Path, seed: str, plain: bytes) -> None:
    """Play a hostile sealer: put `plain` in as the manifest of `pkg`, sealed under its
    real manifest key (recomputed from the seed `pkg` was sealed with)."""
    rng = drbg(seed)
    file_key, nonce = rng(32), rng(16)
    ks = keys.derive_keys(file_key, nonce)
    h = hdr.parse_header(pkg.read_bytes())
    ct = AESGCM(ks.manifest).encrypt(bytes(12), plain, None)
    pkg.write_bytes(pkg.read_bytes()[:h.manifest_offset] + mf.LENGTH_PREFIX.pack(len(ct)) + ct)


def header_len(pkg: Path) -> int:
    return hdr.parse_header(pkg.read_bytes()).length


def with_checksum(raw: bytes) -> bytes:
    """Recompute a header's checksum (what an attacker can do; the MAC stays wrong)."""
    body = raw[:-64]
    return body + hashlib.sha256(body).digest() + raw[-32:]


@pytest.fixture
def tiny_kdf():
    return TINY_KDF
