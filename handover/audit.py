"""What auditors do with the ledger: keys, checkpoints, full verification, proofs, reading.

Thin over ledger/: settings in, results out, every error lifted into HandoverError.
"""

from __future__ import annotations

import json
from pathlib import Path

import ledger
from handover import events as ev
from handover import projection
from handover.config import Settings
from handover.database import open_database
from handover.errors import HandoverError, lifted
from handover.files import write_bytes_atomically
from handover.journal import open_journal, record, require_actor, resolve_actor
from handover.state import State


def create_signing_key(settings: Settings, name: str | None = None) -> Path:
    """Generate the log's signing key; returns the public key's path for auditors.
    Refused once the log has checkpoints: a second key would split the audit trail."""
    engine = open_database(settings.db_url)
    with lifted(), engine.connect() as conn:
        current = ledger.current_key_id(conn, settings.log)
    if current is not None:
        raise HandoverError(
            f"log {settings.log!r} already has checkpoints signed by key {current}; "
            "a new key would make auditors reject everything signed with it",
            f"restore the key file from its backup to {settings.key_path}; if it is lost for good, "
            "record the loss with `handover ledger rotate-key NEW_KEY --old-key-lost --reason …`")
    with lifted():
        return ledger.generate_key(settings.key_path, name or f"handover-{settings.log}")


def rotate_signing_key(settings: Settings, actor: str | None, new_key: Path, reason: str,
                       old_key_lost: bool, name: str | None = None
                       ) -> tuple[Path, ledger.Entry, ledger.SignedCheckpoint]:
    """Replace the log's signing key by a new one written to `new_key`, recorded in the log
    (endorsed by the current key unless it is lost) and signed over with the new key."""
    actor_id = resolve_actor(actor)
    journal = open_journal(settings)
    with lifted():
        old = None if old_key_lost else _current_signer(settings)
        pub = ledger.generate_key(new_key, name or f"handover-{settings.log}")
        new = ledger.load_signer(new_key)
        with ledger.writer(journal.engine, journal.log) as lg:
            projection.catch_up(lg)
            require_actor(State(lg.connection, journal.log), actor_id)
            entry, cp = ledger.rotate_key(lg, new, old_signer=old, reason=reason, actor=actor_id,
                                          claimed_time=journal.now())
            projection.apply(lg.connection, journal.log, entry)
    return pub, entry, cp


def _current_signer(settings: Settings):
    if not settings.key_path.exists():
        raise HandoverError(f"the log's current signing key {settings.key_path} is not there",
                            "restore it from its backup; if it is lost for good, pass --old-key-lost")
    return ledger.load_signer(settings.key_path)


def record_remark(settings: Settings, actor: str | None, text: str) -> ledger.Entry:
    """An auditor's or staff member's free-text remark (e.g. an on-site inspection), recorded
    like every fact: by a registered person, with the OS account and host beside it."""
    if not text.strip():
        raise HandoverError("a remark needs some text", "write what was observed or decided")
    done = record(open_journal(settings), resolve_actor(actor),
                  lambda tx: ([ev.RemarkRecorded(text.strip())], None))
    return done.entries[0]


def sign_checkpoint(settings: Settings) -> ledger.SignedCheckpoint:
    engine = open_database(settings.db_url)
    with lifted():
        signer = ledger.load_signer(settings.key_path)
        with ledger.writer(engine, settings.log) as log:
            return ledger.take_checkpoint(log, signer)


def verify(settings: Settings, trusted_keys: list[Path], state: Path | None) -> ledger.VerifyReport:
    """Full replay against keys the auditor brings. Problems are in the report; call
    `require_ok` to turn them into an error after showing it."""
    engine = open_database(settings.db_url)
    with lifted():
        trusted = ledger.load_verifiers(trusted_keys or _default_trusted(settings))
        with engine.connect() as conn:
            return ledger.verify_log(conn, settings.log, trusted, state)


def require_ok(report: ledger.VerifyReport) -> None:
    with lifted():
        report.raise_for_problems()


def export_proof(settings: Settings, out: Path, index: int | None = None,
                 old_size: int | None = None) -> dict:
    engine = open_database(settings.db_url)
    with lifted(), engine.connect() as conn:
        if old_size is not None:
            doc = ledger.export_consistency_proof(conn, settings.log, old_size)
        elif index is not None:
            doc = ledger.export_inclusion_proof(conn, settings.log, index)
        else:
            raise HandoverError("say which proof: an entry INDEX, or --consistency-from SIZE")
    try:
        write_bytes_atomically(out, (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode())
    except OSError as e:
        raise HandoverError(f"cannot write proof file {out}: {e.strerror}",
                            "give --out a path in a directory you can write to") from None
    return doc


def check_proof(path: Path, trusted_keys: list[Path]) -> ledger.ProofResult:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise HandoverError(f"cannot read proof file {path}: {e.strerror}") from None
    with lifted():
        return ledger.verify_proof(data, ledger.load_verifiers(trusted_keys))


def show_entries(settings: Settings, start: int = 0, stop: int | None = None) -> list[ledger.Entry]:
    engine = open_database(settings.db_url)
    with lifted(), engine.connect() as conn:
        size = ledger.log_size(conn, settings.log)
        if start >= size and size:
            raise HandoverError(f"log {settings.log!r} has {size} entries; there is no entry {start}",
                                f"entries are numbered 0 to {size - 1}")
        return list(ledger.read_entries(conn, settings.log, start, stop))


def _default_trusted(settings: Settings) -> list[Path]:
    # Convenience for staff on the office machine only: the .pub beside the key file.
    # Auditors pass --trusted-key from their own copy.
    if not settings.public_key_path.exists():
        raise HandoverError("no trusted public key given",
                            "pass --trusted-key FILE (the .pub exported with the log's key)")
    return [settings.public_key_path]
