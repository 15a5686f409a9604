"""Where the database, the signing key and the log name come from: option, then
environment, then a default in the current directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "sqlite:///handover.db"
DEFAULT_KEY = "handover-signing.key"
DEFAULT_LOG = "ward"

ENV_DB = "HANDOVER_DB"
ENV_KEY = "HANDOVER_KEY"
ENV_LOG = "HANDOVER_LOG"


@dataclass(frozen=True)
class Settings:
    db_url: str
    key_path: Path
    log: str

    @property
    def public_key_path(self) -> Path:
        return self.key_path.with_suffix(".pub")


def resolve_settings(db: str | None = None, key: str | None = None,
                     log: str | None = None) -> Settings:
    return Settings(
        db_url=db or os.environ.get(ENV_DB) or DEFAULT_DB,
        key_path=Path(key or os.environ.get(ENV_KEY) or DEFAULT_KEY),
        log=log or os.environ.get(ENV_LOG) or DEFAULT_LOG,
    )
