"""Coverage-guided fuzzing of the header parser with atheris (optional; not run by pytest).

    pip install atheris
    python tests/crypto/fuzz_header_atheris.py -max_total_time=300

The property is the same as tests/crypto/test_header.py's hypothesis fuzz tests: any input
yields a Header or a CryptoError, never another exception. Half of the inputs get a valid
checksum recomputed, so the fuzzer also reaches the structural checks behind it.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports():
    from crypto import CryptoError
    from crypto import header as hdr


def _with_checksum(data: bytes) -> bytes:
    if len(data) < hdr.PREFIX_LEN + 64:
        return data
    length = min(len(data), hdr.MAX_HEADER_LEN)
    body = bytearray(data[:length - 64])
    body[:8] = hdr.MAGIC
    body[8:10] = b"\x00\x01"
    body[10:12] = length.to_bytes(2, "big")
    return bytes(body) + hashlib.sha256(body).digest() + data[length - 32:length]


def test_one_input(data: bytes) -> None:
    if data[:1] == b"\x00":
        data = _with_checksum(data[1:])
    try:
        h = hdr.parse_header(data)
    except CryptoError:
        return
    assert h.length <= len(data)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
