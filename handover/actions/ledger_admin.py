"""Keeping the ledger: the log's signing key, signed checkpoints, and rebuilding the
projection from the ledger. Thin over ledger/: settings in, results out, errors lifted."""

from __future__ import annotations

from pathlib import Path

import ledger
from handover.config import Settings
from handover.errors import HandoverError, lifted
from handover.model import fold
from handover.model.database import NotInitialised, open_database
from handover.model.journal import Journal, require_actor
from handover.model.state import State


def create_signing_key(settings: Settings, name: str | None = None) -> Path:
    """Generate the log's signing key; returns the public key's path for auditors.
    Refused once the log has checkpoints: a second key would split the audit trail."""
    try:   # before `init` there is no database yet, and nothing signed: never create one here
        engine = open_database(settings.db_url)
    except NotInitialised:
        current = None
    else:
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


def rotate_signing_key(journal: Journal, actor_id: str, new_key: Path, reason: str,
                       old_key_lost: bool, name: str | None = None
                       ) -> tuple[Path, ledger.Entry, ledger.SignedCheckpoint]:
    """Replace the log's signing key by a new one written to `new_key`, recorded in the log
    (endorsed by the current key unless it is lost) and signed over with the new key."""
    with lifted():
        old = None if old_key_lost else _current_signer(journal.key_path)
        pub = ledger.generate_key(new_key, name or f"handover-{journal.log}")
        new = ledger.load_signer(new_key)
        with ledger.writer(journal.engine, journal.log) as lg:
            fold.catch_up(lg)
            require_actor(State(lg.connection, journal.log), actor_id)
            entry, cp = ledger.rotate_key(lg, new, old_signer=old, reason=reason, actor=actor_id,
                                          claimed_time=journal.now())
            fold.apply(lg.connection, journal.log, entry)
    return pub, entry, cp


def _current_signer(key_path: Path | None):
    if key_path is None or not Path(key_path).exists():
        raise HandoverError(f"the log's current signing key {key_path} is not there",
                            "restore it from its backup; if it is lost for good, pass --old-key-lost")
    return ledger.load_signer(key_path)


def sign_checkpoint(settings: Settings) -> ledger.SignedCheckpoint:
    engine = open_database(settings.db_url)
    with lifted():
        signer = ledger.load_signer(settings.key_path)
        with ledger.writer(engine, settings.log) as log:
            return ledger.take_checkpoint(log, signer)


def rebuild(journal: Journal) -> int:
    """Refold the projection from entry 0. Returns the entries folded."""
    return fold.rebuild(journal.engine, journal.log)
