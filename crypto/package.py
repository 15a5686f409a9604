"""Sealing, opening, verifying and inspecting packages (docs/package-format.md).

    header ‖ payload chunks ‖ manifest length ‖ manifest

Sealing reads every source once: the plaintext SHA-256 and the CSV row count of each file
and the SHA-256 of the package file are all computed on the way through, and the package is
written to a temporary file beside the destination and renamed into place at the end.

Opening checks everything that can be checked before writing a byte of plaintext (header,
password, header MAC, file size, manifest, output names), then decrypts into temporary files
in the destination directory, and renames them into place only after the last chunk has
authenticated. On any failure the temporary files are removed: no partial plaintext is
ever left behind.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from crypto import crockford, header as hdr, kdf, keys, manifest as mf, rows, stream
from crypto._pipeline import Flusher, Pipeline
from crypto.errors import (CryptoError, FormatError, OutputExists, PackageDamaged,
                           WrongPassword)
from crypto.header import Header, PasswordSlot
from crypto.kdf import DEFAULT_KDF, KdfParams
from crypto.manifest import FileEntry, Manifest
from crypto.media import check_fits
from crypto.passwords import Password, parse_password

Progress = Callable[[int, int], None]
"""Called as progress(bytes_done, bytes_total) after each batch; must not raise."""

# About 1 MiB of chunks per hand-over between the threads: large enough that hashlib and
# write() release the GIL for long stretches, small enough to keep memory low.
_BATCH_BYTES = 1024 * 1024
_PIPELINE_DEPTH = 3
_TMP_SUFFIX = ".handover-part"


@dataclass(frozen=True)
class SealedPackage:
    path: Path
    package_id: str
    sha256: str           # of the whole package file, as `sha256sum` prints it
    size: int
    manifest: Manifest


@dataclass(frozen=True)
class PublicHeader:
    """What anyone can read from a package without the password. Not authenticated:
    only the header checksum has been checked."""

    version: int
    package_id: str
    chunk_size: int
    payload_size: int
    manifest_offset: int
    header_length: int
    kdf: KdfParams | None
    slot_types: tuple[int, ...]

    def as_dict(self) -> dict:
        return {"version": self.version, "package_id": self.package_id,
                "chunk_size": self.chunk_size, "payload_size": self.payload_size,
                "manifest_offset": self.manifest_offset, "header_length": self.header_length,
                "kdf": self.kdf.as_dict() if self.kdf else None,
                "slot_types": list(self.slot_types), "authenticated": False}


# ---------------------------------------------------------------------------- helpers

def _os_error(action: str, e: OSError, hint: str | None = None) -> CryptoError:
    where = f" {Path(e.filename).name}" if e.filename else ""
    return CryptoError(f"cannot {action}{where}: {e.strerror or e}", hint)


def _create_temp(directory: Path) -> tuple[Path, int]:
    """A new, private temporary file in `directory`: O_EXCL, mode 0600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        path = directory / f".{secrets.token_hex(8)}{_TMP_SUFFIX}"
        try:
            return path, os.open(path, flags, 0o600)
        except FileExistsError:
            continue


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _place(tmp: Path, dest: Path) -> None:
    """Rename `tmp` to `dest` without ever replacing an existing `dest`."""
    try:
        os.link(tmp, dest)  # atomic, and fails if dest exists
    except FileExistsError:
        raise OutputExists(f"{dest.name} already exists in {dest.parent}",
                           "packages never overwrite files; choose an empty directory") from None
    except OSError:
        # No hard links (FAT/exFAT USB sticks): check, then rename. Not atomic against a
        # concurrent writer, but never replaces a file that existed when we looked.
        if os.path.lexists(dest):
            raise OutputExists(f"{dest.name} already exists in {dest.parent}",
                               "packages never overwrite files; choose an empty directory") from None
        os.replace(tmp, dest)
        return
    os.unlink(tmp)


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _random_package_id(rng: Callable[[int], bytes]) -> str:
    digits = crockford.encode(rng(10))
    return digits + crockford.check_char(digits)


# ---------------------------------------------------------------------------- seal

def seal_package(sources: Iterable[Path | str], out: Path | str, password: Password, *,
                 media: str | None = None, package_id: str | None = None,
                 kdf_params: KdfParams | None = None,
                 progress: Progress | None = None) -> SealedPackage:
    """Encrypt `sources` into one package at `out` (which must not exist).

    `password` comes from generate_password(). `media` (a key of MEDIA) refuses a package
    that would not fit, before any work. `kdf_params` defaults to DEFAULT_KDF (about 1 s);
    tests pass tiny ones. `package_id` defaults to a random Crockford ID."""
    return _seal(sources, out, password, media=media, package_id=package_id,
                 kdf_params=kdf_params, progress=progress, rng=secrets.token_bytes,
                 now=_utcnow, chunk_size=hdr.DEFAULT_CHUNK_SIZE)


def _seal(sources, out, password, *, media, package_id, kdf_params, progress,
          rng: Callable[[int], bytes], now: Callable[[], datetime],
          chunk_size: int, into=None) -> SealedPackage:
    # Private seam: rng, now and chunk_size are injectable so the known-answer vectors in
    # tests/vectors/package/ are exact; `into` (an open binary file, e.g. /dev/null for the
    # benchmark) replaces the atomic write to `out`.
    if not isinstance(password, Password):
        raise TypeError("seal_package() needs a Password from generate_password()")
    sources = [Path(s) for s in sources]
    out = Path(out)
    if not sources:
        raise CryptoError("nothing to seal", "give at least one file")
    mf.check_names([s.name for s in sources], error=CryptoError)
    sizes = []
    for s in sources:
        try:
            st = os.stat(s)
        except OSError as e:
            raise _os_error("read", e) from None
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
                                                 for s, n in zip(sources, sizes)]))
    check_fits(media, bound)
    if into is None and os.path.lexists(out):
        raise OutputExists(f"{out.name} already exists in {out.parent}",
                           "packages never overwrite files; choose a new name")
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
            into, header, ks, sources, sizes, chunk_size, package_id, created, progress)
        return SealedPackage(out, package_id, digest, written, manifest)
    try:
        tmp, fd = _create_temp(out.parent)
    except OSError as e:
        raise _os_error("write the package in", e) from None
    try:
        with os.fdopen(fd, "wb", buffering=0) as f, Flusher(fd) as flusher:
            digest, written, manifest = _write_package(
                f, header, ks, sources, sizes, chunk_size, package_id, created, progress,
                flusher.wrote)
            os.fsync(f.fileno())
        _place(tmp, out)
        _fsync_dir(out.parent)
    except OSError as e:
        _unlink_quietly(tmp)
        raise _os_error("write the package", e) from None
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return SealedPackage(out, package_id, digest, written, manifest)


def _write_all(f, data: memoryview) -> None:
    # Raw (unbuffered) writes may be partial.
    while data:
        n = f.write(data)
        data = data[n:]


def _write_package(f, header: bytes, ks: keys.PackageKeys, sources: list[Path],
                   sizes: list[int], chunk_size: int, package_id: str, created: datetime,
                   progress: Progress | None,
                   wrote: Callable[[int], None] | None = None) -> tuple[str, int, Manifest]:
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

    batch = max(1, _BATCH_BYTES // chunk_size)
    with Pipeline(sink, batch * (chunk_size + stream.TAG_LEN), _PIPELINE_DEPTH) as pipe:
        pipe.put_bytes(header)
        entries = _seal_payload(pipe, ks.payload, sources, sizes, chunk_size, batch, progress)
        manifest = Manifest(package_id, created, tuple(entries))
        pipe.put_bytes(mf.seal(ks.manifest, manifest))
    return package_hash.hexdigest(), written, manifest


class _Source:
    """One input file, read once. The caller thread reads it; the hashing stage computes
    its SHA-256 and row count from the same buffers."""

    def __init__(self, path: Path, size: int):
        self.path, self.size, self.remaining = path, size, size
        self.digest = hashlib.sha256()
        self.rows = rows.RowCounter() if rows.is_csv(path.name) else None
        try:
            self.file = open(path, "rb", buffering=0)
        except OSError as e:
            raise _os_error("read", e) from None

    def read_into(self, view: memoryview) -> None:
        got = 0
        while got < len(view):
            try:
                n = self.file.readinto(view[got:])
            except OSError as e:
                raise _os_error("read", e) from None
            if not n:
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
    n_chunks = stream.chunk_count(total, chunk_size)
    sealer = stream.ChunkSealer(key)
    opened: list[_Source] = []
    pending = list(zip(sources, sizes))
    pending.reverse()
    current: _Source | None = None
    counter = 0
    done = 0
    try:
        with Pipeline(_hash_plaintext, batch * chunk_size, _PIPELINE_DEPTH) as hasher:
            while counter < n_chunks:
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
                oview = memoryview(out)
                pos = 0
                for start in range(0, max(filled, 1), chunk_size):
                    end = min(start + chunk_size, filled)
                    size = end - start + stream.TAG_LEN
                    sealer.seal_into(counter, counter == n_chunks - 1, pview[start:end],
                                     oview[pos:pos + size])
                    pos += size
                    counter += 1
                hasher.put(plain, filled, segments)
                writer.put(out, pos)
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


# ---------------------------------------------------------------------------- open

@dataclass(frozen=True)
class _Unlocked:
    header: Header
    keys: keys.PackageKeys
    manifest: Manifest
    manifest_area: bytes
    file_size: int


def _unlock(f, password: Password) -> _Unlocked:
    """Every check that needs no payload: header, password, MAC, size, manifest."""
    file_size = os.fstat(f.fileno()).st_size
    header = hdr.read_header(f)
    slot = header.password_slot
    if slot is None:
        raise FormatError("this package has no password slot this tool can use",
                          "it was made by a newer handover; update handover")
    kdf.check_params(slot.kdf)
    wrap_key = kdf.derive(password._kdf_input(), slot.salt, slot.kdf)
    file_key = keys.unwrap_file_key(wrap_key, slot.wrapped_key)
    if file_key is None:
        raise WrongPassword("wrong password",
                            f"use the password on the notice for package {header.package_id}")
    ks = keys.derive_keys(file_key, header.package_nonce)
    if not header.mac_is_valid(ks.header):
        raise PackageDamaged("the package header was tampered with",
                             "its checksum is intact but its MAC is not, so this was deliberate; "
                             "do not use this package and tell the sender", part="header")

    if file_size < header.manifest_offset:
        raise _truncated_in_payload(header, file_size)
    if file_size == header.manifest_offset:
        raise PackageDamaged("the package is truncated after its last chunk: its manifest is "
                             "missing", "the copy is incomplete; copy the package again",
                             part="truncated", chunk=header.chunk_count)
    if file_size < header.manifest_offset + mf.LENGTH_PREFIX.size:
        raise _truncated_in_manifest(header)
    f.seek(header.manifest_offset)
    prefix = f.read(mf.LENGTH_PREFIX.size)
    (length,) = mf.LENGTH_PREFIX.unpack(prefix)
    if not mf.TAG_LEN <= length <= mf.MAX_MANIFEST_LEN:
        raise PackageDamaged("the package manifest is damaged or was tampered with "
                             "(its length is out of range)",
                             "copy the package again from the medium", part="manifest")
    end = header.manifest_offset + mf.LENGTH_PREFIX.size + length
    if file_size < end:
        raise _truncated_in_manifest(header)
    ciphertext = f.read(length)
    manifest = mf.open_sealed(ks.manifest, ciphertext)
    if file_size > end:
        extra = file_size - end
        raise PackageDamaged(f"the package has {extra:,} unexpected "
                             f"{'byte' if extra == 1 else 'bytes'} after its end",
                             "something was appended to the package; copy it again or ask "
                             "the sender", part="trailing")
    if manifest.package_id != header.package_id:
        raise FormatError("the manifest belongs to another package",
                          "the package was not written by a compatible handover tool")
    if manifest.payload_size != header.payload_size:
        raise FormatError("the manifest's file sizes do not add up to the payload size",
                          "the package was not written by a compatible handover tool")
    return _Unlocked(header, ks, manifest, prefix + ciphertext, file_size)


def _truncated_in_manifest(header: Header) -> PackageDamaged:
    # Inside the 4-byte length or inside the manifest itself: one message for both.
    return PackageDamaged("the package is truncated inside its manifest",
                          "the copy is incomplete; copy the package again", part="truncated",
                          chunk=header.chunk_count)


def _truncated_in_payload(header: Header, file_size: int) -> PackageDamaged:
    stride = header.chunk_size + stream.TAG_LEN
    have = max(0, file_size - header.length)
    whole = have // stride
    if file_size < header.length:
        msg = "the package is truncated inside its header"
    elif have == 0:
        msg = "the package is truncated after its header"
    elif have % stride == 0:
        msg = f"the package is truncated after chunk {whole}"
    else:
        msg = f"the package is truncated inside chunk {whole + 1}"
    return PackageDamaged(msg, f"it should be at least {header.manifest_offset:,} bytes but is "
                               f"{file_size:,}; copy the package again from the medium",
                          part="truncated", chunk=whole)


class _Outputs:
    """Writes the payload into one temporary file per manifest entry, in order."""

    def __init__(self, out_dir: Path | None, files: tuple[FileEntry, ...]):
        self._dir = out_dir
        self._files = files
        self._index = -1
        self._remaining = 0
        self._fd: int | None = None
        self._hash = None
        self._rows: rows.RowCounter | None = None
        self.temps: list[Path] = []

    def start(self) -> None:
        self._advance()

    def _close_current(self) -> None:
        if self._index >= 0:
            entry = self._files[self._index]
            if self._fd is not None:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None
            if self._hash.hexdigest() != entry.sha256:
                raise FormatError(f"{entry.name} does not match the SHA-256 in the manifest",
                                  "the package was not written by a compatible handover tool")
            # The count is a claim of the sealer, printed on the 確認書: recount it.
            counted = self._rows.finish() if self._rows is not None else None
            if counted != entry.rows:
                raise FormatError(f"{entry.name} has {counted:,} rows but the "
                                  f"manifest says {entry.rows:,}",
                                  "the package was not written by a compatible handover tool")

    def _advance(self) -> None:
        # Move to the next file with bytes still to come, closing (and checking) files
        # that are complete; zero-length files are created on the way.
        while self._remaining == 0:
            self._close_current()
            self._index += 1
            if self._index >= len(self._files):
                return
            entry = self._files[self._index]
            self._remaining = entry.size
            self._hash = hashlib.sha256()
            self._rows = rows.RowCounter() if entry.rows is not None else None
            if self._dir is not None:
                path, self._fd = _create_temp(self._dir)
                self.temps.append(path)

    def write(self, data: memoryview, _note=None) -> None:
        pos = 0
        while pos < len(data):
            if self._index >= len(self._files):
                raise FormatError("the payload is longer than the manifest says")
            take = min(self._remaining, len(data) - pos)
            piece = data[pos:pos + take]
            self._hash.update(piece)
            if self._rows is not None:
                self._rows.update(piece)
            if self._fd is not None:
                view = piece
                while view:
                    view = view[os.write(self._fd, view):]
            pos += take
            self._remaining -= take
            self._advance()

    def finish(self) -> None:
        if self._index < len(self._files):
            raise FormatError("the payload is shorter than the manifest says")

    def abandon(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        for p in self.temps:
            _unlink_quietly(p)


def _stream_payload(f, u: _Unlocked, outputs: _Outputs, progress: Progress | None) -> None:
    header = u.header
    chunk_size, total = header.chunk_size, header.payload_size
    n_chunks = header.chunk_count
    stride = chunk_size + stream.TAG_LEN
    batch = max(1, _BATCH_BYTES // chunk_size)
    opener = stream.ChunkOpener(u.keys.payload, chunk_size)
    ct = bytearray(batch * stride)
    cview = memoryview(ct)
    remaining_ct = stream.ciphertext_size(total, chunk_size)
    f.seek(header.length)
    counter = 0
    done = 0
    with Pipeline(outputs.write, batch * chunk_size, _PIPELINE_DEPTH) as pipe:
        while counter < n_chunks:
            want = min(len(ct), remaining_ct)
            got = 0
            while got < want:
                try:
                    r = f.readinto(cview[got:want])
                except OSError as e:
                    raise _os_error("read the package", e,
                                    "the medium may be damaged; copy the package to disk first") from None
                if not r:
                    # The file shrank after we checked its size (e.g. a failing drive).
                    raise _truncated_in_payload(header, f.tell())
                got += r
            out = pipe.buffer()
            oview = memoryview(out)
            pos = 0
            opos = 0
            while pos < want:
                end = min(pos + stride, want)
                opener.open_into(counter, counter == n_chunks - 1, cview[pos:end],
                                 oview[opos:opos + end - pos - stream.TAG_LEN])
                opos += end - pos - stream.TAG_LEN
                pos = end
                counter += 1
            pipe.put(out, opos)
            remaining_ct -= want
            done += opos
            if progress is not None:
                progress(done, total)
    outputs.finish()


def _read(pkg: Path, password: Password | str, out_dir: Path | None,
          progress: Progress | None) -> Manifest:
    password = parse_password(password)  # a typo fails here, before the KDF
    pkg = Path(pkg)
    try:
        f = open(pkg, "rb")
    except OSError as e:
        raise _os_error("open the package", e) from None
    with f:
        u = _unlock(f, password)
        if out_dir is not None:
            for entry in u.manifest.files:
                if os.path.lexists(out_dir / entry.name):
                    raise OutputExists(f"{entry.name} already exists in {out_dir}",
                                       "packages never overwrite files; choose an empty directory")
        outputs = _Outputs(out_dir, u.manifest.files)
        placed: list[Path] = []
        try:
            outputs.start()
            _stream_payload(f, u, outputs, progress)
            if out_dir is not None:
                # Every chunk has authenticated: only now does plaintext get its real name.
                for tmp, entry in zip(outputs.temps, u.manifest.files):
                    _place(tmp, out_dir / entry.name)
                    placed.append(out_dir / entry.name)
                _fsync_dir(out_dir)
        except BaseException as e:
            outputs.abandon()
            for p in placed:
                _unlink_quietly(p)
            if isinstance(e, OSError):
                raise _os_error("write", e) from None
            raise
    return u.manifest


def open_package(pkg: Path | str, out_dir: Path | str, password: Password | str, *,
                 progress: Progress | None = None) -> Manifest:
    """Decrypt every file of `pkg` into `out_dir`, all or nothing. Existing files are never
    overwritten. `password` may be the typed text; typos are reported per group."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _os_error("create", e) from None
    return _read(Path(pkg), password, out_dir, progress)


def verify_package(pkg: Path | str, password: Password | str, *,
                   progress: Progress | None = None) -> Manifest:
    """Authenticate every byte of `pkg` and check every file's SHA-256; write nothing."""
    return _read(Path(pkg), password, None, progress)


def inspect_package(pkg: Path | str) -> PublicHeader:
    """The public header, without the password (checksum checked, MAC not)."""
    try:
        with open(pkg, "rb") as f:
            h = hdr.read_header(f)
    except OSError as e:
        raise _os_error("open the package", e) from None
    slot = h.password_slot
    return PublicHeader(h.version, h.package_id, h.chunk_size, h.payload_size, h.manifest_offset,
                        h.length, slot.kdf if slot else None,
                        tuple(hdr.SLOT_PASSWORD_ARGON2ID if isinstance(s, PasswordSlot) else s.type
                              for s in h.slots))
