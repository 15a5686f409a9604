"""Full verification of a log: a replay of every stored entry against the chain, the
Merkle tree, every stored checkpoint, trusted keys and the auditor's own state.

Trusted keys come from the caller, never from the database being checked. The auditor's
state file remembers the last checkpoint accepted (and a short prefix of every leaf hash
under it, to name the first entry of a fork): a smaller size, or a different root at the
same size, is rejected.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ledger import note
from ledger.checkpoints import (SignedCheckpoint, key_id, open_checkpoint, origin_for, read_checkpoint,
                                stored_checkpoints)
from ledger.errors import LedgerError, VerificationError
from ledger.log import list_logs
from ledger.ranges import replay_log
from ledger.replay import Problem
from ledger.rotation import Rotation, follow_rotations
from ledger.witness import WitnessVerifier, stored_cosignatures

STATE_FORMAT = "handover-auditor-state/v1"


@dataclass
class VerifyReport:
    log: str
    size: int = 0
    checkpoints_checked: int = 0
    signatures_checked: int = 0
    # Signatures inside entries, checked by the application on top (handover: the acting
    # person's signature on every entry); None when it did not check any.
    entry_signatures_checked: int | None = None
    latest: SignedCheckpoint | None = None
    state_size: int | None = None
    state_updated: bool = False
    witnessed_size: int | None = None   # set when a witness is required
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        # The lowest named index first; problems without one after.
        ranked = sorted(self.problems, key=lambda p: (p.index is None, p.index or 0))
        return ranked[0] if ranked else None

    def raise_for_problems(self) -> None:
        p = self.first_problem
        if p is not None:
            extra = f" ({len(self.problems) - 1} more problem(s) in the report)" if len(self.problems) > 1 else ""
            hint = ("have the witness run `handover witness cosign`, then verify again"
                    if p.failure == "unwitnessed" and not extra else
                    "do not trust this log; compare with your backups and saved checkpoints, "
                    "and report it as an incident")
            raise VerificationError(p.message + extra, failure=p.failure, index=p.index, hint=hint)

    def as_json(self) -> dict:
        p = self.first_problem
        return {
            "log": self.log, "ok": self.ok, "size": self.size,
            "checkpoints_checked": self.checkpoints_checked,
            "signatures_checked": self.signatures_checked,
            "entry_signatures_checked": self.entry_signatures_checked,
            "latest_checkpoint": self.latest.as_json() if self.latest else None,
            "state_size": self.state_size, "state_updated": self.state_updated,
            "witnessed_size": self.witnessed_size,
            "unwitnessed": ([self.witnessed_size, self.size - 1]
                            if self.witnessed_size is not None and self.witnessed_size < self.size else None),
            "first_bad_index": p.index if p else None,
            "problems": [q.as_json() for q in self.problems], "warnings": self.warnings,
        }


def verify_log(conn: sa.Connection, log: str, trusted: list[note.Verifier],
               state_path: Path | None = None, *, all_signatures: bool = False,
               witnesses: list[WitnessVerifier] | None = None) -> VerifyReport:
    """Replay `log` completely. Returns a report; updates the state file only if all is well.

    The root of every stored checkpoint is compared with the replayed tree; the signature only
    of the newest (it covers every entry below it, so the older roots, once they match, hold
    for a signed log), or of every one with `all_signatures`: one Ed25519 check each, which is
    most of the time of a log with a checkpoint per transaction.

    With `witnesses`, every entry must be covered by a cosignature of one of them, checked
    against the root replayed at its size (not against a stored checkpoint, which the writer
    could replace): entries beyond the newest witnessed size are reported as unwitnessed."""
    if not trusted:
        raise LedgerError("no trusted public key given", "pass the log's .pub file")
    report = VerifyReport(log)
    if state_path:
        _check_state_dir(Path(state_path))
    state = _load_state(state_path, log, trusted) if state_path else None

    roots: dict[int, bytes] = {}
    stored = stored_checkpoints(conn, log)
    marks = {size for size, _ in stored}
    if state:
        marks.add(state.size)
    cosigned = stored_cosignatures(conn, log) if witnesses else []
    marks.update(size for size, _, _ in cosigned)
    replay = replay_log(conn, log, marks, lambda n, root: roots.__setitem__(n, root),
                        known_leaves=state.prefixes if state else b"",
                        collect_leaves=state_path is not None)
    if replay.problem:
        report.problems.append(replay.problem)
    report.size = replay.size
    complete = replay.problem is None

    # Key rotations recorded in the log decide which key must sign each checkpoint.
    rotations = follow_rotations(log, replay.rotations, trusted + (state.followed if state else []))
    for r in rotations:
        if r.problem:
            report.problems.append(Problem("untrusted-key-rotation", f"log {log!r}: {r.problem}", r.index))
    followed = [r.key for r in rotations if r.key is not None and key_id(r.key) not in
                {key_id(v) for v in trusted}]

    # Stored checkpoints: each must name this log; the newest (or, with all_signatures, each)
    # must carry a signature by the key of its time.
    accepted: dict[int, SignedCheckpoint] = {}
    newest = max((size for size, _ in stored), default=None)
    for size, text in stored:
        keys = _keys_at(size, rotations, trusted + (state.followed if state else []))
        if keys is None:
            continue  # signed after a rotation to a key the auditor cannot trust: reported above
        try:
            if all_signatures or size == newest:
                cp = open_checkpoint(text, log, keys)
                report.signatures_checked += 1
            else:
                cp = read_checkpoint(text, log)
        except VerificationError as e:
            report.problems.append(Problem("checkpoint-signature",
                                           f"log {log!r}: stored checkpoint of size {size}: {e.message}"))
            continue
        if cp.size != size:
            report.problems.append(Problem("checkpoint-mismatch",
                                           f"log {log!r}: checkpoint row {size} holds a checkpoint of size {cp.size}"))
            continue
        accepted[size] = cp

    matched = 0
    for size, cp in sorted(accepted.items()):
        report.checkpoints_checked += 1
        if size > replay.size and complete:
            report.problems.append(Problem(
                "truncated", f"log {log!r}: a checkpoint of size {size} was signed but the log has "
                f"only {replay.size} entries: entries {replay.size}..{size - 1} were deleted", replay.size))
        elif size in roots and roots[size] != cp.root_hash:
            report.problems.append(Problem(
                "checkpoint-mismatch", f"log {log!r}: the entries below {size} do not hash to the root "
                f"signed in checkpoint {size}: an entry at index {matched} or later, below {size}, "
                "was changed after signing"))
        elif size in roots:
            matched = size
            report.latest = cp

    if state:
        report.state_size = state.size
        if state.size > replay.size and complete:
            report.problems.append(Problem(
                "rollback", f"log {log!r} has {replay.size} entries, fewer than the {state.size} in the "
                f"checkpoint you accepted before: entries from {replay.size} are gone (rolled back)",
                replay.size))
        elif state.size in roots and roots[state.size] != state.root:
            report.problems.append(Problem(
                "fork", f"log {log!r}: the entries below {state.size} differ from the checkpoint you "
                "accepted before (a fork or a rewrite)"))
        latest_size = report.latest.size if report.latest else 0
        if latest_size < state.size and replay.size >= state.size and not report.problems:
            report.problems.append(Problem(
                "rollback", f"log {log!r}: the newest trusted checkpoint (size {latest_size}) is older "
                f"than the one you accepted before (size {state.size})"))

    if witnesses:
        _check_witnessed(report, log, roots, cosigned, witnesses, replay.size, complete)

    if replay.size == 0 and not report.problems:
        known = [name for name in list_logs(conn) if name != log]
        report.problems.append(Problem(
            "empty-log", f"log {log!r} is empty or unknown: it has no entries"
            + (f" (logs in this database: {', '.join(known)})" if known else
               " (this database holds no log at all)")))
    elif not accepted and not report.problems:
        report.warnings.append("no signed checkpoint is stored: the newest entries are not yet "
                               "protected against deletion; run `handover ledger checkpoint`")
    elif report.latest and report.latest.size < replay.size:
        report.warnings.append(f"entries {report.latest.size}..{replay.size - 1} are after the newest "
                               "checkpoint and not yet protected by a signature")

    if report.ok and state_path and report.latest:
        if state is None or report.latest.size >= state.size:
            _save_state(state_path, log, report.latest, bytes(replay.leaf_prefixes[:report.latest.size * 8]),
                        followed)
            report.state_updated = True
    return report


def _check_witnessed(report: VerifyReport, log: str, roots: dict[int, bytes],
                     cosigned: list[tuple[int, str, str]], witnesses: list[WitnessVerifier],
                     size: int, complete: bool) -> None:
    trusted = {w.key_id: w for w in witnesses}
    witnessed = 0
    for cs_size, witness, line in cosigned:
        w = trusted.get(witness)
        if w is None or cs_size == 0:
            continue  # another witness's: not ours to judge
        if cs_size not in roots:
            if complete:
                report.problems.append(Problem(
                    "truncated", f"log {log!r}: witness {witness} cosigned a checkpoint of size {cs_size} "
                    f"but the log has only {size} entries: entries {size}..{cs_size - 1} were deleted", size))
            continue
        body = note.Checkpoint(origin_for(log), cs_size, roots[cs_size]).body()
        if w.timestamp_of(body, line) is None:
            report.problems.append(Problem(
                "witness-mismatch", f"log {log!r}: the cosignature by witness {witness} of size {cs_size} "
                f"does not match the entries below {cs_size}: they were changed after the witness "
                "saw them, or the cosignature is forged"))
            continue
        witnessed = max(witnessed, cs_size)
    report.witnessed_size = witnessed
    if witnessed < size:
        names = ", ".join(sorted(trusted))
        report.problems.append(Problem(
            "unwitnessed", f"log {log!r}: entries {witnessed}..{size - 1} are unwitnessed: no "
            f"cosignature by {names} covers them (newest witnessed size: {witnessed})", witnessed))


def _check_state_dir(path: Path) -> None:
    # Before a replay that may take seconds: the new state is written beside the old one.
    parent = path.parent
    if not parent.is_dir():
        raise LedgerError(f"cannot keep the auditor state file {path}: directory {parent} does not exist",
                          "create the directory first, or give --state another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise LedgerError(f"cannot keep the auditor state file {path}: directory {parent} is not writable",
                          "give --state a path in a directory you can write to")
    if path.is_dir():
        raise LedgerError(f"auditor state file {path} is a directory", "give --state a file path")


def _keys_at(size: int, rotations: list[Rotation], trusted: list[note.Verifier]) -> list[note.Verifier] | None:
    """The keys that may sign a checkpoint of `size`: the auditor's until the first rotation
    inside it, then only the key the newest such rotation installed (None: untrusted)."""
    keys: list[note.Verifier] | None = trusted
    for r in rotations:
        if r.index < size:
            keys = [r.key] if r.key is not None else None
    return keys


@dataclass(frozen=True)
class _State:
    size: int
    root: bytes
    prefixes: bytes
    followed: list[note.Verifier]


def _load_state(path: Path, log: str, trusted: list[note.Verifier]) -> _State | None:
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"it holds a JSON {type(data).__name__}, not an object")
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {STATE_FORMAT!r}")
        prefixes = base64.b64decode(data["leaf_prefixes"], validate=True)
        state_log = data["log"]
        text = data["checkpoint"]
        followed = [note.parse_verifier_key(k) for k in data.get("followed_keys", [])]
        if not isinstance(text, str) or not isinstance(state_log, str):
            raise ValueError("checkpoint and log must be strings")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, LedgerError) as e:
        why = e.message if isinstance(e, LedgerError) else e
        raise LedgerError(f"auditor state file {path} is unreadable: {why}",
                          "restore it from your own copy; never recreate it from the database") from None
    if state_log != log:
        raise LedgerError(f"auditor state file {path} is for log {state_log!r}, not {log!r}",
                          "keep one state file per log")
    try:
        cp = open_checkpoint(text, log, trusted + followed)
    except VerificationError as e:
        raise VerificationError(f"auditor state file {path}: {e.message}", failure="state",
                                hint="the state file itself was altered or the wrong key was given") from None
    if len(prefixes) != cp.size * 8:
        raise LedgerError(f"auditor state file {path} is damaged (leaf list does not match size {cp.size})")
    return _State(cp.size, cp.root_hash, prefixes, followed)


def _save_state(path: Path, log: str, cp: SignedCheckpoint, prefixes: bytes,
                followed: list[note.Verifier]) -> None:
    path = Path(path)
    # Keys the log rotated to, endorsed by keys the auditor trusted: followed next time too.
    data = {"format": STATE_FORMAT, "log": log, "size": cp.size, "root": cp.root_hash.hex(),
            "checkpoint": cp.note, "leaf_prefixes": base64.b64encode(prefixes).decode(),
            "followed_keys": [note.verifier_key_string(v) for v in followed]}
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    except OSError as e:
        raise LedgerError(f"cannot write auditor state file {path}: {e.strerror}",
                          "give --state a path in an existing directory you can write to") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
