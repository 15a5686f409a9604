"""A witness: an independent party that cosigns the log's checkpoints (C2SP tlog-cosignature
v1, Ed25519), each only after checking it extends the last one it cosigned.

The writer holds the database and the log key, so on their own they prove nothing to someone
who distrusts the writer. A witness keeps its own key and its own state file (the last size
and root it cosigned, per log) away from the writer. It cosigns a new checkpoint only if it
is signed by the log's trusted key and a consistency proof links it to that state: it never
cosigns a smaller tree (rollback) nor two roots for one size (fork), whatever the database
says. Verifiers that require its cosignature then catch a rewrite even by the log key's holder.

Cosignature (https://c2sp.org/tlog-cosignature): a signed-note signature line
"— <witness name> base64(key ID ‖ u64 timestamp ‖ Ed25519 signature)", key ID
SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], over the message
"cosignature/v1\\ntime <timestamp>\\n" followed by the checkpoint's note text.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger import note
from ledger.checkpoints import SignedCheckpoint, open_checkpoint, origin_for, stored_checkpoints
from ledger.errors import LedgerError, VerificationError
from ledger.keys import _write_new
from ledger.note import SIGNATURE_PREFIX, SIGNER_KEY_PREFIX
from ledger.rfc6962 import consistency_proof, verify_consistency
from ledger.schema import cosignatures, entries

ALG_COSIGNATURE = 0x04            # signed-note signature type of an Ed25519 cosignature/v1
STATE_FORMAT = "handover-witness-state/v1"
_MAX_TIMESTAMP = 2**63 - 1
_KEY_HINT = "a witness public key looks like name+1a2b3c4d+base64 (type 0x04), one per line"


def _key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_COSIGNATURE]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def cosigned_message(checkpoint_body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: header, time, then the checkpoint's note text."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_body}".encode()


@dataclass(frozen=True)
class WitnessVerifier:
    """A trusted witness's public key."""

    name: str
    key_hash: int
    public_key: bytes

    @property
    def key_id(self) -> str:
        return f"{self.name}+{self.key_hash:08x}"

    def timestamp_of(self, checkpoint_body: str, signature_line: str) -> int | None:
        """The time of `signature_line` if it is this witness's valid cosignature of
        `checkpoint_body`; None otherwise (another key, or a bad signature)."""
        name, _, b64 = signature_line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        raw = note._unb64(b64.strip()) or b""
        if name != self.name or len(raw) != 4 + 8 + 64 or int.from_bytes(raw[:4], "big") != self.key_hash:
            return None
        timestamp = int.from_bytes(raw[4:12], "big")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                raw[12:], cosigned_message(checkpoint_body, timestamp))
        except InvalidSignature:
            return None
        return timestamp

    def key_string(self) -> str:
        return f"{self.key_id}+{note._b64(bytes([ALG_COSIGNATURE]) + self.public_key)}"


class Cosigner:
    """A witness's private key. The repr never shows the key."""

    __slots__ = ("name", "key_hash", "_key")

    def __init__(self, name: str, private_key: Ed25519PrivateKey):
        if not note._valid_name(name):
            raise LedgerError(f"invalid witness name {name!r}: it must be non-empty, without spaces or '+'")
        self.name = name
        self._key = private_key
        self.key_hash = _key_id(name, private_key.public_key().public_bytes_raw())

    def verifier(self) -> WitnessVerifier:
        return WitnessVerifier(self.name, self.key_hash, self._key.public_key().public_bytes_raw())

    def cosign(self, checkpoint_body: str, timestamp: int) -> str:
        """The cosignature line (no newline) of `checkpoint_body` at `timestamp`."""
        if not 0 <= timestamp <= _MAX_TIMESTAMP:
            raise LedgerError(f"cosignature timestamp {timestamp} is out of range")
        sig = self._key.sign(cosigned_message(checkpoint_body, timestamp))
        raw = self.key_hash.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + sig
        return f"{SIGNATURE_PREFIX}{self.name} {note._b64(raw)}"

    def __repr__(self) -> str:
        return f"Cosigner({self.name}+{self.key_hash:08x})"


def generate_witness_key(path: Path, name: str) -> Path:
    """Write a new witness key to `path` (0600, never overwriting) and its public key to
    `path` with the suffix `.pub`. Returns the public key's path."""
    path = Path(path)
    pub = path.with_suffix(".pub")
    for p in (path, pub):
        if p.exists():
            raise LedgerError(f"{p} already exists; refusing to overwrite a key",
                              "move it away first, or give another path")
    cosigner = Cosigner(name, Ed25519PrivateKey.generate())
    seed = cosigner._key.private_bytes_raw()
    _write_new(path, f"{SIGNER_KEY_PREFIX}{cosigner.name}+{cosigner.key_hash:08x}+"
                     f"{note._b64(bytes([ALG_COSIGNATURE]) + seed)}\n", 0o600)
    _write_new(pub, cosigner.verifier().key_string() + "\n", 0o644)
    return pub


def _key_fields(text: str, what: str) -> tuple[str, int, bytes]:
    fields = text.split("+", 2)
    raw = note._unb64(fields[2]) if len(fields) == 3 else None
    if (len(fields) != 3 or not note._valid_name(fields[0]) or not note._HEX8_RE.fullmatch(fields[1])
            or raw is None or len(raw) != 33 or raw[0] != ALG_COSIGNATURE):
        raise LedgerError(f"{what} is malformed: it must be name+keyid+base64 of a type 0x04 "
                          "(Ed25519 cosignature) key", _KEY_HINT)
    return fields[0], int(fields[1], 16), raw[1:]


def load_cosigner(path: Path) -> Cosigner:
    path = Path(path)
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise LedgerError(f"witness key {path} does not exist",
                          "create one with `handover witness keygen KEY`") from None
    except (OSError, UnicodeDecodeError) as e:
        raise LedgerError(f"cannot read witness key {path}: {e}") from None
    if not text.startswith(SIGNER_KEY_PREFIX):
        raise LedgerError(f"witness key {path} is not a private key",
                          "pass the witness's private key file, not its .pub")
    if mode & 0o077:
        raise LedgerError(f"witness key {path} is readable by other users", f"run: chmod 600 {path}")
    name, key_hash, seed = _key_fields(text[len(SIGNER_KEY_PREFIX):], f"witness key {path}")
    cosigner = Cosigner(name, Ed25519PrivateKey.from_private_bytes(seed))
    if cosigner.key_hash != key_hash:
        raise LedgerError(f"witness key {path} is damaged: its key ID does not match its key")
    return cosigner


def load_witness_verifiers(paths: list[Path]) -> list[WitnessVerifier]:
    found = []
    for p in paths:
        try:
            text = Path(p).read_text(encoding="ascii")
        except FileNotFoundError:
            raise LedgerError(f"witness public key file {p} does not exist") from None
        except (OSError, UnicodeDecodeError) as e:
            raise LedgerError(f"cannot read witness public key file {p}: {e}") from None
        lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        if not lines:
            raise LedgerError(f"witness public key file {p} holds no key", _KEY_HINT)
        for line in lines:
            if line.startswith(SIGNER_KEY_PREFIX):
                raise LedgerError(f"{p} holds a private key", "pass the witness's .pub file")
            name, key_hash, public = _key_fields(line, f"witness public key in {p}")
            if key_hash != _key_id(name, public):
                raise LedgerError(f"witness public key in {p} is damaged: its key ID does not match")
            found.append(WitnessVerifier(name, key_hash, public))
    return found


# --- the witness's own state ----------------------------------------------------------------

@dataclass(frozen=True)
class Seen:
    """The newest checkpoint a witness cosigned for one log."""
    size: int
    root: bytes


class WitnessState:
    """The witness's state file: per log origin, the size and root it last cosigned. Read and
    written only under an exclusive lock, replaced atomically."""

    def __init__(self, path: Path, witness: str, logs: dict[str, Seen]):
        self.path, self.witness, self.logs = path, witness, logs

    def save(self) -> None:
        data = {"format": STATE_FORMAT, "witness": self.witness,
                "logs": {o: {"size": s.size, "root": s.root.hex()} for o, s in sorted(self.logs.items())}}
        _write_atomically(self.path, json.dumps(data, indent=1) + "\n")


@contextmanager
def locked_state(path: Path, cosigner: Cosigner) -> Iterator[WitnessState]:
    """The state file at `path` (empty if new), locked against a second witness run."""
    path = Path(path)
    if not path.parent.is_dir():
        raise LedgerError(f"cannot use witness state file {path}: {path.parent} is not a directory",
                          "give --state a path in an existing directory")
    me = f"{cosigner.name}+{cosigner.key_hash:08x}"
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield _read_state(path, me)


def _read_state(path: Path, me: str) -> WitnessState:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return WitnessState(path, me, {})
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise LedgerError(f"witness state file {path} is unreadable: {e}",
                          "restore it from the witness's backup; never start a witness afresh "
                          "with the same key") from None
    try:
        if data["format"] != STATE_FORMAT:
            raise ValueError(f"format {data['format']!r}")
        logs = {o: Seen(int(s["size"]), bytes.fromhex(s["root"])) for o, s in data["logs"].items()}
        witness = data["witness"]
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise LedgerError(f"witness state file {path} is damaged ({e})",
                          "restore it from the witness's backup") from None
    if witness != me:
        raise LedgerError(f"witness state file {path} belongs to witness {witness}, not {me}",
                          "each witness key has its own state file")
    return WitnessState(path, me, logs)


def _write_atomically(path: Path, text: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as e:
        raise LedgerError(f"cannot write witness state file {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- cosigning ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cosignature:
    log: str
    size: int
    root_hash: bytes
    witness: str          # name+keyhash
    timestamp: int
    line: str             # the signature line, to add below the checkpoint's own
    previous_size: int | None
    new: bool             # False: this size was cosigned before, with the same root

    def as_json(self) -> dict:
        return {"log": self.log, "size": self.size, "root": self.root_hash.hex(),
                "witness": self.witness, "timestamp": self.timestamp, "cosignature": self.line,
                "previous_size": self.previous_size, "new": self.new}


def add_checkpoint(state: WitnessState, cosigner: Cosigner, checkpoint_note: str, log: str,
                   log_keys: list[note.Verifier], proof: list[bytes], timestamp: int) -> Cosignature:
    """Cosign `checkpoint_note` if it is signed by the log and `proof` shows it extends the
    checkpoint this witness cosigned last; record it in `state` (not yet saved).

    Refusals (VerificationError): "witness-rollback" for a smaller tree, "witness-fork" for
    another root at the size already cosigned, "witness-inconsistent" for a proof that does
    not link the two (the history below the old size was rewritten)."""
    cp = open_checkpoint(checkpoint_note, log, log_keys)
    body = checkpoint_note.split("\n\n", 1)[0] + "\n"
    seen = state.logs.get(cp_origin(cp))
    if seen is not None:
        if cp.size < seen.size:
            raise VerificationError(
                f"log {log!r}: the newest checkpoint has {cp.size} entries, fewer than the "
                f"{seen.size} this witness cosigned before: the log was rolled back; not cosigned",
                failure="witness-rollback", index=cp.size, hint=_INCIDENT)
        if cp.size == seen.size and cp.root_hash != seen.root:
            raise VerificationError(
                f"log {log!r}: the checkpoint of size {cp.size} has root {cp.root_hash.hex()}, but "
                f"this witness cosigned root {seen.root.hex()} for that size: the log was forked or "
                "rewritten; not cosigned", failure="witness-fork", hint=_INCIDENT)
        try:
            verify_consistency(seen.size, cp.size, seen.root, cp.root_hash, proof)
        except VerificationError as e:
            raise VerificationError(
                f"log {log!r}: the checkpoint of size {cp.size} does not extend the one of size "
                f"{seen.size} this witness cosigned ({e.message}): the history below {seen.size} "
                "was rewritten; not cosigned", failure="witness-inconsistent", hint=_INCIDENT) from None
    line = cosigner.cosign(body, timestamp)
    state.logs[cp_origin(cp)] = Seen(cp.size, cp.root_hash)
    return Cosignature(log, cp.size, cp.root_hash, state.witness, timestamp, line,
                       seen.size if seen else None, seen is None or seen.size != cp.size)


_INCIDENT = ("do not trust this log: compare it with backups and filed 確認書, and report it "
             "as an incident; the witness's state was not changed")


def cp_origin(cp: SignedCheckpoint) -> str:
    return cp.note.split("\n", 1)[0]


def cosign_newest(engine: sa.Engine, log: str, log_keys: list[note.Verifier], cosigner: Cosigner,
                  state_path: Path, timestamp: int) -> Cosignature:
    """One witness run against the database: cosign the log's newest stored checkpoint.

    The database is untrusted input here: the checkpoint must carry the log key's signature,
    and the consistency proof built from the stored leaf hashes must link it to what this
    witness cosigned before. The state file is saved before the cosignature is stored, so a
    crash in between can only make the witness cosign the same root again, never another."""
    with locked_state(state_path, cosigner) as state:
        with engine.connect() as conn:
            stored = stored_checkpoints(conn, log)
            if not stored:
                raise LedgerError(f"log {log!r} has no signed checkpoint to cosign",
                                  "record something, or run `handover ledger checkpoint`")
            size, text = stored[-1]
            seen = state.logs.get(origin_for(log))
            proof: list[bytes] = []
            if seen is not None and 0 < seen.size < size:
                leaves = list(conn.execute(
                    sa.select(entries.c.hash).where(entries.c.log == log, entries.c.idx < size)
                    .order_by(entries.c.idx)).scalars())
                if len(leaves) < size:
                    raise VerificationError(
                        f"log {log!r} has a checkpoint of size {size} but only {len(leaves)} entries: "
                        "entries were deleted; not cosigned", failure="witness-rollback",
                        index=len(leaves), hint=_INCIDENT)
                proof = consistency_proof(leaves, seen.size, size)
        cosig = add_checkpoint(state, cosigner, text, log, log_keys, proof, timestamp)
        state.save()
        if not _stored(engine, log, cosig):
            with engine.connect().execution_options(ledger_write=True) as conn, conn.begin():
                conn.execute(cosignatures.insert(), {
                    "log": log, "size": cosig.size, "witness": cosig.witness,
                    "cosignature": cosig.line})
        return cosig


def _stored(engine: sa.Engine, log: str, cosig: Cosignature) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(cosignatures.c.size).where(
            cosignatures.c.log == log, cosignatures.c.size == cosig.size,
            cosignatures.c.witness == cosig.witness)).first() is not None


def stored_cosignatures(conn: sa.Connection, log: str) -> list[tuple[int, str, str]]:
    """(size, witness name+keyhash, signature line) of every stored cosignature. Untrusted."""
    return [tuple(r) for r in conn.execute(
        sa.select(cosignatures.c.size, cosignatures.c.witness, cosignatures.c.cosignature)
        .where(cosignatures.c.log == log).order_by(cosignatures.c.size))]
