"""Record first, then release: seal_staged() and stage_bytes() write hidden files beside
their destinations, and only release() gives them their names."""

from __future__ import annotations

import hashlib
import os

import pytest

from crypto import (OutputExists, generate_password, open_package, seal_staged, stage_bytes,
                    verify_package)
from tests.crypto.conftest import TINY_KDF


def hidden(directory) -> list[str]:
    return sorted(n for n in os.listdir(directory) if n.startswith("."))


def test_a_staged_package_has_no_name_until_released(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"x,y\n1,2\n")
    (tmp_path / "pkg").mkdir()
    out = tmp_path / "pkg" / "P-1.hop"
    pw = generate_password()
    staged = seal_staged([tmp_path / "a.csv"], out, pw, kdf_params=TINY_KDF, package_id="P-1")
    assert not out.exists() and os.listdir(tmp_path / "pkg") == [staged.file.temp.name]
    assert staged.file.temp.name.startswith(".") and staged.file.temp.stat().st_mode & 0o077 == 0
    # Everything the ledger records is final before release.
    assert staged.package.path == out and staged.package.package_id == "P-1"
    assert staged.package.sha256 == hashlib.sha256(staged.file.temp.read_bytes()).hexdigest()
    assert staged.package.size == staged.file.temp.stat().st_size
    assert staged.package.manifest.files[0].rows == 2
    assert staged.release() == staged.package
    assert os.listdir(tmp_path / "pkg") == ["P-1.hop"]
    assert verify_package(out, pw).files[0].rows == 2


def test_discard_leaves_nothing(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x")
    staged = seal_staged([tmp_path / "a.txt"], tmp_path / "p.hop", generate_password(),
                         kdf_params=TINY_KDF)
    staged.discard()
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_release_never_replaces_a_file_that_took_the_name(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x")
    staged = seal_staged([tmp_path / "a.txt"], tmp_path / "p.hop", generate_password(),
                         kdf_params=TINY_KDF)
    (tmp_path / "p.hop").write_bytes(b"someone else's")
    with pytest.raises(OutputExists, match="p.hop already exists"):
        staged.release()
    assert (tmp_path / "p.hop").read_bytes() == b"someone else's"
    staged.discard()
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "p.hop"]


def test_a_staged_notice_is_released_or_discarded_with_the_package(tmp_path):
    (tmp_path / "n").mkdir()
    notice = stage_bytes(tmp_path / "n" / "notice-N-1.pdf", b"%PDF- the password")
    assert hidden(tmp_path / "n") == [notice.temp.name] and notice.temp.stat().st_mode & 0o077 == 0
    assert notice.release() == tmp_path / "n" / "notice-N-1.pdf"
    assert os.listdir(tmp_path / "n") == ["notice-N-1.pdf"]
    with pytest.raises(OutputExists):
        stage_bytes(tmp_path / "n" / "notice-N-1.pdf", b"again")
    other = stage_bytes(tmp_path / "n" / "notice-N-2.pdf", b"x")
    other.discard()
    assert os.listdir(tmp_path / "n") == ["notice-N-1.pdf"]


def test_seal_package_still_places_at_once(tmp_path):
    from crypto import seal_package
    (tmp_path / "a.txt").write_bytes(b"x")
    pw = generate_password()
    sealed = seal_package([tmp_path / "a.txt"], tmp_path / "p.hop", pw, kdf_params=TINY_KDF)
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "p.hop"] and sealed.path.exists()
    open_package(sealed.path, tmp_path / "out", pw)
