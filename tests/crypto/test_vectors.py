"""Known-answer vectors (tests/vectors/package/): the committed packages open to the
committed files, every negative case fails with its recorded error, and the generator
reproduces every file byte for byte."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

import crypto
from crypto import kdf, keys, open_package, verify_package
from crypto.kdf import KdfParams

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "package"
DOC = json.loads((VECTORS / "vectors.json").read_text(encoding="utf-8"))
VALID = [v for v in DOC["vectors"] if v["valid"]]
INVALID = [v for v in DOC["vectors"] if not v["valid"]]


def _generator():
    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("v", VALID, ids=lambda v: v["file"])
def test_valid_vector_opens(v, tmp_path):
    pkg = VECTORS / v["file"]
    raw = pkg.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == v["sha256"] and len(raw) == v["size"]
    m = verify_package(pkg, v["password"])
    assert m.as_dict() == v["manifest"]
    open_package(pkg, tmp_path, v["password"])
    for name, content in v["files"].items():
        assert (tmp_path / name).read_bytes() == bytes.fromhex(content)


@pytest.mark.parametrize("v", VALID, ids=lambda v: v["file"])
def test_intermediate_values(v):
    i = v["intermediate"]
    params = KdfParams(v["kdf"]["memory_kib"], v["kdf"]["iterations"], v["kdf"]["lanes"])
    assert kdf.derive(i["kdf_input"].encode(), bytes.fromhex(i["salt"]), params).hex() == i["wrap_key"]
    ks = keys.derive_keys(bytes.fromhex(i["file_key"]), bytes.fromhex(i["package_nonce"]))
    assert (ks.header.hex(), ks.payload.hex(), ks.manifest.hex()) == (
        i["header_key"], i["payload_key"], i["manifest_key"])


@pytest.mark.parametrize("v", INVALID, ids=lambda v: f"{v['file']}:{v['error']}")
def test_invalid_vector_fails_as_recorded(v, tmp_path):
    error = getattr(crypto, v["error"])
    with pytest.raises(error) as e:
        open_package(VECTORS / v["file"], tmp_path / "out", v["password"])
    assert type(e.value) is error
    assert e.value.message == v["message"]
    if v["part"] is not None:
        assert (e.value.part, e.value.chunk) == (v["part"], v["chunk"])
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_generator_reproduces_every_vector(tmp_path):
    vectors = _generator().build(tmp_path)
    assert vectors == DOC["vectors"]
    for path in tmp_path.glob("*.hop"):
        assert path.read_bytes() == (VECTORS / path.name).read_bytes(), path.name
    assert {p.name for p in tmp_path.glob("*.hop")} == {p.name for p in VECTORS.glob("*.hop")}
