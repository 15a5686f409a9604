"""Opening, verifying and inspecting packages (docs/package-format.md §9).

Opening checks everything that can be checked before writing a byte of plaintext (header,
password, header MAC, file size, manifest, output names), then decrypts into part files in
the destination directory (crypto/placement.py: nameless where the OS allows, so a kill
strands nothing), and links them into place only after the last chunk has authenticated
and every file matched its SHA-256 and row count. On any failure the part files, and any
directory this call created, are removed: no partial plaintext is ever left behind.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from crypto import header as hdr, kdf, keys, manifest as mf, rows, stream
from crypto._pipeline import BATCH_BYTES, DEPTH, Pipeline, Progress
from crypto.errors import CryptoError, FormatError, PackageDamaged, WrongPassword
from crypto.header import Header, PasswordSlot
from crypto.kdf import KdfParams
from crypto.manifest import FileEntry, Manifest
from crypto.passwords import Password, parse_password
from crypto.placement import (PartFile, exists_error, fsync_dir, make_dirs, os_error,
                              remove_dirs, sweep_stale_parts, unlink_quietly)


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



@dataclass(frozen=True)
class _Unlocked:
    header: Header
    keys: keys.PackageKeys
    manifest: Manifest
    manifest_area: bytes
    file_size: int


def _unlock(f, password: Password, allow_slow_kdf: bool) -> _Unlocked:
    """Every check that needs no payload: header, password, MAC, size, manifest."""
    file_size = os.fstat(f.fileno()).st_size
    header = hdr.read_header(f)
    slot = header.password_slot
    if slot is None:
        raise FormatError("this package has no password slot this tool can use",
                          "it was made by a newer handover; update handover")
    kdf.check_params(slot.kdf)
    if not allow_slow_kdf:
        kdf.check_not_above_default(slot.kdf)
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
    """Writes the payload into one part file per manifest entry, in order, checking each
    file's SHA-256 and row count as it completes."""

    def __init__(self, out_dir: Path | None, files: tuple[FileEntry, ...]):
        self._dir = out_dir
        self._files = files
        self._index = -1
        self._remaining = 0
        self._part: PartFile | None = None
        self._hash = None
        self._rows: rows.RowCounter | None = None
        self.parts: list[PartFile] = []

    def start(self) -> None:
        self._advance()

    def _close_current(self) -> None:
        if self._index >= 0:
            entry = self._files[self._index]
            if self._part is not None:
                os.fsync(self._part.fd)
                self._part = None
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
                self._part = PartFile(self._dir)
                self.parts.append(self._part)

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
            if self._part is not None:
                view = piece
                while view:
                    view = view[os.write(self._part.fd, view):]
            pos += take
            self._remaining -= take
            self._advance()

    def finish(self) -> None:
        if self._index < len(self._files):
            raise FormatError("the payload is shorter than the manifest says")

    def place(self, out_dir: Path) -> list[Path]:
        """Every chunk has authenticated: only now does plaintext get its real name."""
        placed = []
        try:
            for part, entry in zip(self.parts, self._files):
                part.place(out_dir / entry.name)
                placed.append(out_dir / entry.name)
            fsync_dir(out_dir)
        except BaseException:
            for p in placed:
                unlink_quietly(p)
            raise
        return placed

    def abandon(self) -> None:
        for part in self.parts:
            part.discard()


def _stream_payload(f, u: _Unlocked, outputs: _Outputs, progress: Progress | None) -> None:
    header = u.header
    reader = stream.StreamReader(u.keys.payload, header.chunk_size, header.payload_size)
    batch = max(1, BATCH_BYTES // header.chunk_size)
    ct = bytearray(batch * reader.stride)
    cview = memoryview(ct)
    remaining_ct = stream.ciphertext_size(header.payload_size, header.chunk_size)
    f.seek(header.length)
    done = 0
    with Pipeline(outputs.write, batch * header.chunk_size, DEPTH) as pipe:
        while remaining_ct:
            want = min(len(ct), remaining_ct)
            got = 0
            while got < want:
                try:
                    r = f.readinto(cview[got:want])
                except OSError as e:
                    raise os_error("read the package", e, "the medium may be damaged; copy "
                                   "the package to disk first") from None
                if not r:
                    # The file shrank after we checked its size (e.g. a failing drive).
                    raise _truncated_in_payload(header, f.tell())
                got += r
            out = pipe.buffer()
            length = reader.open_batch(cview[:want], memoryview(out))
            pipe.put(out, length)
            remaining_ct -= want
            done += length
            if progress is not None:
                progress(done, header.payload_size)
    outputs.finish()


def _open_regular(pkg: Path):
    """Open `pkg` for reading, refusing anything but a regular file before reading a byte:
    a FIFO would block open() or read() forever, a device would never end."""
    try:
        fd = os.open(pkg, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise os_error("open the package", e) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)"
                    if stat.S_ISFIFO(mode) else "a device or socket")
            raise CryptoError(f"{pkg.name} is {kind}, not a package file",
                              "give the package file (.hop) itself")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_new_names(out_dir: Path, files: tuple[FileEntry, ...]) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise CryptoError(f"{out_dir} is not a directory", "give --out a directory to extract into")
    for entry in files:
        if os.path.lexists(out_dir / entry.name):
            raise exists_error(out_dir / entry.name)


def _read(pkg: Path, password: Password | str, out_dir: Path | None,
          progress: Progress | None, allow_slow_kdf: bool) -> Manifest:
    password = parse_password(password)  # a typo fails here, before the KDF
    if out_dir is not None and out_dir.is_dir():
        sweep_stale_parts(out_dir)  # what an earlier, killed run may have left
    with _open_regular(Path(pkg)) as f:
        u = _unlock(f, password, allow_slow_kdf)
        made: list[Path] = []
        if out_dir is not None:
            _check_new_names(out_dir, u.manifest.files)
            made = make_dirs(out_dir)  # only now: a refused open leaves no directory
        outputs = _Outputs(out_dir, u.manifest.files)
        try:
            outputs.start()
            _stream_payload(f, u, outputs, progress)
            if out_dir is not None:
                outputs.place(out_dir)
        except BaseException as e:
            outputs.abandon()
            remove_dirs(made)
            if isinstance(e, OSError):
                raise os_error("write", e) from None
            raise
    return u.manifest


def open_package(pkg: Path | str, out_dir: Path | str, password: Password | str, *,
                 progress: Progress | None = None, allow_slow_kdf: bool = False) -> Manifest:
    """Decrypt every file of `pkg` into `out_dir` (created if needed), all or nothing.
    Existing files are never overwritten. `password` may be the typed text; typos are
    reported per group. KDF parameters above the writer default are refused as
    suspicious (SuspiciousKdf) unless `allow_slow_kdf`; above the caps, always."""
    return _read(Path(pkg), password, Path(out_dir), progress, allow_slow_kdf)


def verify_package(pkg: Path | str, password: Password | str, *,
                   progress: Progress | None = None, allow_slow_kdf: bool = False) -> Manifest:
    """Authenticate every byte of `pkg` and check every file's SHA-256 and row count;
    write nothing. `allow_slow_kdf` as for open_package."""
    return _read(Path(pkg), password, None, progress, allow_slow_kdf)


def inspect_package(pkg: Path | str) -> PublicHeader:
    """The public header, without the password (checksum checked, MAC not)."""
    with _open_regular(Path(pkg)) as f:
        try:
            h = hdr.read_header(f)
        except OSError as e:
            raise os_error("read the package", e) from None
    slot = h.password_slot
    return PublicHeader(h.version, h.package_id, h.chunk_size, h.payload_size, h.manifest_offset,
                        h.length, slot.kdf if slot else None,
                        tuple(hdr.SLOT_PASSWORD_ARGON2ID if isinstance(s, PasswordSlot) else s.type
                              for s in h.slots))
