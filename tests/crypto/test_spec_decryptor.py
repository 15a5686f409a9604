"""A second package reader, written from docs/package-format.md alone: it imports nothing
from crypto/, only the primitives. If it opens what crypto/ writes (and rejects what crypto/
rejects), the spec is precise enough to write a compatible decryptor from."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "package"


class Rejected(Exception):
    pass


def luhn32(digits: str) -> str:  # §4
    total, factor = 0, 2
    for c in reversed(digits):
        addend = factor * ALPHABET.index(c)
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return ALPHABET[(32 - total % 32) % 32]


def canonical(password: str) -> bytes:  # §4, for input already in display form
    groups = password.upper().split("-")
    assert len(groups) == 6
    for g, group in enumerate(groups, 1):
        if luhn32(ALPHABET[g] + group[:4]) != group[4]:
            raise Rejected(f"typo in group {g}")
    return "".join(groups).encode()


def hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:  # §6
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def spec_open(data: bytes, password: str) -> tuple[dict, dict[str, bytes]]:
    if data[:8] != b"\x89HOP\r\n\x1a\n":
        raise Rejected("magic")
    version, H = struct.unpack(">HH", data[8:12])
    if version != 1:
        raise Rejected("version")
    if not 118 <= H <= 4096 or len(data) < H:
        raise Rejected("header length")
    if hashlib.sha256(data[:H - 64]).digest() != data[H - 64:H - 32]:
        raise Rejected("checksum")
    C, P, M = struct.unpack(">IQQ", data[12:32])
    nonce, L = data[32:48], data[48]
    n = max(1, -(-P // C))
    if C & (C - 1) or not 1024 <= C <= 1 << 20 or M != H + P + 16 * n or not 1 <= L <= 64:
        raise Rejected("header fields")
    pos = 49 + L
    slot_count = data[pos]
    pos += 1
    slot = None
    for _ in range(slot_count):
        kind, length = struct.unpack(">BH", data[pos:pos + 3])
        body = data[pos + 3:pos + 3 + length]
        pos += 3 + length
        if kind == 1:
            slot = body
    if pos != H - 64 or slot is None or len(slot) != 76:
        raise Rejected("slots")
    salt, m, t, p, wrapped = slot[:16], *struct.unpack(">III", slot[16:28]), slot[28:]
    if not (1 <= p <= 8 and 8 * p <= m <= 65536 and 1 <= t <= 1440 and m * t <= 35389440):
        raise Rejected("kdf caps")
    wrap_key = Argon2id(salt=salt, length=32, iterations=t, lanes=p, memory_cost=m).derive(
        canonical(password))
    try:
        file_key = AESGCM(wrap_key).decrypt(bytes(12), wrapped, b"handover/v1 password-argon2id")
    except Exception:
        raise Rejected("wrong password") from None
    header_key = hkdf(file_key, nonce, b"handover/v1 header")
    if not hmac.compare_digest(hmac.digest(header_key, data[:H - 32], "sha256"), data[H - 32:H]):
        raise Rejected("mac")
    if len(data) < M + 4:
        raise Rejected("truncated")
    (Lm,) = struct.unpack(">I", data[M:M + 4])
    if not 16 <= Lm <= 16 << 20 or len(data) != M + 4 + Lm:
        raise Rejected("manifest length or trailing data")
    try:
        manifest = json.loads(AESGCM(hkdf(file_key, nonce, b"handover/v1 manifest")).decrypt(
            bytes(12), data[M + 4:], None))
    except Exception:
        raise Rejected("manifest") from None
    if manifest["package_id"] != data[49:49 + L].decode() or \
            sum(f["size"] for f in manifest["files"]) != P:
        raise Rejected("manifest does not match header")
    aead = AESGCM(hkdf(file_key, nonce, b"handover/v1 payload"))
    payload = bytearray()
    for i in range(n):
        start = H + i * (C + 16)
        end = min(start + C + 16, M)
        chunk_nonce = i.to_bytes(11, "big") + (b"\x01" if i == n - 1 else b"\x00")
        try:
            payload += aead.decrypt(chunk_nonce, data[start:end], None)
        except Exception:
            raise Rejected(f"chunk {i + 1}") from None
    files, offset = {}, 0
    for f in manifest["files"]:
        content = bytes(payload[offset:offset + f["size"]])
        offset += f["size"]
        if hashlib.sha256(content).hexdigest() != f["sha256"]:
            raise Rejected("sha256")
        files[f["name"]] = content
    return manifest, files


DOC = json.loads((VECTORS / "vectors.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("v", DOC["vectors"], ids=lambda v: f"{v['file']}:{v.get('error', 'ok')}")
def test_spec_reader_agrees_with_the_vectors(v):
    data = (VECTORS / v["file"]).read_bytes()
    if v["valid"]:
        manifest, files = spec_open(data, v["password"])
        assert manifest == v["manifest"]
        assert files == {k: bytes.fromhex(h) for k, h in v["files"].items()}
    else:
        with pytest.raises(Rejected):
            spec_open(data, v["password"])


@pytest.mark.parametrize("sizes", [[0], [1], [65535, 1], [65536], [3 * 65536 + 5, 0, 7]])
def test_spec_reader_opens_what_crypto_writes(tmp_path, sizes):
    from tests.crypto.conftest import seal
    files = {f"f{i}.csv": os.urandom(s) for i, s in enumerate(sizes)}
    pkg, pw, _ = seal(tmp_path, files)
    manifest, got = spec_open(pkg.read_bytes(), pw.reveal())
    assert got == files
