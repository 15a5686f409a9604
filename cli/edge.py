"""What every command establishes at the edge before it calls handover/: the acting person
and their unlocked credential, and the journal the settings name.

`--as PERSON_ID` (or $HANDOVER_ACTOR) names whose credential to use; the person's passphrase
then unlocks it (issue 12). The passphrase is read from a file descriptor
(--passphrase-fd / $HANDOVER_PASSPHRASE_FD), a file (--passphrase-file /
$HANDOVER_PASSPHRASE_FILE), or else a prompt without echo; never from the command line.
A new credential's passphrase (init, credential enrol) comes the same way through the
--new-passphrase-* options, or is typed twice at a prompt.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from handover.model.journal import Journal

from handover import ids
from handover.errors import HandoverError

ENV_ACTOR = "HANDOVER_ACTOR"
_PASSPHRASE = "handover.passphrase"


def _remember(ctx: click.Context, param: click.Parameter, value):
    if value is not None:
        ctx.meta.setdefault(_PASSPHRASE, {})[param.name] = value
    return value


def _passphrase_options(prefix: str, whose: str):
    def deco(f):
        f = click.option(f"--{prefix}passphrase-file", f"{prefix.replace('-', '_')}passphrase_file",
                         metavar="PATH", envvar=f"HANDOVER_{prefix.replace('-', '_').upper()}PASSPHRASE_FILE",
                         expose_value=False, callback=_remember,
                         help=f"Read {whose} passphrase from the first line of this file.")(f)
        f = click.option(f"--{prefix}passphrase-fd", f"{prefix.replace('-', '_')}passphrase_fd",
                         metavar="N", type=int,
                         envvar=f"HANDOVER_{prefix.replace('-', '_').upper()}PASSPHRASE_FD",
                         expose_value=False, callback=_remember,
                         help=f"Read {whose} passphrase (one line) from file descriptor N.")(f)
        return f
    return deco


def actor_option():
    # Not click-required: resolve_actor() explains what is missing in the house style.
    def deco(f):
        f = _passphrase_options("", "the acting person's")(f)
        return click.option("--as", "actor", metavar="PERSON_ID", envvar=ENV_ACTOR,
                            help="Whose credential acts (a registered person, U-…); default "
                                 "$HANDOVER_ACTOR. Their passphrase is then required.")(f)
    return deco


def new_passphrase_option():
    return _passphrase_options("new-", "the new credential's")


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


def acting(ctx: click.Context, actor_text: str | None) -> tuple[Journal, str]:
    """The journal with the acting person's credential unlocked, and that person's ID."""
    from cli.lazy import actions
    actor_id = resolve_actor(actor_text)
    j = journal(ctx)
    actions.unlock(j, actor_id, read_passphrase(ctx, "", f"passphrase for {actor_id}"))
    return j, actor_id


def read_passphrase(ctx: click.Context, prefix: str, prompt: str, *, confirm: bool = False) -> str:
    """One passphrase, from the fd or file option of `prefix`, else a prompt without echo."""
    given = ctx.meta.get(_PASSPHRASE, {})
    key = prefix.replace("-", "_")
    fd, path = given.get(f"{key}passphrase_fd"), given.get(f"{key}passphrase_file")
    if fd is not None:
        return _line(_read_fd(fd), f"file descriptor {fd}")
    if path is not None:
        try:
            with open(path, encoding="utf-8") as f:
                return _line(f.readline(), f"file {path}")
        except OSError as e:
            raise HandoverError(f"cannot read the passphrase file {path}: {e.strerror}",
                                f"check --{prefix}passphrase-file") from None
    if not sys.stdin.isatty():
        raise HandoverError(f"a passphrase is needed ({prompt}) and there is no terminal to ask",
                            f"give it with --{prefix}passphrase-fd N or --{prefix}passphrase-file "
                            f"PATH (never on the command line)")
    return click.prompt(prompt.capitalize(), hide_input=True, confirmation_prompt=confirm,
                        err=True)


def _read_fd(fd: int) -> str:
    """Read one line from `fd`, a byte at a time, so a second passphrase can follow it."""
    out = bytearray()
    try:
        while True:
            b = os.read(fd, 1)
            if not b or b == b"\n":
                break
            out += b
    except OSError as e:
        raise HandoverError(f"cannot read a passphrase from file descriptor {fd}: {e.strerror}",
                            "pass an open descriptor, e.g. --passphrase-fd 3 3<secret.txt") from None
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise HandoverError(f"the passphrase from file descriptor {fd} is not UTF-8 text") from None


def _line(text: str, where: str) -> str:
    text = text.rstrip("\r\n")
    if not text:
        raise HandoverError(f"the passphrase from {where} is empty",
                            "put the passphrase on the first line")
    return text
