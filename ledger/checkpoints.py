"""Signed checkpoints (C2SP tlog-checkpoint in a C2SP signed note, Ed25519).

A checkpoint commits to the log's size and Merkle root. It leaves the database (printed on
every 確認書, saved by auditors) so that deleting the newest entries or rewriting the whole
log is caught even by someone holding only an old checkpoint.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import sqlalchemy as sa

from ledger import note
from ledger.encoding import genesis_hash
from ledger.errors import LedgerError, VerificationError
from ledger.log import Log, Tip
from ledger.replay import Replay
from ledger.rfc6962 import RootBuilder
from ledger.schema import checkpoints, entries

ORIGIN_PREFIX = "handover/"


def origin_for(log: str) -> str:
    """The checkpoint origin line that names a log."""
    return ORIGIN_PREFIX + log


@dataclass(frozen=True)
class SignedCheckpoint:
    log: str
    size: int
    root_hash: bytes
    note: str

    def as_json(self) -> dict:
        return {"log": self.log, "size": self.size, "root": self.root_hash.hex(), "note": self.note}


def key_id(key: note.Signer | note.Verifier) -> str:
    """`name+keyhash`, as on a signature line: enough to tell keys apart, never the key."""
    return f"{key.name}+{key.key_hash:08x}"


def signature_key_ids(signed_note: str) -> list[str]:
    """The `name+keyhash` of each signature line of a signed note (not checked)."""
    ids = []
    for line in signed_note.rsplit("\n\n", 1)[-1].splitlines():
        name, _, b64 = line.removeprefix(note.SIGNATURE_PREFIX).partition(" ")
        try:
            raw = base64.b64decode(b64)
        except ValueError:
            continue
        if len(raw) >= 4:
            ids.append(f"{name}+{int.from_bytes(raw[:4], 'big'):08x}")
    return ids


def take_checkpoint(log: Log, signer: note.Signer) -> SignedCheckpoint:
    """Sign the log's current size and root inside the writer's transaction, and store it.

    Starts from the previous checkpoint's compact range and replays only what was
    appended since, checking the chain and each entry's canonical form on the way: we
    never sign what we have not checked. Cheap enough to call at the end of every
    transaction. Refuses a key other than the one of the log's checkpoints: a replaced
    key would make auditors reject everything signed from then on. Call it last: on
    PostgreSQL the row is written with the COMMIT (`Log.store_checkpoint`).
    """
    return sign_checkpoint(log, signer, check_key=True)


def sign_checkpoint(log: Log, signer: note.Signer, *, check_key: bool) -> SignedCheckpoint:
    """`take_checkpoint`; `check_key=False` only right after a recorded key rotation."""
    log.flush()
    size = log.size
    tip = log.tip
    if tip is not None and log.appended and len(log.appended) == size - tip.size:
        # The fast path of a checkpoint per transaction: this process signed the head this
        # transaction started from, and encoded everything appended since (canonical by
        # construction), so nothing needs reading back.
        if check_key and key_id(signer) != tip.key_id:
            raise _other_key(log.name, [tip.key_id], signer)
        tree = RootBuilder.from_compact_range(tip.size, tip.compact_range)
        for leaf in log.appended:
            tree.append(leaf)
        return _store(log, signer, tree)
    conn = log.connection
    last = conn.execute(
        sa.select(checkpoints.c.size, checkpoints.c.note, checkpoints.c.compact_range)
        .where(checkpoints.c.log == log.name).order_by(checkpoints.c.size.desc()).limit(1)).first()
    if check_key and last is not None:
        current = signature_key_ids(last.note)
        if key_id(signer) not in current:
            raise _other_key(log.name, current, signer)
    if last is not None and last.size == size:
        return _parse_stored(log.name, last.note)
    if last is None:
        tree, start, prev = RootBuilder(), 0, genesis_hash(log.name)
    else:
        if last.size > size:
            raise VerificationError(
                f"log {log.name!r} has {size} entries but a checkpoint of size {last.size} is stored",
                failure="truncated", index=size, hint="run `handover ledger verify`")
        previous = _parse_stored(log.name, last.note)
        tree = RootBuilder.from_compact_range(last.size, _split(last.compact_range))
        if tree.root() != previous.root_hash:
            raise VerificationError(
                f"log {log.name!r}: the stored state of checkpoint {last.size} does not match its root",
                failure="checkpoint-mismatch", hint="run `handover ledger verify`")
        start = last.size
        prev = conn.execute(sa.select(entries.c.hash).where(
            entries.c.log == log.name, entries.c.idx == start - 1)).scalar()
    replay = Replay(log.name, start, prev, tree)
    rows = conn.execute(
        sa.select(entries.c.idx, entries.c.entry, entries.c.hash)
        .where(entries.c.log == log.name, entries.c.idx >= start).order_by(entries.c.idx))
    if not replay.feed(rows) or replay.size != size:
        problem = replay.problem
        raise VerificationError(problem.message if problem else "log changed while checkpointing",
                                failure=problem.failure if problem else "race",
                                index=problem.index if problem else None,
                                hint="nothing was signed; run `handover ledger verify`")
    return _store(log, signer, tree)


def _store(log: Log, signer: note.Signer, tree: RootBuilder) -> SignedCheckpoint:
    root, size = tree.root(), tree.size
    signed = note.sign_own_checkpoint(origin_for(log.name), size, root, signer)
    compact = tree.compact_range()
    log.store_checkpoint((log.name, size, signed, b"".join(compact)))
    log.new_tip = Tip(size, log._head, tuple(compact), key_id(signer))
    return SignedCheckpoint(log.name, size, root, signed)


def _other_key(log: str, current: list[str], signer: note.Signer) -> LedgerError:
    return LedgerError(
        f"log {log!r} is signed with key {', '.join(current) or '(unreadable)'}, "
        f"but the signing key given is {key_id(signer)}; nothing was signed",
        "restore the log's signing key from its backup; if it is lost for good, "
        "record a rotation with `handover ledger rotate-key`")


def stored_checkpoints(conn: sa.Connection, log: str) -> list[tuple[int, str]]:
    """(size, note) of every stored checkpoint, smallest first. Untrusted until verified."""
    return [tuple(r) for r in conn.execute(
        sa.select(checkpoints.c.size, checkpoints.c.note)
        .where(checkpoints.c.log == log).order_by(checkpoints.c.size))]


def open_checkpoint(text: str, log: str, trusted: list[note.Verifier]) -> SignedCheckpoint:
    """Check a signed checkpoint against trusted keys and the log it should name."""
    body, _signers = note.open_note(text, trusted)
    cp = note.parse_checkpoint(body)
    if cp.origin != origin_for(log):
        raise VerificationError(f"checkpoint is for {cp.origin!r}, not log {log!r}",
                                failure="wrong-origin")
    return SignedCheckpoint(log, cp.size, cp.root_hash, text)


def read_checkpoint(text: str, log: str) -> SignedCheckpoint:
    """A stored checkpoint's size and root, its origin checked but not its signature: for
    checkpoints below one whose signature was checked (docs/ledger-format.md, Verification)."""
    body = text.split("\n\n", 1)[0] + "\n"
    cp = note.parse_checkpoint(body)
    if cp.origin != origin_for(log):
        raise VerificationError(f"checkpoint is for {cp.origin!r}, not log {log!r}",
                                failure="wrong-origin")
    return SignedCheckpoint(log, cp.size, cp.root_hash, text)


def _parse_stored(log: str, text: str) -> SignedCheckpoint:
    body = text.split("\n\n", 1)[0] + "\n"
    cp = note.parse_checkpoint(body)
    return SignedCheckpoint(log, cp.size, cp.root_hash, text)


def _split(blob: bytes) -> list[bytes]:
    if len(blob) % 32:
        raise LedgerError("stored compact range is damaged (length not a multiple of 32)")
    return [blob[i:i + 32] for i in range(0, len(blob), 32)]
