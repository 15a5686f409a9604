"""Header parsing: layout, every check in order, and a hypothesis fuzz target."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from crypto import CryptoError, FormatError, PackageDamaged, UnsupportedVersion
from crypto import header as hdr
from crypto.kdf import KdfParams
from tests.crypto.conftest import with_checksum

SLOT = hdr.PasswordSlot(bytes(16), KdfParams(8, 1, 1), bytes(48))


def make(**kw) -> bytes:
    args = dict(chunk_size=65536, payload_size=100, package_nonce=bytes(16), package_id="P-1",
                slots=(SLOT,), header_key=bytes(32))
    args.update(kw)
    return hdr.encode_header(**args)


def test_layout():
    raw = make()
    assert raw[:8] == b"\x89HOP\r\n\x1a\n"
    assert struct.unpack(">HHIQQ", raw[8:32]) == (1, len(raw), 65536, 100, len(raw) + 116)
    h = hdr.parse_header(raw + b"payload follows")
    assert h.package_id == "P-1" and h.chunk_count == 1 and h.password_slot == SLOT
    assert h.mac_is_valid(bytes(32)) and not h.mac_is_valid(bytes(31) + b"\x01")
    assert hdr.header_length("P-1", (SLOT,)) == len(raw)


def test_not_a_package():
    for data in (b"", b"PK\x03\x04 a zip file", b"a,b,c\n1,2,3\n" * 20):
        with pytest.raises(FormatError, match="not a handover package"):
            hdr.parse_header(data)


def test_text_mode_copy_is_damage():
    raw = make().replace(b"\r\n", b"\n", 1)
    with pytest.raises(PackageDamaged, match="damaged"):
        hdr.parse_header(raw)


def test_unsupported_version():
    raw = bytearray(make())
    raw[8:10] = (9).to_bytes(2, "big")
    with pytest.raises(UnsupportedVersion) as e:
        hdr.parse_header(bytes(raw))
    assert e.value.message == "unsupported package version 9: this tool reads version 1"
    assert e.value.version == 9


def test_truncated_header():
    raw = make()
    for n in (1, 5, 11, 12, 40, len(raw) - 1):
        with pytest.raises(PackageDamaged) as e:
            hdr.parse_header(raw[:n])
        assert e.value.part == "truncated"


def test_every_byte_flip_is_caught_before_any_key():
    raw = make()
    for i in range(len(raw) - 32):  # the MAC needs the key: tests/crypto/test_package.py
        for mask in (0x01, 0x80, 0xFF):
            bad = bytearray(raw)
            bad[i] ^= mask
            with pytest.raises(CryptoError):
                hdr.parse_header(bytes(bad))


@pytest.mark.parametrize("field,value,message", [
    ("chunk", 1000, "chunk size"), ("chunk", 512, "chunk size"), ("chunk", 1 << 21, "chunk size"),
    ("offset", 5, "manifest offset"),
])
def test_structural_checks_behind_the_checksum(field, value, message):
    raw = bytearray(make())
    if field == "chunk":
        raw[12:16] = value.to_bytes(4, "big")
    else:
        raw[24:32] = value.to_bytes(8, "big")
    with pytest.raises(FormatError, match=message):
        hdr.parse_header(with_checksum(bytes(raw)))


def test_unknown_slots_are_skipped_but_kept():
    other = hdr.UnknownSlot(7, b"future")
    h = hdr.parse_header(make(slots=(other, SLOT)))
    assert h.slots == (other, SLOT) and h.password_slot == SLOT
    assert hdr.parse_header(make(slots=(other,))).password_slot is None


def test_two_password_slots_are_refused():
    with pytest.raises(FormatError, match="more than one password slot"):
        hdr.parse_header(make(slots=(SLOT, SLOT)))


def test_writer_refuses_bad_ids():
    for bad in ("", "with space", "x" * 65, "日本"):
        with pytest.raises(ValueError):
            make(package_id=bad)


# --- fuzz target: any input gives a Header or a CryptoError, never anything else ---------

def _parse_or_crypto_error(data: bytes) -> None:
    try:
        h = hdr.parse_header(data)
    except CryptoError:
        return
    assert h.length <= len(data)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_fuzz_arbitrary_bytes(data):
    _parse_or_crypto_error(data)
    _parse_or_crypto_error(hdr.MAGIC + data)
    _parse_or_crypto_error(hdr.MAGIC + b"\x00\x01" + data)


@settings(max_examples=800, deadline=None)
@given(st.data())
def test_fuzz_mutated_headers_with_valid_checksums(data):
    """Mutations behind a recomputed checksum reach every structural check."""
    body = bytearray(make(slots=(SLOT, hdr.UnknownSlot(3, b"abc")))[:-64])
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "set"]))
        i = data.draw(st.integers(10, len(body)))
        if op == "flip" and i < len(body):
            body[i] ^= data.draw(st.integers(1, 255))
        elif op == "insert":
            body[i:i] = data.draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del body[i:i + data.draw(st.integers(1, 8))]
        elif op == "set" and i + 4 <= len(body):
            body[i:i + 4] = data.draw(st.sampled_from([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00",
                                                       b"\x00\x00\x00\x01"]))
    # Keep the declared length honest so parsing gets past the checksum.
    if len(body) >= 12:
        body[10:12] = min(len(body) + 64, 0xFFFF).to_bytes(2, "big")
    _parse_or_crypto_error(with_checksum(bytes(body) + bytes(64)) + bytes(100))
