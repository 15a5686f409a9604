"""A second package reader, written from docs/package-format.md alone: it imports nothing
from crypto/, only the primitives. If it opens what crypto/ writes (and rejects what crypto/
rejects), the spec is precise enough to write a compatible decryptor from."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import re
import struct
import sys
from datetime import datetime
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
        plain = AESGCM(hkdf(file_key, nonce, b"handover/v1 manifest")).decrypt(
            bytes(12), data[M + 4:], None)
    except Exception:
        raise Rejected("manifest") from None
    manifest = spec_manifest(plain)
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
        if f["rows"] is not None and spec_rows(content) != f["rows"]:
            raise Rejected("rows")  # §8: readers recount
        files[f["name"]] = content
    return manifest, files


def spec_manifest(plain: bytes) -> dict:  # §8
    def pairs(items):
        keys = [k for k, _ in items]
        if len(keys) != len(set(keys)):
            raise Rejected("duplicate key")
        return dict(items)

    def constant(name):
        raise Rejected(f"{name} is not JSON")
    if plain.startswith(b"\xef\xbb\xbf"):
        raise Rejected("BOM")
    try:
        doc = json.loads(plain.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Rejected("not UTF-8 JSON") from None
    if not isinstance(doc, dict) or any(k not in doc for k in
                                        ("format", "version", "package_id", "created", "files")):
        raise Rejected("missing key")
    if doc["format"] != "handover-manifest" or type(doc["version"]) is not int \
            or doc["version"] != 1 or not isinstance(doc["package_id"], str):
        raise Rejected("format, version or package_id")
    if not (isinstance(doc["created"], str)
            and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z",
                             doc["created"])):
        raise Rejected("created")
    try:
        datetime.strptime(doc["created"], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise Rejected("created") from None
    for f in doc["files"]:
        if any(k not in f for k in ("name", "size", "sha256", "rows")):
            raise Rejected("missing file key")
        if f["name"].lower().endswith(".csv"):
            if type(f["rows"]) is not int or f["rows"] < 0:
                raise Rejected("rows of a .csv")
        elif f["rows"] is not None:
            raise Rejected("rows of a non-CSV")
        header = f.get("header")  # optional
        if header is not None and (not f["name"].lower().endswith(".csv")
                                   or not isinstance(header, bool)
                                   or (header and f["rows"] == 0)):
            raise Rejected("header")
    return doc


def spec_rows(content: bytes) -> int:  # §8, "Row counts"
    csv.field_size_limit(sys.maxsize)  # no field size limit
    text = io.TextIOWrapper(io.BytesIO(content), encoding="iso-8859-1", newline="")
    return sum(1 for record in csv.reader(text) if record)


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


def test_spec_reader_counts_rows_as_crypto_does(tmp_path):
    from tests.crypto.conftest import seal
    files = {"a.csv": b'id,x\r\n1,"two\r\nlines"\r\n\r\n2,' + b"y" * 200_000 + b"\x85\x0b\n3",
             "b.txt": b"a\nb\n"}
    pkg, pw, sealed = seal(tmp_path, files)
    manifest, _ = spec_open(pkg.read_bytes(), pw.reveal())
    assert [f["rows"] for f in manifest["files"]] == [4, None]
    assert [f.rows for f in sealed.manifest.files] == [4, None]


def test_spec_reader_refuses_the_manifest_defects_crypto_refuses(tmp_path):
    from crypto import FormatError, verify_package
    from tests.crypto.conftest import replace_manifest
    from tests.crypto.test_manifest import DEFECTS, consistent, manifest_doc, seal_matching
    pkg, pw, sealed = seal_matching(tmp_path, "spec-defects")
    original = pkg.read_bytes()
    good = consistent(json.dumps(manifest_doc()).encode(), sealed)
    replace_manifest(pkg, "spec-defects", good)  # the baseline opens in both readers
    spec_open(pkg.read_bytes(), pw.reveal())
    verify_package(pkg, pw)
    for name, plain, _ in DEFECTS:
        pkg.write_bytes(original)
        replace_manifest(pkg, "spec-defects", consistent(plain, sealed))
        with pytest.raises(Rejected):
            spec_open(pkg.read_bytes(), pw.reveal())
        with pytest.raises(FormatError, match="the package manifest is invalid"):
            verify_package(pkg, pw)


def test_spec_reader_reads_the_header_crypto_records(tmp_path):
    from crypto import generate_password, seal_package
    from tests.crypto.conftest import TINY_KDF
    (tmp_path / "a.csv").write_bytes(b"id,x\n1,a\n2,b\n")
    (tmp_path / "b.txt").write_bytes(b"x")
    pw = generate_password()
    sealed = seal_package([tmp_path / "a.csv", tmp_path / "b.txt"], tmp_path / "p.hop", pw,
                          kdf_params=TINY_KDF, csv_header=True)
    manifest, _ = spec_open((tmp_path / "p.hop").read_bytes(), pw.reveal())
    assert [(f["rows"], f.get("header")) for f in manifest["files"]] == [(3, True), (None, None)]
    assert [f.records for f in sealed.manifest.files] == [2, None]
