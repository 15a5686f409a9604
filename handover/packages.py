"""Encrypted packages in the domain: the one facade the CLI and the custody workflow call.
Each function wraps crypto/ in `lifted()`, so every error that reaches the CLI is a
HandoverError with a message and a hint.

The password is generated here and leaves only on a printed password notice, written to a
directory apart from the package: never a terminal, a log, the database or a temp file.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import crypto
from handover import config
from handover.errors import HandoverError, lifted
from handover.files import make_private_dirs
from handover.ids import new_id
from handover.kdf_settings import sealing_kdf

# A warning `open_package` gives when it removed plaintext a killed earlier open left behind.
CrashedPartRemoved = crypto.CrashedPartRemoved

MEDIA = crypto.MEDIA
# A file sealed as it arrives (an upload): name, declared size, readinto(view) -> count.
Upload = crypto.StreamSource
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SealedWithNotice:
    package: crypto.SealedPackage
    notice_id: str
    notice_path: Path


def notice_path(notice_dir: Path | str, notice_id: str) -> Path:
    return Path(notice_dir) / f"notice-{notice_id}.pdf"


@dataclass(frozen=True)
class StagedSeal:
    """A sealed package and its password notice, both complete and fsynced under hidden
    names beside their destinations. Record first, then release(): a kill in between leaves a
    recorded seal whose files are missing (status says so), never an unrecorded package.
    A notice held in memory (`notice_pdf`, for a page to offer once) never touches the disk:
    only the package is staged."""
    package: crypto.SealedPackage
    notice_id: str
    notice_path: Path
    staged_package: crypto.StagedPackage
    staged_notice: crypto.StagedFile | None
    notice_pdf: bytes | None = field(default=None, repr=False)

    def release(self) -> SealedWithNotice:
        """Give the package, then the notice, their names. A package whose notice cannot be
        placed is removed again: without its password it is only a risk."""
        with lifted():
            self.staged_package.release()
            if self.staged_notice is None:
                return SealedWithNotice(self.package, self.notice_id, self.notice_path)
            try:
                self.staged_notice.release()
            except BaseException:
                self.staged_notice.discard()
                self.package.path.unlink(missing_ok=True)
                raise
        return SealedWithNotice(self.package, self.notice_id, self.notice_path)

    def discard(self) -> None:
        self.staged_package.discard()
        if self.staged_notice is not None:
            self.staged_notice.discard()


def sweep_crashed_seals(*directories: Path | str) -> None:
    """Remove what a killed seal left in these directories: hidden part files of a package,
    or of a notice (which holds a password). Each removal warns with CrashedPartRemoved."""
    for d in directories:
        if Path(d).is_dir():
            crypto.sweep_stale_parts(Path(d))


def stage_with_notice(sources: Iterable[Path | str], out: Path | str, notice_dir: Path | str, *,
                      case_name: str, issued_by: str, issued_at: dt.datetime,
                      notice_id: str | None = None, media: str | None = None,
                      package_id: str | None = None, kdf_params: crypto.KdfParams | None = None,
                      progress: Progress | None = None, csv_header: bool = True,
                      report: bool = False, notice_in_memory: bool = False) -> StagedSeal:
    """Seal `sources` for `out` and print the password on a notice PDF for `notice_dir`, both
    staged (not yet under their names). The notice says where to get the program that opens
    the package: $HANDOVER_OPENER_SOURCE, else to ask the issuing ward. `report`: a
    contractor's report to the ward, whose notice says so (documents/notice.py).
    `notice_in_memory`: the notice PDF is kept in the result's `notice_pdf` only (a page offers
    it once for the notice printer), never written."""
    # Imported here: `package inspect`, `open` and `verify` need neither PDFs nor the policy
    # (and with it SQLAlchemy), and start faster without them.
    from handover.model.policy.locations import require_separate_locations

    out, notice_dir = Path(out), Path(notice_dir)
    opener = config.opener_source()
    require_separate_locations(out.parent, notice_dir)
    notice_id = notice_id or new_id("notice")
    path = notice_path(notice_dir, notice_id)
    with lifted():
        password = crypto.generate_password()
        staged = crypto.seal_staged(list(sources), out, password, media=media,
                                    package_id=package_id or new_id("package"),
                                    kdf_params=kdf_params, progress=progress,
                                    csv_header=csv_header)
    package = staged.package
    try:
        # Only now: reportlab's ~5 MiB would otherwise sit beside the KDF's 24 MiB, the
        # process's peak (issue 15 §4).
        from handover.documents import PasswordNotice, render_notice
        notice = PasswordNotice(notice_id=notice_id, package_id=package.package_id,
                                package_sha256=package.sha256, case_name=case_name,
                                issued_at=issued_at, issued_by=issued_by,
                                password_groups=tuple(password.reveal().split("-")),
                                report=report,
                                **({"opener_source": opener} if opener else {}))
        del password  # keep the password's references few: Python cannot wipe memory
        if notice_in_memory:
            return StagedSeal(package, notice_id, path, staged, None, render_notice(notice))
        try:
            make_private_dirs(notice_dir)
            staged_notice = crypto.stage_bytes(path, render_notice(notice))
        except OSError as e:
            raise HandoverError(f"cannot write the password notice {path}: "
                                f"{e.strerror or e}; the package was deleted",
                                "check the notice directory (free space, permissions) and seal "
                                "again") from None
        except crypto.CryptoError as e:
            raise HandoverError(f"{e.message}; the package was deleted", e.hint) from None
    except BaseException:
        staged.discard()
        raise
    return StagedSeal(package, notice_id, path, staged, staged_notice)


def seal_with_notice(sources: Iterable[Path | str], out: Path | str, notice_dir: Path | str, *,
                     case_name: str, issued_by: str, issued_at: dt.datetime,
                     notice_id: str | None = None, media: str | None = None,
                     package_id: str | None = None, kdf_params: crypto.KdfParams | None = None,
                     progress: Progress | None = None,
                     csv_header: bool = True) -> SealedWithNotice:
    """Seal `sources` into `out` and print the password on a notice PDF in `notice_dir`, with
    nothing to record in between. All or nothing: a package whose password exists nowhere is
    only a risk, so it never stays without its notice."""
    staged = stage_with_notice(sources, out, notice_dir, case_name=case_name,
                               issued_by=issued_by, issued_at=issued_at, notice_id=notice_id,
                               media=media, package_id=package_id, kdf_params=kdf_params,
                               progress=progress, csv_header=csv_header)
    try:
        return staged.release()
    except BaseException:
        staged.discard()
        raise


def seal_standalone(sources: Iterable[Path | str], out: Path | str, notice_dir: Path | str, *,
                    case_name: str, issued_by: str | None = None, media: str | None = None,
                    progress: Progress | None = None,
                    csv_header: bool = True) -> SealedWithNotice:
    """`handover package seal`: a package and its notice, outside any case (no ledger entry)."""
    return seal_with_notice(sources, out, notice_dir, case_name=case_name,
                            issued_by=issued_by or getpass.getuser(),
                            issued_at=dt.datetime.now().astimezone(), media=media,
                            kdf_params=sealing_kdf(), progress=progress, csv_header=csv_header)


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
