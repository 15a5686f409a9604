"""Packages end to end: round trips at the chunk edges, and every rejection the format
promises, each leaving no plaintext behind."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from crypto import (CryptoError, FormatError, MediaTooSmall, OutputExists, PackageDamaged,
                    UnsupportedVersion, WrongPassword, generate_password, inspect_package,
                    open_package, seal_package, verify_package)
from crypto import header as hdr, manifest as mf
from crypto.kdf import KdfParams
from crypto.package import _seal
from tests.crypto.conftest import (CHUNK, FIXED_TIME, STRIDE, TINY_KDF, replace_manifest, seal,
                                   with_checksum)


def assert_nothing_left(out: Path) -> None:
    assert not out.exists() or list(out.iterdir()) == []


def open_expect(pkg, password, tmp_path, exc=CryptoError):
    out = tmp_path / "out"
    with pytest.raises(exc) as e:
        open_package(pkg, out, password)
    assert_nothing_left(out)
    return e.value


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7,
                                  2 * 1024 * 1024 + 5])
def test_round_trip_sizes(tmp_path, size):
    data = os.urandom(size)
    pkg, pw, sealed = seal(tmp_path, {"data.bin": data})
    assert sealed.size == pkg.stat().st_size
    assert sealed.sha256 == hashlib.sha256(pkg.read_bytes()).hexdigest()
    m = open_package(pkg, tmp_path / "out", pw)
    assert (tmp_path / "out" / "data.bin").read_bytes() == data
    assert m.files[0].sha256 == hashlib.sha256(data).hexdigest() and m.files[0].rows is None
    assert sorted(os.listdir(tmp_path / "out")) == ["data.bin"]  # no temp files left


def test_many_files_including_empty_ones(tmp_path):
    files = {f"f{i:03}.csv": (b"a,b\n" * i) for i in range(300)}
    files["big.bin"] = os.urandom(3 * CHUNK)
    files["zz-empty.txt"] = b""
    pkg, pw, sealed = seal(tmp_path, files)
    m = verify_package(pkg, pw)
    assert [f.name for f in m.files] == list(files)
    assert m.files[5].rows == 5 and m.files[0].rows == 0
    open_package(pkg, tmp_path / "out", pw)
    for name, data in files.items():
        assert (tmp_path / "out" / name).read_bytes() == data


def test_manifest_contents(tmp_path):
    csv_ = "番号,氏名\r\n1,\"山田\r\n太郎\"\r\n2,佐藤\r\n".encode("cp932")
    pkg, pw, sealed = seal(tmp_path, {"住民.csv": csv_, "memo.txt": b"x"})
    m = verify_package(pkg, pw)
    assert m == sealed.manifest
    assert m.package_id == "P-TEST" and m.created == FIXED_TIME
    assert [(f.name, f.size, f.rows) for f in m.files] == [("住民.csv", len(csv_), 3),
                                                           ("memo.txt", 1, None)]
    # Names are personal data: they never appear in the package in clear.
    assert "住民".encode() not in pkg.read_bytes() and b"memo" not in pkg.read_bytes()


def test_typed_password_text_is_accepted(tmp_path):
    pkg, pw, _ = seal(tmp_path, {"a": b"x"})
    verify_package(pkg, pw.reveal().lower().replace("-", " "))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=5), st.data())
def test_property_round_trip(tmp_path_factory, contents, data):
    tmp = tmp_path_factory.mktemp("prop")
    files = {f"{i}.bin": c for i, c in enumerate(contents)}
    pkg, pw, _ = seal(tmp, files, chunk_size=data.draw(st.sampled_from([1024, 2048])))
    open_package(pkg, tmp / "out", pw)
    for name, c in files.items():
        assert (tmp / "out" / name).read_bytes() == c


# --- rejections -------------------------------------------------------------------------

@pytest.fixture
def multi(tmp_path):
    """A 4-chunk package: chunks 1-3 full, chunk 4 short."""
    data = os.urandom(3 * CHUNK + 100)
    pkg, pw, sealed = seal(tmp_path, {"a.bin": data, "b.csv": b"x,y\n"})
    return pkg, pw, hdr.parse_header(pkg.read_bytes())


def mutate(pkg: Path, f) -> None:
    b = bytearray(pkg.read_bytes())
    b = f(b) or b
    pkg.write_bytes(bytes(b))


def test_wrong_password(multi, tmp_path):
    pkg, _, h = multi
    e = open_expect(pkg, generate_password(), tmp_path, WrongPassword)
    assert e.message == "wrong password" and h.package_id in e.hint


def test_every_header_byte_flip_fails(multi, tmp_path):
    pkg, pw, h = multi
    original = pkg.read_bytes()
    for i in range(h.length):
        bad = bytearray(original)
        bad[i] ^= 0x01
        pkg.write_bytes(bytes(bad))
        with pytest.raises(CryptoError) as e:
            verify_package(pkg, pw)
        if 10 <= i < h.length - 32:
            # Past magic and version: accidental damage is named as such, never as a
            # wrong password.
            assert isinstance(e.value, PackageDamaged) and e.value.part in ("header", "truncated")
        if i >= h.length - 32:
            assert e.value.message == "the package header was tampered with"


def test_tampered_header_with_recomputed_checksum(multi, tmp_path):
    pkg, pw, h = multi

    def change_id(b):
        i = b.index(b"P-TEST")
        b[i + 2:i + 6] = b"EVIL"
        return bytearray(with_checksum(bytes(b[:h.length])) + bytes(b[h.length:]))
    mutate(pkg, change_id)
    e = open_expect(pkg, pw, tmp_path, PackageDamaged)
    assert e.message == "the package header was tampered with"


def test_sampled_flips_in_chunks_and_tags(multi, tmp_path):
    pkg, pw, h = multi
    original = pkg.read_bytes()
    rnd = random.Random(7)
    for chunk in range(4):
        start = h.length + chunk * STRIDE
        end = min(start + STRIDE, h.manifest_offset)
        offsets = {start, start + 1, end - 17, end - 16, end - 1,
                   *(rnd.randrange(start, end) for _ in range(4))}
        for off in offsets:
            bad = bytearray(original)
            bad[off] ^= 1 << rnd.randrange(8)
            pkg.write_bytes(bytes(bad))
            e = open_expect(pkg, pw, tmp_path, PackageDamaged)
            assert e.part == "chunk" and e.chunk == chunk + 1
            assert e.message == f"chunk {chunk + 1} is damaged or was tampered with"


def test_flips_in_the_manifest(multi, tmp_path):
    pkg, pw, h = multi
    original = pkg.read_bytes()
    for off in range(h.manifest_offset, len(original), 7):
        bad = bytearray(original)
        bad[off] ^= 0x04
        pkg.write_bytes(bytes(bad))
        e = open_expect(pkg, pw, tmp_path, PackageDamaged)
        assert e.part in ("manifest", "truncated", "trailing")


def test_truncation_at_every_chunk_boundary(multi, tmp_path):
    pkg, pw, h = multi
    original = pkg.read_bytes()
    for k in range(0, 4):
        pkg.write_bytes(original[:h.length + k * STRIDE])
        e = open_expect(pkg, pw, tmp_path, PackageDamaged)
        assert e.part == "truncated"
        if k:
            assert e.message == f"the package is truncated after chunk {k}"
    for cut in (h.length + STRIDE + 5, h.manifest_offset, h.manifest_offset + 2,
                len(original) - 1, 3, hdr.PREFIX_LEN + 1):
        pkg.write_bytes(original[:cut])
        assert open_expect(pkg, pw, tmp_path, PackageDamaged).part == "truncated"


def test_chunk_swap(multi, tmp_path):
    pkg, pw, h = multi

    def swap(b):
        a, c = h.length + STRIDE, h.length + 2 * STRIDE
        b[a:c], b[c:c + STRIDE] = b[c:c + STRIDE], b[a:c]
    mutate(pkg, swap)
    e = open_expect(pkg, pw, tmp_path, PackageDamaged)
    assert e.part == "chunk" and e.chunk == 2


def test_chunk_from_another_package_fails(tmp_path, multi):
    pkg, pw, h = multi
    other, _, _ = seal(tmp_path, {"a.bin": os.urandom(3 * CHUNK + 100), "b.csv": b"x,y\n"},
                       name="other.hop", password=pw)
    foreign = other.read_bytes()[h.length:h.length + STRIDE]
    mutate(pkg, lambda b: b.__setitem__(slice(h.length, h.length + STRIDE), foreign))
    assert open_expect(pkg, pw, tmp_path, PackageDamaged).chunk == 1


@pytest.mark.parametrize("extra", [b"\x00", b"garbage" * 100])
def test_appended_data(multi, tmp_path, extra):
    pkg, pw, _ = multi
    mutate(pkg, lambda b: b.extend(extra))
    e = open_expect(pkg, pw, tmp_path, PackageDamaged)
    assert e.part == "trailing"
    assert e.message == ("the package has 1 unexpected byte after its end" if len(extra) == 1 else
                         f"the package has {len(extra):,} unexpected bytes after its end")


def test_unsupported_version(multi, tmp_path):
    pkg, pw, _ = multi
    mutate(pkg, lambda b: b.__setitem__(slice(8, 10), b"\x00\x09"))
    e = open_expect(pkg, pw, tmp_path, UnsupportedVersion)
    assert e.message == "unsupported package version 9: this tool reads version 1"


def _forge_manifest(tmp_path, names: list[str]):
    """A package whose (authentic) manifest carries hostile names: only a hostile sealer
    can make one, so we play that sealer with the deterministic seam."""
    pw = generate_password()
    pkg, _, sealed = seal(tmp_path, {f"f{i}": b"data" for i in range(len(names))},
                         password=pw, seed="forge")
    entries = tuple(mf.FileEntry(n, e.size, e.sha256, 1 if n.lower().endswith(".csv") else None)
                    for n, e in zip(names, sealed.manifest.files))
    forged = mf.Manifest(sealed.package_id, sealed.manifest.created, entries)
    replace_manifest(pkg, "forge", mf.encode(forged))
    return pkg, pw


@pytest.mark.parametrize("names,problem", [
    (["../evil"], "path separator"), (["/etc/passwd"], "path separator"),
    (["..\\evil"], "path separator"), ([".."], "relative path"), (["C:evil"], "':'"),
    (["a.csv", "A.CSV"], "appears twice"), (["same", "same"], "appears twice"),
    (["NUL.csv"], "device name"), (["bad\x1b[2J"], "control"), ([""], "empty"),
])
def test_hostile_manifest_names_are_refused(tmp_path, names, problem):
    pkg, pw = _forge_manifest(tmp_path, names)
    e = open_expect(pkg, pw, tmp_path, FormatError)
    assert problem in e.message
    assert not (tmp_path / "evil").exists() and not (tmp_path.parent / "evil").exists()


def test_forged_manifest_with_good_names_opens(tmp_path):
    pkg, pw = _forge_manifest(tmp_path, ["x", "y"])  # the forging helper itself is sound
    open_package(pkg, tmp_path / "out", pw)
    assert sorted(os.listdir(tmp_path / "out")) == ["x", "y"]


def test_refuses_to_overwrite(tmp_path):
    pkg, pw, _ = seal(tmp_path, {"a.txt": b"new", "b.txt": b"new"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.txt").write_bytes(b"old")
    with pytest.raises(OutputExists, match="b.txt already exists"):
        open_package(pkg, out, pw)
    assert sorted(os.listdir(out)) == ["b.txt"] and (out / "b.txt").read_bytes() == b"old"


def test_damaged_last_chunk_leaves_no_earlier_files(tmp_path):
    files = {"a.bin": os.urandom(2 * CHUNK), "b.bin": os.urandom(2 * CHUNK)}
    pkg, pw, _ = seal(tmp_path, files)
    h = hdr.parse_header(pkg.read_bytes())
    mutate(pkg, lambda b: b.__setitem__(h.manifest_offset - 1, b[h.manifest_offset - 1] ^ 1))
    e = open_expect(pkg, pw, tmp_path, PackageDamaged)
    assert e.chunk == 4


def test_seal_refuses_existing_output_and_bad_inputs(tmp_path):
    (tmp_path / "a").write_bytes(b"x")
    (tmp_path / "p.hop").write_bytes(b"precious")
    pw = generate_password()
    with pytest.raises(OutputExists):
        seal_package([tmp_path / "a"], tmp_path / "p.hop", pw, kdf_params=TINY_KDF)
    assert (tmp_path / "p.hop").read_bytes() == b"precious"
    with pytest.raises(CryptoError, match="nothing to seal"):
        seal_package([], tmp_path / "q.hop", pw, kdf_params=TINY_KDF)
    with pytest.raises(CryptoError, match="appears twice"):
        seal_package([tmp_path / "a", tmp_path / "a"], tmp_path / "q.hop", pw,
                     kdf_params=TINY_KDF)
    with pytest.raises(CryptoError, match="cannot read"):
        seal_package([tmp_path / "missing"], tmp_path / "q.hop", pw, kdf_params=TINY_KDF)
    with pytest.raises(TypeError):
        seal_package([tmp_path / "a"], tmp_path / "q.hop", "chosen password",
                     kdf_params=TINY_KDF)
    assert sorted(os.listdir(tmp_path)) == ["a", "p.hop"]


def test_too_large_for_the_medium_is_refused_before_any_work(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:  # sparse: 800 MB without using the disk
        f.truncate(800_000_000)
    calls = []
    with pytest.raises(MediaTooSmall) as e:
        seal_package([big], tmp_path / "p.hop", generate_password(), media="cd-r",
                     kdf_params=KdfParams(64 * 1024, 500, 4),  # would take seconds
                     progress=lambda d, t: calls.append(d))
    assert "CD-R holds 700.0 MB (700,000,000 bytes)" in e.value.message
    assert "the package would be 800.2 MB (800,195,817 bytes)" in e.value.message
    assert e.value.size > 800_000_000 and calls == []
    assert sorted(os.listdir(tmp_path)) == ["big.csv"]


def test_media_bound_is_tight(tmp_path):
    pkg, pw, sealed = seal(tmp_path, {"a.csv": b"a\n" * 1000, "b": b"y" * 5000})
    from crypto import check_fits
    check_fits("cd-r", sealed.size)
    with pytest.raises(MediaTooSmall):
        check_fits("cd-r", 700_000_001)
    check_fits("usb", 10**15)
    check_fits("lgwan", 10**15)


def test_file_changing_while_sealed(tmp_path, monkeypatch):
    src = tmp_path / "a.bin"
    src.write_bytes(os.urandom(3 * CHUNK))
    import crypto.package as package
    real = package._Source.__init__

    def shrink_after_stat(self, path, size):
        real(self, path, size)
        os.truncate(path, CHUNK)
    monkeypatch.setattr(package._Source, "__init__", shrink_after_stat)
    with pytest.raises(CryptoError, match="shrank while it was being sealed"):
        seal_package([src], tmp_path / "p.hop", generate_password(), kdf_params=TINY_KDF)
    assert sorted(os.listdir(tmp_path)) == ["a.bin"]


def test_inspect_needs_no_password(multi):
    pkg, _, h = multi
    pub = inspect_package(pkg)
    assert pub.package_id == "P-TEST" and pub.version == 1 and pub.chunk_size == CHUNK
    assert pub.kdf == TINY_KDF and pub.as_dict()["authenticated"] is False


def test_deterministic_with_the_private_seam(tmp_path):
    pw = generate_password()
    a, _, _ = seal(tmp_path, {"x": b"same"}, name="a.hop", password=pw, seed="s")
    b, _, _ = seal(tmp_path, {"x": b"same"}, name="b.hop", password=pw, seed="s")
    assert a.read_bytes() == b.read_bytes()


def test_progress_reports_every_byte(tmp_path):
    (tmp_path / "a").write_bytes(os.urandom(3 * 1024 * 1024 + 1))
    seen = []
    seal_package([tmp_path / "a"], tmp_path / "p.hop", pw := generate_password(),
                 kdf_params=TINY_KDF, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (3 * 1024 * 1024 + 1,) * 2
    seen.clear()
    verify_package(tmp_path / "p.hop", pw, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (3 * 1024 * 1024 + 1,) * 2


def test_exact_messages_for_a_file_ending_at_h_at_m_or_inside_the_manifest(multi, tmp_path):
    """docs/package-format.md §9, step 10: one message per place the file can end."""
    pkg, pw, h = multi
    original = pkg.read_bytes()
    cases = [(h.length, "the package is truncated after its header", 0),
             (h.manifest_offset, "the package is truncated after its last chunk: its manifest "
                                 "is missing", 4),
             (h.manifest_offset + 1, "the package is truncated inside its manifest", 4),
             (h.manifest_offset + 3, "the package is truncated inside its manifest", 4),
             (h.manifest_offset + 4, "the package is truncated inside its manifest", 4),
             (len(original) - 1, "the package is truncated inside its manifest", 4)]
    for cut, message, chunk in cases:
        pkg.write_bytes(original[:cut])
        e = open_expect(pkg, pw, tmp_path, PackageDamaged)
        assert (e.message, e.part, e.chunk) == (message, "truncated", chunk), cut


def test_a_file_ending_at_h_with_an_empty_payload(tmp_path):
    pkg, pw, _ = seal(tmp_path, {"empty.txt": b""})
    h = hdr.parse_header(pkg.read_bytes())
    pkg.write_bytes(pkg.read_bytes()[:h.length])
    assert open_expect(pkg, pw, tmp_path, PackageDamaged).message == (
        "the package is truncated after its header")


_FREED_PROBE = """
import json, sys
from pathlib import Path
import crypto, crypto.package as package
from crypto._pipeline import return_freed_memory

def rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))

held = []
package.return_freed_memory = lambda: held.append(rss_kib())   # the seal's own call, held back
src, out = Path(sys.argv[1]), Path(sys.argv[2])
# A KDF with real memory, as the command's: glibc raises its mmap threshold when Argon2's
# block is freed, so the seal's buffers then come from (and stay in) the malloc arenas.
crypto.seal_package([src], out, crypto.generate_password(),
                    kdf_params=crypto.KdfParams(memory_kib=16 * 1024, iterations=1, lanes=1))
return_freed_memory()
print(json.dumps({"calls": len(held), "kept": held[0], "returned": rss_kib()}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_a_seal_hands_its_freed_buffers_back_to_the_os(tmp_path):
    # The pipeline's pools and the row counter's arrays are freed into malloc's arenas,
    # which glibc keeps: ~8 MiB that `package seal` would otherwise carry into drawing the
    # notice, its peak (issue 15 §4). A fresh process, so the arenas are the seal's alone.
    src = tmp_path / "export.csv"
    src.write_bytes(b'"id","name"\r\n' + b'"1","\x8eR\x93c \x91\xbe\x98Y"\r\n' * 400_000)
    done = subprocess.run([sys.executable, "-c", _FREED_PROBE, str(src), str(tmp_path / "p.hop")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout)
    assert probe["calls"] == 1
    assert probe["kept"] - probe["returned"] > 4 * 1024, probe
