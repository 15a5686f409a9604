"""Output files and directories: atomic writes (a reader sees the old file or the whole new
one, never a part), and output directories made before anything is recorded."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from handover.errors import HandoverError


def write_bytes_atomically(path: Path | str, data: bytes, mode: int = 0o644) -> Path:
    """Write `data` to a temporary file beside `path`, fsync it, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def make_output_dir(d: Path | str, what: str) -> list[Path]:
    """Create an output directory (and missing parents) before anything is recorded, with a
    clear error if it cannot be. Returns the directories created, parents first."""
    d = Path(d)
    try:
        return make_private_dirs(d)
    except OSError as e:
        raise HandoverError(f"cannot create the {what} directory {d}: {e.strerror or e}",
                            f"give a {what} directory that can be written") from None


def make_private_dirs(d: Path) -> list[Path]:
    """Create `d` and missing parents 0700 whatever the umask (notices, packages and labels
    are for their owner only). Returns the directories created, parents first."""
    missing = [p for p in (d, *d.parents) if not p.exists()][::-1]
    for p in missing:
        p.mkdir(mode=0o700, exist_ok=True)
        os.chmod(p, 0o700)
    d.mkdir(parents=True, exist_ok=True)
    return missing


def remove_empty_dirs(made: list[Path]) -> None:
    """Undo `make_output_dir` after a refusal: remove what it created, deepest first, if empty."""
    for p in reversed(made):
        try:
            p.rmdir()
        except OSError:
            pass   # not empty, or already gone: leave it
