"""`handover witness …`: run by an independent party (the audit office) with its own key and
state. Parse, call handover.actions, print."""

from __future__ import annotations

from pathlib import Path

import click

from cli.ledger import trusted_key_option
from cli.lazy import actions
from cli.output import emit_json, json_option


@click.group()
def witness() -> None:
    """Cosign the log's checkpoints as an independent witness (C2SP tlog-cosignature)."""


@witness.command()
@click.argument("key", type=click.Path(path_type=Path))
@click.option("--name", required=True, help="Witness name, e.g. audit.city.example/w1.")
def keygen(key, name):
    """Create a witness key at KEY (mode 0600) and KEY.pub for verifiers."""
    pub = actions.create_witness_key(key, name)
    click.echo(f"witness key: {key} (keep it with the witness, never on the writer's machines)")
    click.echo(f"public key for verifiers (--witness-key): {pub}")


@witness.command()
@click.option("--witness-key", "witness_key", required=True, type=click.Path(path_type=Path),
              help="The witness's private key.")
@click.option("--state", required=True, type=click.Path(path_type=Path),
              help="The witness's state file: the last size and root it cosigned (created on first use).")
@trusted_key_option
@json_option
@click.pass_obj
def cosign(settings, witness_key, state, trusted_keys, as_json):
    """Cosign the log's newest checkpoint if it extends the one cosigned last time.

    Refuses a rollback, a second root for a size already cosigned, and any checkpoint whose
    consistency proof from the last cosigned one fails (exit 3)."""
    c = actions.cosign(settings, witness_key, state, list(trusted_keys))
    if as_json:
        emit_json(c.as_json())
    elif not c.new:
        click.echo(f"log {c.log}: size {c.size} was already cosigned by {c.witness}; nothing new")
    else:
        since = f" (extends size {c.previous_size})" if c.previous_size is not None else " (first cosignature)"
        click.echo(f"log {c.log}: cosigned size {c.size}, root {c.root_hash.hex()}{since}")
        click.echo(c.line)
