"""A witness's run: its own key and state, cosigning the log's newest checkpoint once it has
checked that it extends the last one this witness cosigned (ledger/witness.py). Run by a
party other than the writer, such as the ward's audit office, on a schedule."""

from __future__ import annotations

import time
from pathlib import Path

import ledger
from handover.config import Settings
from handover.errors import lifted
from handover.model.database import open_database


def create_witness_key(path: Path, name: str) -> Path:
    """Generate a witness key at `path` (0600); returns its public key's path, for verifiers."""
    with lifted():
        return ledger.generate_witness_key(path, name)


def cosign(settings: Settings, witness_key: Path, state: Path, trusted_keys: list[Path],
           timestamp: int | None = None) -> ledger.Cosignature:
    """Cosign the newest checkpoint of the log, or refuse a rollback, fork or rewrite."""
    engine = open_database(settings.db_url)
    with lifted():
        cosigner = ledger.load_cosigner(witness_key)
        log_keys = ledger.load_verifiers(trusted_keys)
        return ledger.cosign_newest(engine, settings.log, log_keys, cosigner, state,
                                    int(time.time()) if timestamp is None else timestamp)
