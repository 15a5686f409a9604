"""The log's signing key on disk, outside the database, and auditors' trusted keys.

The private key file holds a C2SP signed-note signer key (`PRIVATE+KEY+name+hash+…`),
mode 0600; beside it, `<key>.pub` holds the verifier key auditors are given.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from ledger import note
from ledger.errors import LedgerError


def generate_key(path: Path, name: str) -> Path:
    """Write a new signing key to `path` (0600, never overwriting) and its public key to
    the same path with the suffix `.pub`. Returns the public key's path."""
    path = Path(path)
    pub = path.with_suffix(".pub")
    for p in (path, pub):
        if p.exists():
            raise LedgerError(f"{p} already exists; refusing to overwrite a key",
                              "move it away first, or point --key at a new path")
    signer = note.generate_signer(name)
    _write_new(path, note.signer_key_string(signer) + "\n", 0o600)
    _write_new(pub, note.verifier_key_string(signer) + "\n", 0o644)
    return pub


def load_signer(path: Path) -> note.Signer:
    path = Path(path)
    try:
        st = path.stat()
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise LedgerError(f"signing key {path} does not exist",
                          "create one with `handover ledger keygen`, or set --key / HANDOVER_KEY") from None
    except (OSError, UnicodeDecodeError) as e:
        raise LedgerError(f"cannot read signing key {path}: {e}") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LedgerError(f"signing key {path} is readable by other users "
                          f"(mode {stat.S_IMODE(st.st_mode):o})", f"run: chmod 600 {path}")
    return note.parse_signer_key(text)


def load_verifiers(paths: Iterable[Path]) -> list[note.Verifier]:
    verifiers = []
    for p in paths:
        try:
            text = Path(p).read_text(encoding="ascii")
        except FileNotFoundError:
            raise LedgerError(f"trusted key file {p} does not exist") from None
        except (OSError, UnicodeDecodeError) as e:
            raise LedgerError(f"cannot read trusted key file {p}: {e}") from None
        lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        if not lines:
            raise LedgerError(f"trusted key file {p} holds no key")
        verifiers.extend(note.parse_verifier_key(ln) for ln in lines)
    if not verifiers:
        raise LedgerError("no trusted public key given",
                          "pass --trusted-key FILE: the .pub file exported with the log's key; "
                          "keys are never taken from the database being checked")
    return verifiers


def _write_new(path: Path, text: str, mode: int) -> None:
    """Create `path` with `mode` from the first byte (no window with wider permissions),
    fully written before it appears: write a temporary file, then link it into place,
    which fails rather than replace a key that appeared meanwhile."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as e:
        raise LedgerError(f"cannot create key file {path}: {e.strerror}"
                          + (f" ({e.filename})" if e.filename and str(e.filename) != str(tmp) else ""),
                          "give a path in a directory you can write to (not under a regular file)") from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)
    except FileExistsError:
        raise LedgerError(f"{path} already exists; refusing to overwrite a key") from None
    finally:
        os.unlink(tmp)
