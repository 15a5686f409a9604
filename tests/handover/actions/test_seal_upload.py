"""Sealing an extract that arrives as a stream (packages.Upload: the web page's upload), read
once straight into the encryption: the package opens to the very bytes sent, and a stream
shorter or longer than declared is refused with nothing recorded and nothing left behind."""

from __future__ import annotations

import pytest

from handover import actions, packages
from handover.errors import HandoverError
from tests.handover.support import TINY_KDF, capture_passwords


def _stream(data: bytes, chunk: int = 7000):
    """readinto over `data`, in uneven pieces as a network would deliver them."""
    pos = 0

    def readinto(view: memoryview) -> int:
        nonlocal pos
        n = min(len(view), chunk, len(data) - pos)
        view[:n] = data[pos:pos + n]
        pos += n
        return n
    return readinto


def _extract(rows: int = 5000) -> bytes:
    return ("番号,氏名\n" + "".join(f"{i},見本 {i}\n" for i in range(rows))).encode()


def _seal(w, upload):
    return actions.seal_extract(w.j, w.taro, w.case_id, [upload], medium_kind="dvd-r",
                                content="見本データ", out_dir=w.tmp / "out",
                                notice_dir=w.tmp / "notices", kdf_params=TINY_KDF)


def test_an_uploaded_extract_is_sealed_as_it_arrives(world, monkeypatch):
    passwords = capture_passwords(monkeypatch)
    data = _extract()
    sealed = _seal(world, packages.Upload("extract.csv", len(data), _stream(data)))
    assert sealed.record_count == 5000 and sealed.file_count == 1
    manifest = packages.open_package(sealed.package_path, world.tmp / "opened", passwords[0])
    assert (world.tmp / "opened" / "extract.csv").read_bytes() == data
    assert manifest.files[0].records == 5000


@pytest.mark.parametrize("declared, message", [
    (+1, "ended after"),                 # the upload was cut short
    (-1, "longer than its declared"),    # more arrived than declared
])
def test_an_upload_of_another_size_than_declared_is_refused(world, declared, message):
    data = _extract(100)
    size = world.size()
    with pytest.raises(HandoverError, match=message):
        _seal(world, packages.Upload("extract.csv", len(data) + declared, _stream(data)))
    assert world.size() == size
    left = [p for d in ("out", "notices") for p in (world.tmp / d).glob("*")] \
        if (world.tmp / "out").exists() else []
    assert left == []
