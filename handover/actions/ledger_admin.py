"""Keeping the ledger: the log's signing key, signed checkpoints, and rebuilding the
projection from the ledger. Thin over ledger/: settings in, results out, errors lifted."""

from __future__ import annotations

from pathlib import Path

import ledger
from handover.config import Settings
from handover.errors import lifted
from handover.model import fold
from handover.model.database import open_database
from handover.model.journal import Journal


def create_signing_key(settings: Settings, name: str | None = None) -> Path:
    """Generate the log's signing key; returns the public key's path for auditors."""
    with lifted():
        return ledger.generate_key(settings.key_path, name or f"handover-{settings.log}")


def sign_checkpoint(settings: Settings) -> ledger.SignedCheckpoint:
    engine = open_database(settings.db_url)
    with lifted():
        signer = ledger.load_signer(settings.key_path)
        with ledger.writer(engine, settings.log) as log:
            return ledger.take_checkpoint(log, signer)


def rebuild(journal: Journal) -> int:
    """Refold the projection from entry 0. Returns the entries folded."""
    return fold.rebuild(journal.engine, journal.log)
