"""`handover credential enrol | revoke | list`: people's signing credentials (issue 12).
Parse, call handover.actions, print."""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import acting, actor_option, journal, new_passphrase_option, read_passphrase
from cli.lazy import actions
from cli.output import emit_json, json_option


@click.group()
def credential() -> None:
    """Personal signing credentials: every action is signed by the person who takes it."""


@credential.command("enrol")
@click.argument("person_id")
@click.option("--pdf-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where to write the 登録票 (enrolment form) to sign and file.")
@new_passphrase_option()
@actor_option()
@json_option
@click.pass_context
def enrol(ctx, person_id, pdf_dir, actor, as_json):
    """Enrol a passphrase credential for PERSON_ID, with the person present: staff act (--as),
    the person chooses their passphrase (asked twice, not echoed)."""
    j, staff = acting(ctx, actor)
    passphrase = read_passphrase(ctx, "new-", f"new passphrase for {person_id}", confirm=True)
    new = actions.new_passphrase_credential(passphrase)
    done = actions.enrol_credential(j, staff, person_id, new, pdf_dir=pdf_dir)
    data = {"credential_id": new.credential_id, "person_id": done.value.person_id,
            "fingerprint": new.fingerprint, "entry": done.entries[0].index,
            "form": str(done.value.form)}
    if as_json:
        emit_json(data)
    else:
        click.echo(f"credential: {new.credential_id} of {done.value.person_id}")
        click.echo(f"fingerprint: {new.fingerprint}")
        click.echo(f"登録票: {done.value.form} (print, sign and file it)")


@credential.command("revoke")
@click.argument("credential_id")
@click.option("--reason", required=True, help="Why: lost, forgotten, left the post…")
@actor_option()
@click.pass_context
def revoke(ctx, credential_id, reason, actor):
    """Revoke a credential: it signs nothing from now on."""
    done = actions.revoke_credential(*acting(ctx, actor), credential_id, reason)
    click.echo(f"revoked {credential_id} (entry {done.entries[0].index})")


@credential.command("list")
@click.option("--person", "person_id", metavar="PERSON_ID", help="Only this person's.")
@json_option
@click.pass_context
def list_cmd(ctx, person_id, as_json):
    """Every credential registered, revoked ones included."""
    rows = actions.credential_list(journal(ctx), person_id)
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        state = f"revoked {r['revoked_at']} ({r['revoke_reason']})" if r["revoked_at"] else "active"
        click.echo(f"{r['credential_id']}  {r['person_id']}  {r['kind']:<18} {r['fingerprint']}  "
                   f"{state}  {r['name']}")
