"""Where the database, the signing key and the log name come from: option, then
environment, then a default in the current directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from handover.errors import HandoverError

DEFAULT_DB = "sqlite:///handover.db"
DEFAULT_KEY = "handover-signing.key"
DEFAULT_LOG = "ward"

ENV_DB = "HANDOVER_DB"
ENV_KEY = "HANDOVER_KEY"
ENV_LOG = "HANDOVER_LOG"
# Where contractors get the program that opens a package (a URL or whom to ask); printed on
# every password notice. Unset: the notice says to ask the issuing ward.
ENV_OPENER_SOURCE = "HANDOVER_OPENER_SOURCE"
MAX_OPENER_SOURCE = 200


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


def opener_source() -> str | None:
    """The ward's answer to "where do I get the program that opens this?", or None."""
    text = " ".join(os.environ.get(ENV_OPENER_SOURCE, "").split())
    if not text:
        return None
    if len(text) > MAX_OPENER_SOURCE:
        raise HandoverError(f"{ENV_OPENER_SOURCE} is {len(text)} characters long; a password "
                            f"notice prints at most {MAX_OPENER_SOURCE}",
                            "set it to a URL or a short contact, e.g. "
                            "https://www.city.example.lg.jp/handover")
    return text
