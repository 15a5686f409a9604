"""Generate the package known-answer vectors in this directory (see README.md).

    python tests/vectors/package/make_vectors.py          # from the repository root

Everything random comes from SHAKE-256 of a fixed label and the time is fixed, through the
private seam `crypto.package._seal(rng=…, now=…, chunk_size=…)`, so the output is exact and
tests/crypto/test_vectors.py can regenerate it byte for byte. Negative cases are made from
the valid `multi.hop` by one mutation each, and named after it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from crypto import header as hdr, kdf, keys, manifest as mf, stream  # noqa: E402
from crypto.kdf import KdfParams  # noqa: E402
from crypto.package import _seal  # noqa: E402
from crypto.passwords import _generate_password  # noqa: E402

CREATED = datetime(2025, 4, 1, 9, 30, 0, tzinfo=timezone.utc)
KDF = KdfParams(memory_kib=64, iterations=2, lanes=1)  # tiny, so tests run fast


def drbg(label: str):
    """rng(n): the next n bytes of SHAKE-256("handover vectors: " + label)."""
    data = hashlib.shake_256(f"handover vectors: {label}".encode()).digest(4096)
    pos = 0

    def rng(n: int) -> bytes:
        nonlocal pos
        pos += n
        return data[pos - n:pos]
    return rng


PASSWORD = _generate_password(drbg("password"))
OTHER_PASSWORD = _generate_password(drbg("other password"))

INPUTS = {
    "basic": {
        "chunk_size": 65536,
        "package_id": "P-KAT1-0000-0001",
        "files": {"住民一覧.csv": "番号,氏名,住所\r\n1,山田 太郎,\"東京都千代田区\r\n1-1\"\r\n"
                                  "2,佐藤 花子,大阪市\r\n".encode("utf-8")},
    },
    "multi": {
        "chunk_size": 1024,
        "package_id": "P-KAT2-0000-0002",
        "files": {
            "a.csv": b"".join(b'%d,"line\nbreak",x\r\n' % i for i in range(125)),
            "b.bin": hashlib.shake_256(b"b.bin").digest(3000),
            "empty.txt": b"",
        },
    },
}


def build(out: Path) -> list[dict]:
    """Write every vector into `out`; return their descriptions (vectors.json)."""
    vectors = []
    for name, spec in INPUTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for fname, data in spec["files"].items():
                (Path(tmp) / fname).write_bytes(data)
                paths.append(Path(tmp) / fname)
            pkg = out / f"{name}.hop"
            pkg.unlink(missing_ok=True)
            sealed = _seal(paths, pkg, PASSWORD, media=None, package_id=spec["package_id"],
                           kdf_params=KDF, progress=None, rng=drbg(name), now=lambda: CREATED,
                           chunk_size=spec["chunk_size"])
        rng = drbg(name)
        file_key, nonce, salt = rng(32), rng(16), rng(16)
        wrap_key = kdf.derive(PASSWORD._kdf_input(), salt, KDF)
        ks = keys.derive_keys(file_key, nonce)
        raw = pkg.read_bytes()
        h = hdr.parse_header(raw)
        vectors.append({
            "file": pkg.name, "valid": True, "password": PASSWORD.reveal(),
            "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest(),
            "header_length": h.length, "chunk_size": h.chunk_size, "chunks": h.chunk_count,
            "manifest_offset": h.manifest_offset, "kdf": KDF.as_dict(),
            "intermediate": {
                "kdf_input": PASSWORD._kdf_input().decode(), "salt": salt.hex(),
                "wrap_key": wrap_key.hex(), "file_key": file_key.hex(),
                "package_nonce": nonce.hex(), "header_key": ks.header.hex(),
                "payload_key": ks.payload.hex(), "manifest_key": ks.manifest.hex(),
            },
            "manifest": sealed.manifest.as_dict(),
            "manifest_json": mf.encode(sealed.manifest).decode("utf-8"),
            "files": {f: data.hex() for f, data in spec["files"].items()},
        })
        if name == "multi":
            vectors += _negatives(out, raw, h)
    return vectors


def _negatives(out: Path, raw: bytes, h: hdr.Header) -> list[dict]:
    stride = h.chunk_size + stream.TAG_LEN
    start = [h.length + i * stride for i in range(h.chunk_count)]
    cases: dict[str, tuple[bytes, str, str, str | None, int | None]] = {}

    def flip(data: bytes, at: int) -> bytes:
        b = bytearray(data)
        b[at] ^= 0x01
        return bytes(b)

    def checksum(header: bytes) -> bytes:
        body = header[:-64]
        return body + hashlib.sha256(body).digest() + header[-32:]

    cases["header-damaged-nonce"] = (flip(raw, 40), "PackageDamaged", "the package header is damaged", "header", None)
    tampered = bytearray(raw[:h.length])
    at = tampered.index(b"P-KAT2")
    tampered[at + 2:at + 6] = b"EVIL"
    cases["header-tampered-id"] = (checksum(bytes(tampered)) + raw[h.length:], "PackageDamaged",
                                   "the package header was tampered with", "header", None)
    cases["header-damaged-mac"] = (flip(raw, h.length - 1), "PackageDamaged",
                                   "the package header was tampered with", "header", None)
    v9 = bytearray(raw)
    v9[8:10] = (9).to_bytes(2, "big")
    cases["unsupported-version-9"] = (bytes(v9), "UnsupportedVersion",
                                      "unsupported package version 9: this tool reads version 1", None, None)
    slot = h.password_slot
    hostile = hdr.encode_header(chunk_size=h.chunk_size, payload_size=h.payload_size,
                                package_nonce=h.package_nonce, package_id=h.package_id,
                                slots=(hdr.PasswordSlot(slot.salt, KdfParams(4 * 1024 * 1024, 1, 1),
                                                        slot.wrapped_key),),
                                header_key=bytes(32))
    cases["hostile-kdf-4gib"] = (hostile + raw[h.length:], "FormatError",
                                 "the package asks for 4096 MiB of memory for its password KDF; "
                                 "this tool accepts at most 64 MiB", None, None)
    cases["damaged-chunk-3"] = (flip(raw, start[2] + 100), "PackageDamaged",
                                "chunk 3 is damaged or was tampered with", "chunk", 3)
    cases["damaged-tag-6"] = (flip(raw, h.manifest_offset - 1), "PackageDamaged",
                              "chunk 6 is damaged or was tampered with", "chunk", 6)
    swapped = raw[:start[1]] + raw[start[2]:start[3]] + raw[start[1]:start[2]] + raw[start[3]:]
    cases["swapped-chunks-2-3"] = (swapped, "PackageDamaged",
                                   "chunk 2 is damaged or was tampered with", "chunk", 2)
    cases["truncated-after-header"] = (raw[:h.length], "PackageDamaged",
                                       "the package is truncated after its header", "truncated", 0)
    for k in range(1, h.chunk_count):
        cases[f"truncated-after-chunk-{k}"] = (raw[:start[k]], "PackageDamaged",
                                              f"the package is truncated after chunk {k}", "truncated", k)
    cases["truncated-inside-chunk-2"] = (raw[:start[1] + 10], "PackageDamaged",
                                         "the package is truncated inside chunk 2", "truncated", 1)
    cases["truncated-inside-manifest"] = (raw[:-1], "PackageDamaged",
                                          "the package is truncated inside its manifest", "truncated", 6)
    cases["damaged-manifest"] = (flip(raw, h.manifest_offset + 10), "PackageDamaged",
                                 "the package manifest is damaged or was tampered with "
                                 "(it does not authenticate)", "manifest", None)
    cases["trailing-data"] = (raw + b"\n", "PackageDamaged",
                              "the package has 1 unexpected byte after its end", "trailing", None)
    cases["text-mode-copy"] = (raw.replace(b"\r\n", b"\n"), "PackageDamaged",
                               "the package header is damaged", "header", None)
    vectors = []
    for name, (data, error, message, part, chunk) in cases.items():
        path = out / f"multi.{name}.hop"
        path.write_bytes(data)
        vectors.append({"file": path.name, "valid": False, "password": PASSWORD.reveal(),
                        "error": error, "message": message, "part": part, "chunk": chunk})
    vectors.append({"file": "multi.hop", "valid": False, "password": OTHER_PASSWORD.reveal(),
                    "error": "WrongPassword", "message": "wrong password", "part": None,
                    "chunk": None})
    return vectors


def main() -> None:
    for old in HERE.glob("*.hop"):
        old.unlink()
    vectors = build(HERE)
    doc = {"source": "tests/vectors/package/make_vectors.py", "format": "docs/package-format.md",
           "vectors": vectors}
    (HERE / "vectors.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
    print(f"wrote {len(vectors)} vectors to {HERE}")


if __name__ == "__main__":
    main()
