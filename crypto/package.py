"""Sealing packages (docs/package-format.md); opening is in crypto/opening.py.

    header ‖ payload chunks ‖ manifest length ‖ manifest

Sealing reads every source once: the plaintext SHA-256 and the CSV row count of each file
and the SHA-256 of the package file are all computed on the way through, and the package is
written to a hidden part file beside the destination (crypto/placement.py).

seal_package() links it into place at once. seal_staged() stops before that and returns a
StagedPackage, so that a caller can record the package (in the custody ledger) first and
release it into place after, or discard it: a kill between the two then leaves a recorded
package whose file is missing, never a package nobody recorded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from crypto import crockford, header as hdr, kdf, keys, manifest as mf, rows, stream
from crypto._pipeline import (BATCH_BYTES, DEPTH, Flusher, Pipeline, Progress,
                              return_freed_memory)
from crypto.errors import CryptoError
from crypto.header import PasswordSlot
from crypto.kdf import DEFAULT_KDF, KdfParams
from crypto.manifest import FileEntry, Manifest
from crypto.media import check_fits
from crypto.opening import inspect_package, open_package, verify_package  # noqa: F401 (API)
from crypto.passwords import Password
from crypto.placement import (PartFile, StagedFile, exists_error, fsync_dir, os_error,
                              unlink_quietly)


@dataclass(frozen=True)
class SealedPackage:
    path: Path
    package_id: str
    sha256: str           # of the whole package file, as `sha256sum` prints it
    size: int
    manifest: Manifest


@dataclass(frozen=True)
class StreamSource:
    """A file that arrives as a stream (an upload read straight from the network), sealed
    without ever being written anywhere in plaintext. `size` is declared up front (the header
    states the payload's length); `readinto(view)` fills as much of `view` as it can and
    returns the count, 0 at the end of the stream. A stream that ends early or goes on past
    `size` is refused, as a file that shrank or grew is."""
    name: str
    size: int
    readinto: Callable[[memoryview], int]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _random_package_id(rng: Callable[[int], bytes]) -> str:
    digits = crockford.encode(rng(10))
    return digits + crockford.check_char(digits)


# ---------------------------------------------------------------------------- seal

def seal_package(sources: Iterable[Path | str], out: Path | str, password: Password, *,
                 media: str | None = None, package_id: str | None = None,
                 kdf_params: KdfParams | None = None,
                 progress: Progress | None = None,
                 csv_header: bool | None = None) -> SealedPackage:
    """Encrypt `sources` into one package at `out` (which must not exist).

    `password` comes from generate_password(). `media` (a key of MEDIA) refuses a package
    that would not fit, before any work. `kdf_params` defaults to DEFAULT_KDF (about 1 s);
    tests pass tiny ones. `package_id` defaults to a random Crockford ID. `csv_header`:
    whether each CSV's first record is a header line (recorded in the manifest, so readers
    can count data records); None records nothing."""
    return _seal(sources, out, password, media=media, package_id=package_id,
                 kdf_params=kdf_params, progress=progress, rng=secrets.token_bytes,
                 now=_utcnow, chunk_size=hdr.DEFAULT_CHUNK_SIZE, csv_header=csv_header)


@dataclass
class StagedPackage:
    """A sealed package, complete and fsynced under a hidden name beside its destination
    (`file.temp`), not yet released. Record `package` (its ID and SHA-256 are final), then
    call release(), or discard() if recording failed."""

    package: SealedPackage   # .path is the final destination
    file: StagedFile

    def release(self) -> SealedPackage:
        """Link the package into place (never replacing a file); raises OutputExists if
        something took its name meanwhile, leaving the staged file for the caller."""
        try:
            self.file.release()
        except OSError as e:
            raise os_error("place the package", e) from None
        return self.package

    def discard(self) -> None:
        self.file.discard()


def seal_staged(sources: Iterable[Path | str], out: Path | str, password: Password, *,
                media: str | None = None, package_id: str | None = None,
                kdf_params: KdfParams | None = None,
                progress: Progress | None = None,
                csv_header: bool | None = None) -> StagedPackage:
    """seal_package() up to, not including, giving the package its name `out`.
    Pair it with crypto.stage_bytes() for the password notice; release both after
    recording, or discard both."""
    return _stage(sources, out, password, media=media, package_id=package_id,
                 kdf_params=kdf_params, progress=progress, rng=secrets.token_bytes,
                 now=_utcnow, chunk_size=hdr.DEFAULT_CHUNK_SIZE, csv_header=csv_header)


def _seal(sources, out, password, *, into=None, **seam) -> SealedPackage:
    # Private seam: rng, now and chunk_size are injectable so the known-answer vectors in
    # tests/vectors/package/ are exact; `into` (an open binary file, e.g. /dev/null for the
    # benchmark) replaces the write to `out`.
    if into is not None:
        return _stage(sources, out, password, into=into, **seam)
    staged = _stage(sources, out, password, **seam)
    try:
        return staged.release()
    except BaseException:
        staged.discard()
        raise


def _stage(sources, out, password, *, media, package_id, kdf_params, progress,
           rng: Callable[[int], bytes], now: Callable[[], datetime],
           chunk_size: int, into=None, csv_header: bool | None = None):
    if not isinstance(password, Password):
        raise TypeError("seal_package() needs a Password from generate_password()")
    sources = [s if isinstance(s, StreamSource) else Path(s) for s in sources]
    out = Path(out)
    if not sources:
        raise CryptoError("nothing to seal", "give at least one file")
    mf.check_names([s.name for s in sources], error=CryptoError)
    sizes = []
    for s in sources:
        if isinstance(s, StreamSource):
            if not isinstance(s.size, int) or s.size < 0:
                raise CryptoError(f"{s.name}: the declared size {s.size!r} is not a byte count")
            sizes.append(s.size)
            continue
        try:
            st = os.stat(s)
        except OSError as e:
            raise os_error("read", e) from None
        if not stat.S_ISREG(st.st_mode):
            raise CryptoError(f"{s.name} is not a regular file", "seal files, not directories")
        sizes.append(st.st_size)
    if len(sources) > mf.MAX_FILES:
        raise CryptoError(f"{len(sources)} files is more than the {mf.MAX_FILES} a package holds",
                          "split the files over several packages")
    kdf_params = kdf_params or DEFAULT_KDF
    kdf.check_params(kdf_params)  # never write what a reader would refuse
    package_id = package_id or _random_package_id(rng)
    hdr.check_package_id(package_id)
    if not (hdr.MIN_CHUNK_SIZE <= chunk_size <= hdr.MAX_CHUNK_SIZE
            and chunk_size & (chunk_size - 1) == 0):
        raise ValueError("chunk size must be a power of two from 1 KiB to 1 MiB")

    # Refuse before any work: the size is known exactly except for the digits of the row
    # counts, for which the bound assumes the largest possible.
    payload_size = sum(sizes)
    placeholder = PasswordSlot(bytes(16), kdf_params, bytes(keys.WRAPPED_KEY_LEN))
    bound = (hdr.header_length(package_id, (placeholder,))
             + stream.ciphertext_size(payload_size, chunk_size)
             + mf.sealed_size_bound(package_id, [(s.name, n, rows.is_csv(s.name))
                                                 for s, n in zip(sources, sizes)],
                                    csv_header=csv_header is not None))
    check_fits(media, bound)
    if into is None and os.path.lexists(out):
        raise exists_error(out, "packages never overwrite files; choose a new name")
    if into is None and not out.parent.is_dir():
        raise CryptoError(f"the directory {out.parent} does not exist")

    file_key, package_nonce, salt = rng(keys.FILE_KEY_LEN), rng(hdr.NONCE_LEN), rng(kdf.SALT_LEN)
    wrap_key = kdf.derive(password._kdf_input(), salt, kdf_params)
    slot = PasswordSlot(salt, kdf_params, keys.wrap_file_key(wrap_key, file_key))
    ks = keys.derive_keys(file_key, package_nonce)
    header = hdr.encode_header(chunk_size=chunk_size, payload_size=payload_size,
                               package_nonce=package_nonce, package_id=package_id,
                               slots=(slot,), header_key=ks.header)
    created = now().astimezone(timezone.utc).replace(microsecond=0)

    if into is not None:
        digest, written, manifest = _write_package(
            into, header, ks, sources, sizes, chunk_size, package_id, created, progress,
            csv_header=csv_header)
        return_freed_memory()
        return SealedPackage(out, package_id, digest, written, manifest)
    try:
        # Named, not anonymous: it must survive until the caller releases it.
        part = PartFile(out.parent, anonymous=False)
    except OSError as e:
        raise os_error("write the package in", e) from None
    try:
        with os.fdopen(part.fd, "wb", buffering=0, closefd=False) as f, \
                Flusher(part.fd) as flusher:
            digest, written, manifest = _write_package(
                f, header, ks, sources, sizes, chunk_size, package_id, created, progress,
                flusher.wrote, csv_header=csv_header)
            os.fsync(part.fd)
        os.close(part.fd)
        part.fd = None
    except BaseException as e:
        part.discard()
        if isinstance(e, OSError):
            raise os_error("write the package", e) from None
        raise
    return_freed_memory()
    return StagedPackage(SealedPackage(out, package_id, digest, written, manifest),
                         StagedFile(part.path, out))


def _write_all(f, data: memoryview) -> None:
    # Raw (unbuffered) writes may be partial.
    while data:
        n = f.write(data)
        data = data[n:]


def _write_package(f, header: bytes, ks: keys.PackageKeys, sources: list[Path],
                   sizes: list[int], chunk_size: int, package_id: str, created: datetime,
                   progress: Progress | None,
                   wrote: Callable[[int], None] | None = None, *,
                   csv_header: bool | None = None) -> tuple[str, int, Manifest]:
    """Stream the whole package into the binary file `f`, hashing what is written.
    (bench/bench_package.py calls this with /dev/null.)"""
    package_hash = hashlib.sha256()
    written = 0

    def sink(data: memoryview, _note) -> None:
        nonlocal written
        package_hash.update(data)
        _write_all(f, data)
        written += len(data)
        if wrote is not None:
            wrote(len(data))

    batch = max(1, BATCH_BYTES // chunk_size)
    with Pipeline(sink, batch * (chunk_size + stream.TAG_LEN), DEPTH) as pipe:
        pipe.put_bytes(header)
        entries = _seal_payload(pipe, ks.payload, sources, sizes, chunk_size, batch, progress)
        if csv_header is not None:
            # An empty CSV has no header line, whatever was said.
            entries = [dataclasses.replace(e, header=csv_header and e.rows > 0)
                       if e.rows is not None else e for e in entries]
        manifest = Manifest(package_id, created, tuple(entries))
        pipe.put_bytes(mf.seal(ks.manifest, manifest))
    return package_hash.hexdigest(), written, manifest


class _Stream:
    """A StreamSource read like an unbuffered file."""

    def __init__(self, source: StreamSource):
        self.readinto = source.readinto

    def read(self, n: int) -> bytes:
        extra = bytearray(n)
        return bytes(extra[:self.readinto(memoryview(extra))])

    def close(self) -> None:
        pass


class _Source:
    """One input file, read once. The caller thread reads it; the hashing stage computes
    its SHA-256 and row count from the same buffers. (Counting here rather than in the
    caller thread is measured: bench/bench_seal_stages.py, docs/PERFORMANCE.md.)"""

    def __init__(self, path: Path | StreamSource, size: int):
        self.path, self.size, self.remaining = path, size, size
        self.digest = hashlib.sha256()
        self.rows = rows.RowCounter(size) if rows.is_csv(path.name) else None
        if isinstance(path, StreamSource):
            self.file = _Stream(path)
            return
        try:
            self.file = open(path, "rb", buffering=0)
        except OSError as e:
            raise os_error("read", e) from None

    def read_into(self, view: memoryview) -> None:
        got = 0
        while got < len(view):
            try:
                n = self.file.readinto(view[got:])
            except OSError as e:
                raise os_error("read", e) from None
            if not n:
                if isinstance(self.path, StreamSource):
                    raise CryptoError(f"{self.path.name} ended after {self.size - self.remaining + got} "
                                      f"of its {self.size} declared bytes",
                                      "the upload was cut short; send the file again")
                raise CryptoError(f"{self.path.name} shrank while it was being sealed",
                                  "seal a file nobody is writing to")
            got += n
        self.remaining -= len(view)

    def hash(self, view: memoryview) -> None:  # in the hashing stage
        self.digest.update(view)
        if self.rows is not None:
            self.rows.update(view)

    def close_checked(self) -> None:
        try:
            extra = self.file.read(1)
        finally:
            self.file.close()
        if extra and isinstance(self.path, StreamSource):
            raise CryptoError(f"{self.path.name} is longer than its declared {self.size} bytes",
                              "send the file again, declaring its real size")
        if extra:
            raise CryptoError(f"{self.path.name} grew while it was being sealed",
                              "seal a file nobody is writing to")

    def entry(self) -> FileEntry:
        return FileEntry(self.path.name, self.size, self.digest.hexdigest(),
                         self.rows.finish() if self.rows is not None else None)


def _hash_plaintext(view: memoryview, segments) -> None:
    for source, start, end in segments:
        source.hash(view[start:end])


def _seal_payload(writer: Pipeline, key: bytes, sources: list[Path], sizes: list[int],
                  chunk_size: int, batch: int, progress: Progress | None) -> list[FileEntry]:
    """Read the sources as one concatenated stream and encrypt it chunk by chunk. The
    plaintext batches go on to a hashing stage, the ciphertext to `writer`. Returns the
    manifest entries."""
    total = sum(sizes)
    chunks = stream.StreamWriter(key, chunk_size, total)
    opened: list[_Source] = []
    pending = list(zip(sources, sizes))
    pending.reverse()
    current: _Source | None = None
    done = 0
    try:
        with Pipeline(_hash_plaintext, batch * chunk_size, DEPTH) as hasher:
            while not chunks.done:
                # Fill one batch of plaintext from as many files as it takes.
                plain = hasher.buffer()
                pview = memoryview(plain)
                filled = 0
                segments = []
                while filled < len(plain):
                    if current is None:
                        if not pending:
                            break
                        current = _Source(*pending.pop())
                        opened.append(current)
                    want = min(current.remaining, len(plain) - filled)
                    current.read_into(pview[filled:filled + want])
                    segments.append((current, filled, filled + want))
                    filled += want
                    if current.remaining == 0:
                        current.close_checked()
                        current = None
                # Encrypt the batch's chunks into one writer buffer.
                out = writer.buffer()
                length = chunks.seal_batch(pview[:filled], memoryview(out))
                hasher.put(plain, filled, segments)
                writer.put(out, length)
                done += filled
                if progress is not None:
                    progress(done, total)
        # Zero-length files after the last byte still need their entries.
        while pending:
            current = _Source(*pending.pop())
            opened.append(current)
            current.close_checked()
            current = None
    finally:
        if current is not None:
            current.file.close()
    return [s.entry() for s in opened]

