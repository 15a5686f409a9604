"""Sealing an extract for a case: package file, medium record, password notice, labels.

One call does what 004 asks of the ward when data goes out (区が行う対策 3-4, システム上の
対策 1-2): it refuses to run on a computer not designated for the case, encrypts the extract
with a generated password (crypto/, via handover.packages), prints that password straight to
a password notice PDF in a directory apart from the package, and records — in one
transaction — that package P was sealed, that medium M holds it, and that notice N holds
its password and who issued it. The password exists only in memory and on the notice; if
anything fails on the way (an unwritable directory, a full disk, recording), the package
file, the notice, the labels and the directories this call made are deleted. The package
and its notice are complete but hidden until the seal is recorded, and only then take their
names: nothing unrecorded ever leaves, and a seal cut off after recording shows in `status`.

The three steps are also callable apart, for an act signed in two phases (a passkey's, on the
web page): `hold_seal` encrypts (reading the extract once) into a `HeldSeal`, `record_seal`
records it — run twice by model/prepared.py, first as a dry run — and only then releases it;
`HeldSeal.discard` deletes one that is not recorded. `seal_extract` is the three in a row.

`seal_report` is the same act done by the contractor for a report to the ward (004 受託事業者
6): on the contractor's own designated computer, by a rostered handler; its medium and notice
start with the contractor and reach the ward as 'report' handovers, by hand.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import crypto
from handover import ids, kdf_settings, packages
from handover.errors import HandoverError
from handover.files import make_output_dir
from handover.label_codes import load_key
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal, Tx, record, require_actor
from handover.model.state import State
from handover.reports import label_sheets

PACKAGE_SUFFIX = ".hop"


@dataclass(frozen=True)
class Sealed:
    case_id: str
    package_id: str
    medium_id: str
    notice_id: str
    medium_kind: str
    package_path: Path
    notice_path: Path
    label_paths: tuple[Path, ...]
    sha256: str
    size: int
    record_count: int
    file_count: int
    kdf: dict
    entry_indexes: tuple[int, ...]

    def as_json(self) -> dict:
        return {"case_id": self.case_id, "package_id": self.package_id,
                "medium_id": self.medium_id, "notice_id": self.notice_id,
                "medium_kind": self.medium_kind, "package_path": str(self.package_path),
                "notice_path": str(self.notice_path),
                "label_paths": [str(p) for p in self.label_paths], "sha256": self.sha256,
                "size": self.size, "record_count": self.record_count,
                "file_count": self.file_count, "kdf": self.kdf,
                "entries": list(self.entry_indexes)}


def _remove_dirs(made: list[Path]) -> None:
    for d in reversed(made):   # only directories this call made, and only if empty
        try:
            d.rmdir()
        except OSError:
            pass


@contextmanager
def _writing(path: Path, what: str) -> Iterator[None]:
    try:
        yield
    except OSError as e:
        raise HandoverError(f"cannot write {what} {path}: {e.strerror or e}; nothing was "
                            "sealed or recorded",
                            "check the directory (free space, permissions) and seal again") from None


def _write_labels(labels, labels_dir: Path, stem: str, created: list[Path]) -> tuple[Path, ...]:
    paths = []
    for fmt in label_sheets.FORMATS:
        path = labels_dir / label_sheets.label_file_name(stem, fmt)
        with _writing(path, "the labels"):
            label_sheets.write_label_pdf(labels, path, fmt)
        created.append(path)
        paths.append(path)
    return tuple(paths)


def _check(st: State, actor_id: str, case_id: str, host: str, report: bool):
    if report:
        case = policy.require_open_case(st, case_id)
        policy.require_report_sealer(st, case, actor_id)
        policy.require_on_roster(st, case, actor_id, "seal a report of its data")
    else:
        policy.require_staff(st, actor_id, "seal data")
        case = policy.require_open_case(st, case_id)
        policy.require_on_roster(st, case, actor_id, "seal its data")
    workstation = policy.require_workstation(st, case, host, st.person(actor_id).org_id)
    return case, workstation


def check_may_seal(journal: Journal, actor: str, case_id: str) -> None:
    """Refuse now, as sealing would, unless `actor` may seal the case's data on this journal's
    computer (a page asks before the extract is chosen)."""
    case_id = ids.parse_id(case_id, "case")
    with journal.reading() as st:
        require_actor(st, actor)
        _check(st, actor, case_id, journal.host, False)


def seal_extract(journal: Journal, actor: str, case_id: str,
                 sources: Iterable[Path | str | packages.Upload], *,
                 medium_kind: str, content: str, out_dir: Path | str, notice_dir: Path | str,
                 labels_dir: Path | str | None = None, label_key_path: Path | str | None = None,
                 csv_header: bool = True,
                 kdf_params: crypto.KdfParams | None = None,
                 progress: packages.Progress | None = None) -> Sealed:
    """Seal `sources` for a case. `csv_header`: each CSV starts with a header line, which
    is not a record (the record count on 確認書 and the envelope check exclude it). A source
    may be an `Upload` (packages.Upload): a stream read once, straight into the encryption,
    so that an extract uploaded to the web page never touches the disk in plaintext."""
    return _seal(journal, actor, case_id, sources, False, medium_kind=medium_kind,
                 content=content, out_dir=out_dir, notice_dir=notice_dir, labels_dir=labels_dir,
                 label_key_path=label_key_path, csv_header=csv_header, kdf_params=kdf_params,
                 progress=progress)


def seal_report(journal: Journal, actor: str, case_id: str, sources: Iterable[Path | str], *,
                medium_kind: str, content: str, out_dir: Path | str, notice_dir: Path | str,
                labels_dir: Path | str | None = None, label_key_path: Path | str | None = None,
                csv_header: bool = True,
                kdf_params: crypto.KdfParams | None = None,
                progress: packages.Progress | None = None) -> Sealed:
    """The contractor seals a report for the ward (004 受託事業者 6), on its own designated
    computer; a physical medium only, since it travels by hand."""
    return _seal(journal, actor, case_id, sources, True, medium_kind=medium_kind,
                 content=content, out_dir=out_dir, notice_dir=notice_dir, labels_dir=labels_dir,
                 label_key_path=label_key_path, csv_header=csv_header, kdf_params=kdf_params,
                 progress=progress)


@dataclass
class HeldSeal:
    """An extract encrypted for a case but not yet recorded: the package complete under a
    hidden name beside its destination (ciphertext only), its labels written, its IDs fixed.
    `record_seal` records it, then releases it; `discard` deletes it. The notice is staged
    beside the package, or, held for a page (`notice_pdf`), in memory only."""
    case_id: str
    actor: str
    report: bool
    medium_kind: str
    content: str
    package_id: str
    medium_id: str
    notice_id: str
    package_path: Path
    notice_path: Path
    out_dir: Path
    notice_dir: Path
    label_paths: tuple[Path, ...]
    record_count: int
    kdf: dict
    staged: packages.StagedSeal = field(repr=False)
    made_dirs: list[Path] = field(default_factory=list, repr=False)
    recorded: bool = False

    @property
    def sha256(self) -> str:
        return self.staged.package.sha256

    @property
    def size(self) -> int:
        return self.staged.package.size

    @property
    def file_count(self) -> int:
        return len(self.staged.package.manifest.files)

    @property
    def notice_pdf(self) -> bytes | None:
        return self.staged.notice_pdf

    def discard(self) -> None:
        """Delete everything the hold wrote: nothing unrecorded ever leaves."""
        self.staged.discard()
        for path in self.label_paths:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        _remove_dirs(self.made_dirs)


def hold_seal(journal: Journal, actor: str, case_id: str,
              sources: Iterable[Path | str | packages.Upload], *,
              medium_kind: str, content: str, out_dir: Path | str, notice_dir: Path | str,
              labels_dir: Path | str | None = None, label_key_path: Path | str | None = None,
              csv_header: bool = True, kdf_params: crypto.KdfParams | None = None,
              progress: packages.Progress | None = None, report: bool = False,
              notice_in_memory: bool = False) -> HeldSeal:
    """Encrypt `sources` for the case into a held package (see `HeldSeal`), after the rule
    checks sealing meets (they run again when it is recorded). The sources are read once:
    an act signed in two phases (a passkey's) records the held package, never re-reads them."""
    case_id = ids.parse_id(case_id, "case")
    actor = ids.parse_id(actor, "person")
    content = (content or "").strip()
    if not content:
        raise HandoverError("describe the content (情報の内容), e.g. 接種券発送対象者データ",
                            "use --content; it is printed on every 確認書 (never on the notice)")
    if medium_kind not in ev.MEDIUM_KINDS:
        raise HandoverError(f"unknown medium {medium_kind!r}",
                            f"use one of {', '.join(ev.MEDIUM_KINDS)}")
    if report:
        policy.require_report_medium(medium_kind)
    out_dir, notice_dir = Path(out_dir), Path(notice_dir)
    policy.require_separate_locations(out_dir, notice_dir)
    # This PC's calibrated KDF (or the default), checked before any slow work; recorded below.
    kdf_params = kdf_params or kdf_settings.sealing_kdf()
    label_key = load_key(label_key_path) if labels_dir is not None else None
    sources = [s if isinstance(s, packages.Upload) else Path(s) for s in sources]

    # Checked before the slow work, and again under the lock when recording.
    with journal.reading() as st:
        person = require_actor(st, actor)
        case, _ = _check(st, actor, case_id, journal.host, report)
        case_name, issuer = case.name, f"{st.name(person.org_id)} {person.name}"

    dirs = [("package", out_dir)] + ([] if notice_in_memory else [("password notice", notice_dir)])
    if labels_dir is not None:
        dirs.append(("label", Path(labels_dir)))
    made_dirs: list[Path] = []
    try:
        for what, d in dirs:
            made_dirs += make_output_dir(d, what)
    except HandoverError:
        _remove_dirs(made_dirs)
        raise
    package_id, medium_id, notice_id = ids.new_id("P"), ids.new_id("M"), ids.new_id("N")
    package_path = out_dir / f"{package_id}{PACKAGE_SUFFIX}"
    notice_path = packages.notice_path(notice_dir, notice_id)
    # Part files a killed seal left here (a notice part holds a password) go first.
    packages.sweep_crashed_seals(out_dir, notice_dir)
    created: list[Path] = []
    staged = None
    try:
        staged = packages.stage_with_notice(
            sources, package_path, notice_dir, case_name=case_name, issued_by=issuer,
            issued_at=journal.now(), notice_id=notice_id, media=medium_kind,
            package_id=package_id, kdf_params=kdf_params, progress=progress,
            csv_header=csv_header, report=report, notice_in_memory=notice_in_memory)
        # Labels before recording, so that a label directory that cannot be written leaves
        # no recorded package behind (staff would seal again, and two would exist).
        label_paths: tuple[Path, ...] = ()
        if labels_dir is not None:
            label_paths = _write_labels(label_sheets.item_labels(
                [(medium_id, ev.MEDIUM_KINDS[medium_kind]), (notice_id, None)], case_name,
                label_key), Path(labels_dir), package_id, created)
    except BaseException:
        if staged is not None:
            staged.discard()
        for path in created:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        _remove_dirs(made_dirs)
        raise
    # データ件数 as the manifest records it (header lines not counted), the same number
    # `package open` prints.
    record_count = sum(f.records or 0 for f in staged.package.manifest.files)
    return HeldSeal(case_id, actor, report, medium_kind, content, package_id, medium_id,
                    notice_id, package_path, notice_path, out_dir, notice_dir, label_paths,
                    record_count, kdf_params.as_dict(), staged, made_dirs)


def record_seal(journal: Journal, held: HeldSeal) -> Sealed:
    """Record the held seal as `held.actor`'s act (the rules checked again, under the lock),
    then release its package (and notice): record before release. A refusal leaves the hold
    as it was (`recorded` false), for the caller to discard; in a passkey's dry run (model/prepared.py) `record`
    stops before anything is written and nothing is released."""
    package = held.staged.package

    def build(tx: Tx):
        _, workstation = _check(tx.state, tx.actor_id, held.case_id, journal.host, held.report)
        return [
            ev.PackageSealed(held.package_id, held.case_id, package.sha256, package.size,
                             held.record_count, held.file_count, held.content,
                             workstation.workstation_id, held.kdf,
                             str(held.package_path.absolute()), str(held.notice_path.absolute()),
                             held.report),
            ev.MediumRegistered(held.medium_id, held.package_id, held.case_id, held.medium_kind),
            ev.NoticeIssued(held.notice_id, held.package_id, held.case_id, tx.actor_id),
        ], None

    recorded = record(journal, held.actor, build)
    held.recorded = True
    # Record first, then release: a kill before this line leaves a recorded seal whose
    # files are missing (`status` reports it), never a package the ledger does not know.
    try:
        held.staged.release()
    except BaseException:
        held.staged.discard()
        raise HandoverError(f"package {held.package_id} was recorded, but its files could not "
                            f"be placed in {held.out_dir} and {held.notice_dir}; `status` shows "
                            "it as an interrupted seal",
                            "seal the extract again; do not use this package")
    return Sealed(held.case_id, held.package_id, held.medium_id, held.notice_id,
                  held.medium_kind, held.package_path, held.notice_path, held.label_paths,
                  package.sha256, package.size, held.record_count, held.file_count, held.kdf,
                  tuple(e.index for e in recorded.entries))


def _seal(journal: Journal, actor: str, case_id: str,
          sources: Iterable[Path | str | packages.Upload],
          report: bool, **options) -> Sealed:
    held = hold_seal(journal, actor, case_id, sources, report=report, **options)
    try:
        return record_seal(journal, held)
    except BaseException:
        if not held.recorded:
            held.discard()
        raise
