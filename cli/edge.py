"""What every command establishes at the edge before it calls handover/: the acting person
(`--as` or $HANDOVER_ACTOR) and the journal the settings name. The domain's `record()` then
receives an actor the edge established (person-bound signing will build on this)."""

from __future__ import annotations

import os

import click

from handover import ids
from handover.errors import HandoverError
from handover.model import Journal, open_journal

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


def journal(ctx: click.Context) -> Journal:
    return open_journal(ctx.obj)
