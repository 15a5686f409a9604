"""Self-contained proof files an auditor can check offline with only the public key.

An inclusion proof file carries one entry's exact bytes, its RFC 6962 audit path and a
signed checkpoint; a consistency proof file carries two signed checkpoints and the
RFC 6962 consistency proof between them. An inclusion bundle carries several entries' exact
bytes, each with its audit path, against one signed checkpoint: the entries about one
contractor, say, with nothing of the others but hashes (the audit paths' subtree hashes).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

import sqlalchemy as sa

from ledger import note
from ledger.checkpoints import SignedCheckpoint, open_checkpoint, stored_checkpoints
from ledger.encoding import Entry, decode_entry, entry_hash
from ledger.errors import EncodingError, LedgerError, VerificationError
from ledger.log import read_entry
from ledger.rfc6962 import (consistency_proof, inclusion_proof, inclusion_proofs,
                            verify_consistency, verify_inclusion)
from ledger.schema import entries

INCLUSION_FORMAT = "handover-inclusion-proof/v1"
CONSISTENCY_FORMAT = "handover-consistency-proof/v1"
BUNDLE_FORMAT = "handover-inclusion-bundle/v1"


def _leaf_hashes(conn: sa.Connection, log: str, size: int) -> list[bytes]:
    return list(conn.execute(sa.select(entries.c.hash).where(entries.c.log == log, entries.c.idx < size)
                             .order_by(entries.c.idx)).scalars())


def _checkpoint_covering(conn: sa.Connection, log: str, size: int | None,
                         index: int = 0) -> tuple[int, str]:
    stored = stored_checkpoints(conn, log)
    for cp_size, text in stored:
        if (size is None and cp_size > index) or cp_size == size:
            return cp_size, text
    if size is not None:
        raise LedgerError(f"log {log!r} has no stored checkpoint of size {size}",
                          f"stored sizes: {', '.join(str(s) for s, _ in stored) or 'none'}")
    raise LedgerError(f"no signed checkpoint covers entry {index} of log {log!r} yet",
                      "run `handover ledger checkpoint` first")


def export_inclusion_proof(conn: sa.Connection, log: str, index: int) -> dict:
    """The proof document for entry `index`, against the smallest stored checkpoint that
    covers it (so older, already-distributed checkpoints keep working)."""
    entry = read_entry(conn, log, index)
    size, text = _checkpoint_covering(conn, log, None, index)
    path = inclusion_proof(_leaf_hashes(conn, log, size), index, size)
    return {"format": INCLUSION_FORMAT, "log": log, "index": index,
            "entry": base64.b64encode(entry.raw).decode(),
            "proof": [base64.b64encode(h).decode() for h in path], "checkpoint": text}


def export_inclusion_bundle(conn: sa.Connection, log: str, indexes: list[int]) -> dict:
    """One proof document for the entries `indexes`, against the newest stored checkpoint
    (it covers them all). Other entries appear only as hashes in the audit paths."""
    indexes = sorted(set(indexes))
    if not indexes:
        raise LedgerError("an inclusion bundle needs at least one entry")
    stored = stored_checkpoints(conn, log)
    if not stored or stored[-1][0] <= indexes[-1]:
        raise LedgerError(f"no signed checkpoint covers entry {indexes[-1]} of log {log!r} yet",
                          "run `handover ledger checkpoint` first")
    size, text = stored[-1]
    paths = inclusion_proofs(_leaf_hashes(conn, log, size), indexes, size)
    return {"format": BUNDLE_FORMAT, "log": log, "checkpoint": text,
            "entries": [{"index": i, "entry": base64.b64encode(read_entry(conn, log, i).raw).decode(),
                         "proof": [base64.b64encode(h).decode() for h in paths[i]]}
                        for i in indexes]}


def export_consistency_proof(conn: sa.Connection, log: str, old_size: int,
                             new_size: int | None = None) -> dict:
    old_size, old_text = _checkpoint_covering(conn, log, old_size)
    if new_size is None:
        new_size, new_text = stored_checkpoints(conn, log)[-1]
    else:
        new_size, new_text = _checkpoint_covering(conn, log, new_size)
    if new_size < old_size:
        raise LedgerError(f"new size {new_size} is smaller than old size {old_size}")
    path = consistency_proof(_leaf_hashes(conn, log, new_size), old_size, new_size)
    return {"format": CONSISTENCY_FORMAT, "log": log, "old_checkpoint": old_text,
            "new_checkpoint": new_text, "proof": [base64.b64encode(h).decode() for h in path]}


@dataclass(frozen=True)
class ProofResult:
    kind: str                   # "inclusion", "consistency" or "bundle"
    log: str
    checkpoint: SignedCheckpoint
    entry: Entry | None = None
    old_checkpoint: SignedCheckpoint | None = None
    entries: tuple[Entry, ...] = ()     # a bundle's entries, each proven

    def as_json(self) -> dict:
        out = {"ok": True, "kind": self.kind, "log": self.log, "checkpoint": self.checkpoint.as_json()}
        if self.entry:
            out["entry"] = self.entry.as_json()
        if self.old_checkpoint:
            out["old_checkpoint"] = self.old_checkpoint.as_json()
        if self.entries:
            out["entries"] = [e.as_json() for e in self.entries]
        return out


def verify_proof(doc: dict | str | bytes, trusted: list[note.Verifier]) -> ProofResult:
    """Check a proof document offline. Raises VerificationError saying what failed."""
    if isinstance(doc, (str, bytes)):
        try:
            doc = json.loads(doc)
        except (ValueError, UnicodeDecodeError) as e:
            raise VerificationError(f"proof file is not JSON: {e}", failure="proof-format") from None
    if not isinstance(doc, dict):
        raise VerificationError("proof file is not a JSON object", failure="proof-format")
    try:
        if doc.get("format") == INCLUSION_FORMAT:
            return _verify_inclusion_doc(doc, trusted)
        if doc.get("format") == CONSISTENCY_FORMAT:
            return _verify_consistency_doc(doc, trusted)
        if doc.get("format") == BUNDLE_FORMAT:
            return _verify_bundle_doc(doc, trusted)
    except (KeyError, TypeError, binascii.Error) as e:
        raise VerificationError(f"proof file is malformed ({type(e).__name__}: {e})",
                                failure="proof-format") from None
    raise VerificationError(f"unknown proof format {doc.get('format')!r}", failure="proof-format",
                            hint=f"expected {INCLUSION_FORMAT}, {CONSISTENCY_FORMAT} or {BUNDLE_FORMAT}")


def _hashes(items: list) -> list[bytes]:
    return [base64.b64decode(h, validate=True) for h in items]


def _verify_inclusion_doc(doc: dict, trusted: list[note.Verifier]) -> ProofResult:
    cp = open_checkpoint(doc["checkpoint"], doc["log"], trusted)
    return ProofResult("inclusion", doc["log"], cp, entry=_proven_entry(doc, doc["log"], cp))


def _verify_bundle_doc(doc: dict, trusted: list[note.Verifier]) -> ProofResult:
    log = doc["log"]
    cp = open_checkpoint(doc["checkpoint"], log, trusted)
    items = doc["entries"]
    if not isinstance(items, list) or not items:
        raise VerificationError("the bundle holds no entries", failure="proof-format")
    proven = tuple(_proven_entry(item, log, cp) for item in items)
    indexes = [e.index for e in proven]
    if len(set(indexes)) != len(indexes):
        raise VerificationError("the bundle lists an entry twice", failure="proof-format")
    return ProofResult("bundle", log, cp, entries=proven)


def _proven_entry(doc: dict, log: str, cp: SignedCheckpoint) -> Entry:
    """The entry `doc` carries, once its audit path leads to the checkpoint's root."""
    index = doc["index"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise VerificationError(f"proof index {index!r} is not a non-negative integer", failure="proof-format")
    raw = base64.b64decode(doc["entry"], validate=True)
    try:
        entry = decode_entry(raw)
    except EncodingError as e:
        raise VerificationError(f"the entry in the proof is damaged: {e.message}", failure="inclusion-proof") from None
    if entry.index != index or entry.log != log:
        raise VerificationError(f"the entry in the proof is entry {entry.index} of log {entry.log!r}, "
                                f"but the proof claims entry {index} of {log!r}", failure="inclusion-proof")
    verify_inclusion(entry_hash(raw), index, cp.size, _hashes(doc["proof"]), cp.root_hash)
    return entry


def _verify_consistency_doc(doc: dict, trusted: list[note.Verifier]) -> ProofResult:
    log = doc["log"]
    old = open_checkpoint(doc["old_checkpoint"], log, trusted)
    new = open_checkpoint(doc["new_checkpoint"], log, trusted)
    verify_consistency(old.size, new.size, old.root_hash, new.root_hash, _hashes(doc["proof"]))
    return ProofResult("consistency", log, new, old_checkpoint=old)
