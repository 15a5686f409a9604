"""Signing-key rotation: a `SigningKeyRotated` entry, written by the ledger itself.

A log is signed by one key at a time. Replacing it (lost, compromised or retired) is an
entry in the log, so verifiers see when and why. When the old key is still available it
signs an endorsement of the new key (a signed note); verifiers that trust the old key then
follow the rotation. When it is lost, the entry records the loss, and auditors must be given
the new public key through a channel they trust.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ledger import note
from ledger.checkpoints import (SignedCheckpoint, key_id, origin_for, sign_checkpoint,
                                signature_key_ids)
from ledger.encoding import Entry
from ledger.errors import LedgerError, VerificationError
from ledger.log import Log, append
from ledger.schema import checkpoints

ROTATION_KIND = "SigningKeyRotated"
_ENDORSEMENT_LABEL = "handover/ledger signing key rotation"


def current_key_id(conn: sa.Connection, log: str) -> str | None:
    """The key that signed the log's newest stored checkpoint, or None before the first."""
    text = conn.execute(sa.select(checkpoints.c.note).where(checkpoints.c.log == log)
                        .order_by(checkpoints.c.size.desc()).limit(1)).scalar()
    if text is None:
        return None
    ids = signature_key_ids(text)
    return ids[-1] if ids else None


def endorsement_body(log: str, old_key: str, new_key: str) -> str:
    return f"{_ENDORSEMENT_LABEL}\n{origin_for(log)}\nold {old_key}\nnew {new_key}\n"


def rotate_key(log: Log, new_signer: note.Signer, *, old_signer: note.Signer | None,
               reason: str, actor: str, claimed_time: datetime | str) -> tuple[Entry, SignedCheckpoint]:
    """Record that `new_signer` replaces the log's current key, and sign a checkpoint over
    that entry with the new key, in the writer's transaction.

    `old_signer` is the current key when it is still available (it endorses the new one);
    None when it is lost, and then `reason` must say so.
    """
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError("a key rotation needs a reason",
                          "say why, e.g. 'key file lost with the office PC' or 'scheduled retirement'")
    current = current_key_id(log.connection, log.name)
    new_id = key_id(new_signer)
    if new_id == current:
        raise LedgerError(f"log {log.name!r} is already signed with key {new_id}",
                          "generate a new key for the rotation")
    endorsement = None
    if old_signer is not None:
        if current is not None and key_id(old_signer) != current:
            raise LedgerError(f"the old key given ({key_id(old_signer)}) is not the key of log "
                              f"{log.name!r}'s checkpoints ({current})",
                              "give the log's current key, or rotate without it if it is lost")
        endorsement = note.sign_note(
            endorsement_body(log.name, key_id(old_signer), note.verifier_key_string(new_signer)),
            old_signer)
    payload = {"new_key": note.verifier_key_string(new_signer), "old_key": current,
               "old_key_signed": endorsement is not None, "endorsement": endorsement,
               "reason": reason}
    entry = append(log, ROTATION_KIND, payload, actor, claimed_time)
    return entry, sign_checkpoint(log, new_signer, check_key=False)


@dataclass(frozen=True)
class Rotation:
    """A rotation seen while verifying: from entry `index` on, `key` signs the log, if the
    auditor can trust it (`problem` says why not)."""
    index: int
    key: note.Verifier | None
    problem: str | None = None


def follow_rotations(log: str, found: list[tuple[int, dict]],
                     trusted: list[note.Verifier]) -> list[Rotation]:
    """Decide, rotation by rotation, which new keys an auditor trusting `trusted` accepts:
    those they trust themselves, and those endorsed by a key already accepted."""
    own = {key_id(v) for v in trusted}
    accepted = list(trusted)
    out = []
    for index, payload in found:
        try:
            new = note.parse_verifier_key(payload["new_key"])
        except (LedgerError, KeyError, TypeError, AttributeError):
            out.append(Rotation(index, None, f"entry {index}: the key rotation names no valid new key"))
            accepted = []
            continue
        ok = key_id(new) in own
        if not ok and isinstance(payload.get("endorsement"), str) and accepted:
            try:
                body, _ = note.open_note(payload["endorsement"], accepted)
                ok = body == endorsement_body(log, body.split("\n")[2][4:], payload["new_key"])
            except (VerificationError, IndexError):
                ok = False
        if ok:
            out.append(Rotation(index, new))
            accepted = [new]
        else:
            reason = payload.get("reason")
            out.append(Rotation(index, None,
                                f"entry {index} rotates the signing key to {key_id(new)} "
                                f"(reason: {reason!r}); you do not trust that key and no key you "
                                "trust endorsed it"))
            accepted = []
    return out
