"""What every command establishes at the edge before it calls handover/: the acting person
(`--as` or $HANDOVER_ACTOR) and the journal the settings name. The domain's `record()` then
receives an actor the edge established (person-bound signing will build on this)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from handover.model.journal import Journal

from handover import ids
from handover.errors import HandoverError

ENV_ACTOR = "HANDOVER_ACTOR"


def actor_option():
    # Not click-required: resolve_actor() explains what is missing in the house style.
    return click.option("--as", "actor", metavar="PERSON_ID", envvar=ENV_ACTOR,
                        help="Who is acting (a registered person, U-…); default $HANDOVER_ACTOR.")


def resolve_actor(text: str | None) -> str:
    """The acting person's canonical ID, from --as or $HANDOVER_ACTOR."""
    text = text or os.environ.get(ENV_ACTOR)
    if not text:
        raise HandoverError("who is acting? every recorded action names a registered person",
                            f"pass --as PERSON_ID (U-…) or set {ENV_ACTOR}")
    return ids.parse_id(text, "person")


def journal(ctx: click.Context, *, create: bool = False) -> Journal:
    """The journal of --db; only `init` passes `create`, so a mistyped path is refused."""
    from handover.model.journal import open_journal   # SQLAlchemy: only for commands that use it
    return open_journal(ctx.obj, create=create)
