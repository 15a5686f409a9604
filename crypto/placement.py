"""Where package bytes are written before they get their real name, and how they get it.

Nothing is ever written under its final name: sealing and opening write to a part file in
the destination directory and link it into place at the end, never replacing an existing
file. A part file is, where the OS allows it, an O_TMPFILE: it has no name at all until it
is linked, so a kill -9 (or a power cut) mid-way leaves nothing behind. Elsewhere it is a
hidden, named `.XXXX.handover-part` file, held under an flock while in use, and the next
open into that directory sweeps stale ones (with a warning, CrashedPartRemoved).

A *staged* file (StagedFile) is a part file that is complete and fsynced but not yet
released: the caller records the package first, then releases (links into place) or
discards it. It is always a named hidden file, so that it survives until release.
"""

from __future__ import annotations

import os
import re
import secrets
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from crypto.errors import CryptoError, OutputExists

PART_SUFFIX = ".handover-part"
_PART_NAME = re.compile(r"\.[0-9a-f]{16}" + re.escape(PART_SUFFIX))
# A named part file younger than this is never swept: its writer may not hold its lock yet.
STALE_AFTER_S = 60

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there, which protects it
    fcntl = None  # type: ignore[assignment]


class CrashedPartRemoved(UserWarning):
    """A part file left by a killed open or seal was removed (it may have held plaintext)."""


def os_error(action: str, e: OSError, hint: str | None = None) -> CryptoError:
    where = f" {Path(e.filename).name}" if e.filename else ""
    return CryptoError(f"cannot {action}{where}: {e.strerror or e}", hint)


def unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def exists_error(dest: Path, hint: str = "packages never overwrite files; choose an empty "
                                        "directory") -> OutputExists:
    return OutputExists(f"{dest.name} already exists in {dest.parent}", hint)


def fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_named(directory: Path) -> tuple[Path, int]:
    """A new, private, hidden file in `directory`: O_EXCL, mode 0600, flock held."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        path = directory / f".{secrets.token_hex(8)}{PART_SUFFIX}"
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released by the kernel if we are killed
        return path, fd


def place(tmp: Path, dest: Path) -> None:
    """Rename `tmp` to `dest` without ever replacing an existing `dest`."""
    try:
        os.link(tmp, dest)  # atomic, and fails if dest exists
    except FileExistsError:
        raise exists_error(dest) from None
    except OSError:
        # No hard links (FAT/exFAT USB sticks): check, then rename. Not atomic against a
        # concurrent writer, but never replaces a file that existed when we looked.
        if os.path.lexists(dest):
            raise exists_error(dest) from None
        os.replace(tmp, dest)
        return
    os.unlink(tmp)


def make_dirs(directory: Path) -> list[Path]:
    """Create `directory` and missing parents; return those created, deepest last."""
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise os_error("create", e) from None
    return list(reversed(missing))


def remove_dirs(created: list[Path]) -> None:
    """Undo make_dirs: remove what it created, deepest first, if still empty."""
    for d in reversed(created):
        try:
            d.rmdir()
        except OSError:
            return


class PartFile:
    """A file being written in `directory` that has no final name yet.

    `fd` is open for writing. `place(dest)` gives it its name (never replacing anything);
    `discard()` removes it. Either closes the descriptor."""

    def __init__(self, directory: Path, *, anonymous: bool = True):
        self.path: Path | None = None
        self.fd = _open_anonymous(directory) if anonymous else None
        if self.fd is None:
            self.path, self.fd = _create_named(directory)

    def _close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def place(self, dest: Path) -> None:
        if self.path is None:
            # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N names an O_TMPFILE (open(2)).
            # Python calls linkat, not link, only when a dir_fd is given.
            dir_fd = os.open(dest.parent, os.O_RDONLY)
            try:
                os.link(f"/proc/self/fd/{self.fd}", dest.name, dst_dir_fd=dir_fd)
            except FileExistsError:
                raise exists_error(dest) from None
            finally:
                os.close(dir_fd)
            self._close()
        else:
            self._close()
            place(self.path, dest)

    def discard(self) -> None:
        self._close()
        if self.path is not None:
            unlink_quietly(self.path)


def _open_anonymous(directory: Path) -> int | None:
    """An O_TMPFILE in `directory`, or None where the OS or file system has none (or
    /proc, needed to link it, is missing)."""
    if not hasattr(os, "O_TMPFILE") or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except OSError:
        return None  # e.g. EOPNOTSUPP on FAT, EISDIR on old kernels: fall back


def sweep_stale_parts(directory: Path) -> list[str]:
    """Remove part files a killed process left in `directory` (they may hold plaintext);
    warn with CrashedPartRemoved for each. A part file still locked by its writer, or
    younger than STALE_AFTER_S, is left alone."""
    try:
        names = [n for n in os.listdir(directory) if _PART_NAME.fullmatch(n)]
    except OSError:
        return []
    removed = []
    for name in names:
        path = directory / name
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if time.time() - os.fstat(fd).st_mtime < STALE_AFTER_S:
                continue
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # its writer is alive
            try:
                os.unlink(path)
            except OSError:
                continue
            removed.append(name)
        finally:
            os.close(fd)
    for name in removed:
        warnings.warn(CrashedPartRemoved(
            f"removed {name} from {directory}: a part file left by an interrupted package "
            "open or seal"), stacklevel=2)
    return removed


@dataclass
class StagedFile:
    """A complete, fsynced file under a hidden name beside `final`, waiting for the caller
    to record it before it is released (record first, then release)."""

    temp: Path
    final: Path

    def release(self) -> Path:
        """Link the file into place under its final name (never replacing anything)."""
        place(self.temp, self.final)
        fsync_dir(self.final.parent)
        return self.final

    def discard(self) -> None:
        unlink_quietly(self.temp)


def stage_bytes(final: Path | str, data: bytes) -> StagedFile:
    """Write `data` to a hidden file beside `final` (mode 0600, fsynced), for the caller to
    release or discard. Refuses at once if `final` exists."""
    final = Path(final)
    if os.path.lexists(final):
        raise exists_error(final, "never overwritten; choose a new name")
    try:
        path, fd = _create_named(final.parent)
    except OSError as e:
        raise os_error("write in", e) from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException as e:
        os.close(fd)
        unlink_quietly(path)
        if isinstance(e, OSError):
            raise os_error("write", e) from None
        raise
    os.close(fd)
    return StagedFile(path, final)
