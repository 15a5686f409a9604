"""Encrypted packages in the domain: the one facade the CLI (and later the custody
workflow) calls. Each function wraps crypto/ in `lifted()`, so every error that reaches
the CLI is a HandoverError with a message and a hint.

The password is generated here, returned once in SealResult for the notice (or, until the
custody workflow exists, the terminal), and never stored, logged or passed on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import crypto
from handover.errors import lifted
from handover.ids import new_id

MEDIA = crypto.MEDIA
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SealResult:
    package: crypto.SealedPackage
    password: crypto.Password  # redacts itself; .reveal() only for the notice


def seal_package(sources: Iterable[Path | str], out: Path | str, *, media: str | None = None,
                 package_id: str | None = None, kdf_params: crypto.KdfParams | None = None,
                 progress: Progress | None = None) -> SealResult:
    """Generate a password and seal `sources` into `out`."""
    with lifted():
        password = crypto.generate_password()
        sealed = crypto.seal_package(list(sources), out, password, media=media,
                                     package_id=package_id or new_id("package"),
                                     kdf_params=kdf_params, progress=progress)
    return SealResult(sealed, password)


def open_package(pkg: Path | str, out_dir: Path | str, password: str, *,
                 progress: Progress | None = None) -> crypto.Manifest:
    """Decrypt `pkg` into `out_dir`, all or nothing. `password` is the typed text."""
    with lifted():
        return crypto.open_package(pkg, out_dir, password, progress=progress)


def verify_package(pkg: Path | str, password: str, *,
                   progress: Progress | None = None) -> crypto.Manifest:
    """Check every byte of `pkg` without writing anything."""
    with lifted():
        return crypto.verify_package(pkg, password, progress=progress)


def inspect_package(pkg: Path | str) -> crypto.PublicHeader:
    """The public header, readable without the password."""
    with lifted():
        return crypto.inspect_package(pkg)
