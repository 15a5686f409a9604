"""The STREAM layer on its own: counter nonces and the last-chunk flag stop reordering and
truncation even without the header's length."""

from __future__ import annotations

import os

import pytest

from crypto import PackageDamaged
from crypto.stream import ChunkOpener, ChunkSealer, chunk_count, ciphertext_size, nonce

KEY = bytes(range(32))


def seal_all(chunks: list[bytes]) -> list[bytes]:
    s = ChunkSealer(KEY)
    out = []
    for i, c in enumerate(chunks):
        buf = bytearray(len(c) + 16)
        s.seal_into(i, i == len(chunks) - 1, c, buf)
        out.append(bytes(buf))
    return out


def open_all(cts: list[bytes]) -> list[bytes]:
    o = ChunkOpener(KEY, 1024)
    out = []
    for i, c in enumerate(cts):
        buf = bytearray(len(c) - 16)
        o.open_into(i, i == len(cts) - 1, c, buf)
        out.append(bytes(buf))
    return out


def test_nonce_layout():
    assert nonce(0, False) == bytes(12)
    assert nonce(1, True) == bytes(10) + b"\x01\x01"
    assert nonce(2**88 - 1, False) == b"\xff" * 11 + b"\x00"


def test_sizes():
    assert chunk_count(0, 1024) == 1 and ciphertext_size(0, 1024) == 16
    assert chunk_count(1024, 1024) == 1 and chunk_count(1025, 1024) == 2
    assert ciphertext_size(2048, 1024) == 2048 + 32


def test_round_trip():
    chunks = [os.urandom(1024), os.urandom(1024), os.urandom(10)]
    assert open_all(seal_all(chunks)) == chunks


def test_dropping_the_last_chunks_is_truncation():
    cts = seal_all([os.urandom(1024) for _ in range(4)])
    for keep in (1, 2, 3):
        with pytest.raises(PackageDamaged) as e:
            open_all(cts[:keep])
        assert e.value.part == "truncated" and e.value.chunk == keep
        assert e.value.message == f"the package is truncated after chunk {keep}"


def test_reordering_fails_at_the_first_misplaced_chunk():
    cts = seal_all([os.urandom(1024) for _ in range(4)])
    cts[1], cts[2] = cts[2], cts[1]
    with pytest.raises(PackageDamaged) as e:
        open_all(cts)
    assert e.value.part == "chunk" and e.value.chunk == 2
    assert e.value.message == "chunk 2 is damaged or was tampered with"


def test_appending_a_chunk_fails():
    cts = seal_all([os.urandom(1024) for _ in range(2)])
    with pytest.raises(PackageDamaged):
        open_all(cts + [cts[0]])


@pytest.mark.parametrize("size", [0, 1, 1024, 1025, 5 * 1024 + 3])
@pytest.mark.parametrize("batch_chunks", [1, 2, 8])
def test_stream_writer_and_reader_own_the_flag(size, batch_chunks):
    """Batches of whole chunks in, the same bytes out; only the chunk the size makes last
    carries the flag, whatever the batching."""
    from crypto.stream import StreamReader, StreamWriter
    data = os.urandom(size)
    writer = StreamWriter(KEY, 1024, size)
    ct = bytearray()
    step = batch_chunks * 1024
    for start in range(0, max(size, 1), step):
        piece = memoryview(data)[start:start + step]
        out = bytearray(len(piece) + 16 * batch_chunks)
        ct += out[:writer.seal_batch(piece, memoryview(out))]
    assert writer.done and len(ct) == ciphertext_size(size, 1024)
    assert seal_all([data[i:i + 1024] for i in range(0, max(size, 1), 1024)] or [b""]) == \
        [bytes(ct[i:i + 1040]) for i in range(0, len(ct), 1040)]
    reader = StreamReader(KEY, 1024, size)
    plain = bytearray(size)
    assert reader.open_batch(memoryview(ct), memoryview(plain)) == size
    assert plain == data
    with pytest.raises(ValueError, match="more plaintext"):
        writer.seal_batch(memoryview(b"x"), memoryview(bytearray(17)))


def test_stream_reader_names_a_cut_at_a_chunk_boundary():
    from crypto.stream import StreamReader, StreamWriter
    data = os.urandom(3 * 1024)
    ct = bytearray(len(data) + 48)
    StreamWriter(KEY, 1024, len(data)).seal_batch(memoryview(data), memoryview(ct))
    # A reader told the payload is 2 chunks meets chunk 2 sealed as "not last".
    with pytest.raises(PackageDamaged, match="truncated after chunk 2"):
        StreamReader(KEY, 1024, 2048).open_batch(memoryview(ct)[:2 * 1040],
                                                 memoryview(bytearray(2048)))
