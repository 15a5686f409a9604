"""Chunked AEAD for the payload: the STREAM construction (Hoang, Reyhanitabar, Rogaway,
Vizár 2015) as age and Tink use it (docs/package-format.md, "Payload").

The payload is cut into chunks of `chunk_size` plaintext bytes (the last may be shorter,
and is empty only when the whole payload is). Chunk i is sealed with AES-256-GCM under the
payload key with the 96-bit nonce

    nonce_i = i as 11 bytes big-endian ‖ (0x01 if i is the last chunk else 0x00)

and no associated data. The counter stops reordering, swapping and dropping chunks; the
last-chunk flag stops truncation at a chunk boundary (a chunk sealed as "not last" never
opens as the last one). The payload key is unique per package, so (key, nonce) never repeats.

StreamWriter and StreamReader own the chunk counter and the last-chunk flag, as age's
internal/stream Writer and Reader do: callers hand over one batch of whole chunks at a time
(memory stays bounded) and never compute a nonce themselves.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import PackageDamaged

TAG_LEN = 16
_LAST = b"\x01"
_NOT_LAST = b"\x00"


def chunk_count(payload_size: int, chunk_size: int) -> int:
    """Number of chunks: at least one, so an empty payload still carries a last-chunk tag."""
    return max(1, -(-payload_size // chunk_size))


def ciphertext_size(payload_size: int, chunk_size: int) -> int:
    return payload_size + TAG_LEN * chunk_count(payload_size, chunk_size)


def nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (_LAST if last else _NOT_LAST)


class ChunkSealer:
    def __init__(self, key: bytes):
        self._aead = AESGCM(key)

    def seal_into(self, counter: int, last: bool, plaintext, out) -> None:
        """Write len(plaintext) + 16 bytes of ciphertext and tag into `out`."""
        self._aead.encrypt_into(nonce(counter, last), plaintext, None, out)


def _damaged(counter: int, chunk_size: int) -> PackageDamaged:
    # Chunks are numbered from 1 in messages; the nonce counter starts at 0.
    return PackageDamaged(
        f"chunk {counter + 1} is damaged or was tampered with",
        f"chunk {counter + 1} (payload bytes from {counter * chunk_size}) does not authenticate; "
        f"copy the package again from the medium or ask the sender for a new one",
        part="chunk", chunk=counter + 1)


class ChunkOpener:
    def __init__(self, key: bytes, chunk_size: int):
        self._aead = AESGCM(key)
        self._chunk_size = chunk_size

    def open_into(self, counter: int, last: bool, ciphertext, out) -> None:
        """Authenticate and decrypt one chunk into `out` (len(ciphertext) - 16 bytes).

        Raises PackageDamaged naming the chunk; if the chunk expected to be last is a
        valid middle chunk, the stream was cut short and the error says "truncated"."""
        try:
            self._aead.decrypt_into(nonce(counter, last), ciphertext, None, out)
            return
        except InvalidTag:
            pass
        if last:
            try:
                self._aead.decrypt_into(nonce(counter, False), ciphertext, None, out)
            except InvalidTag:
                pass
            else:
                raise PackageDamaged(
                    f"the package is truncated after chunk {counter + 1}",
                    "the payload stops at a chunk boundary before its last chunk; "
                    "copy the package again from the medium", part="truncated",
                    chunk=counter + 1)
        raise _damaged(counter, self._chunk_size)


class StreamWriter:
    """Seals a payload of `payload_size` bytes, batch by batch, in order. Every batch but
    the last must be a whole number of chunks."""

    def __init__(self, key: bytes, chunk_size: int, payload_size: int):
        self._sealer = ChunkSealer(key)
        self.chunk_size = chunk_size
        self.chunks = chunk_count(payload_size, chunk_size)
        self.counter = 0

    @property
    def done(self) -> bool:
        return self.counter == self.chunks

    def seal_batch(self, plaintext: memoryview, out: memoryview) -> int:
        """Seal `plaintext` into `out`; returns the ciphertext length written."""
        pos = 0
        for start in range(0, max(len(plaintext), 1), self.chunk_size):
            if self.done:
                raise ValueError("more plaintext than the payload size")
            end = min(start + self.chunk_size, len(plaintext))
            size = end - start + TAG_LEN
            self._sealer.seal_into(self.counter, self.counter == self.chunks - 1,
                                   plaintext[start:end], out[pos:pos + size])
            pos += size
            self.counter += 1
        return pos


class StreamReader:
    """Opens a payload of `payload_size` bytes, batch by batch, in order: the flag says
    last only on the chunk the header's sizes make last."""

    def __init__(self, key: bytes, chunk_size: int, payload_size: int):
        self._opener = ChunkOpener(key, chunk_size)
        self.stride = chunk_size + TAG_LEN
        self.chunks = chunk_count(payload_size, chunk_size)
        self.counter = 0

    def open_batch(self, ciphertext: memoryview, out: memoryview) -> int:
        """Authenticate and decrypt whole chunks (the last may be short) from `ciphertext`
        into `out`; returns the plaintext length written."""
        pos = opos = 0
        while pos < len(ciphertext):
            end = min(pos + self.stride, len(ciphertext))
            size = end - pos - TAG_LEN
            self._opener.open_into(self.counter, self.counter == self.chunks - 1,
                                   ciphertext[pos:end], out[opos:opos + size])
            opos += size
            pos = end
            self.counter += 1
        return opos
