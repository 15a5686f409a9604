"""`handover lgwan send | list` and `handover receive`: packages over LGWAN with receipt by
hash. Parse, call handover/, print (text or --json). Registered by cli/main.py."""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import acting, actor_option, journal
from cli.handover_options import parse_datetime
from cli.lazy import actions, reports
from cli.output import emit_json, json_option

_FILE = click.Path(dir_okay=False, path_type=Path)
_DIR = click.Path(file_okay=False, path_type=Path)


@click.group("lgwan")
def lgwan() -> None:
    """Packages sent over LGWAN to a contractor's LGWAN-ASP service."""


@lgwan.command("send")
@click.argument("medium_id")
@click.argument("file", type=_FILE)
@click.option("--service", required=True, help="The LGWAN-ASP service uploaded to.")
@click.option("--to", "to_person", metavar="PERSON_ID", required=True, help="Who receives it (rostered).")
@click.option("--at", "occurred_at", metavar="ISO_TIME", help="When it was uploaded (default: now).")
@click.option("--pdf-dir", type=_DIR, help="Print the 確認書 here.")
@actor_option()
@json_option
@click.pass_context
def send(ctx, medium_id, file, service, to_person, occurred_at, pdf_dir, actor, as_json):
    """Record that the package FILE of LGWAN medium MEDIUM_ID was uploaded (run on the
    designated workstation; the file must be the sealed P-….hop, unchanged)."""
    done = actions.send_file(*acting(ctx, actor), medium_id, file,
                             service=service, to_person=to_person,
                             occurred_at=parse_datetime(occurred_at), pdf_dir=pdf_dir)
    if as_json:
        emit_json(done.as_json())
        return
    click.echo(f"LGWAN transfer: {done.transfer_id} (handover {done.handover.handover_id}, "
               f"entry {done.handover.entry_index})")
    click.echo(f"sha256 {done.sha256}  {done.size} bytes")
    if done.handover.pdf_path:
        click.echo(f"確認書: {done.handover.pdf_path}")
    click.echo("the password notice goes separately, by hand or registered mail, on another day")


@lgwan.command("list")
@click.option("--case", "case_id", metavar="CASE_ID")
@json_option
@click.pass_context
def list_cmd(ctx, case_id, as_json):
    """Every LGWAN upload and whether its download was confirmed."""
    data = reports.list_transfers(journal(ctx), case_id)
    if as_json:
        emit_json(data)
        return
    if not data:
        click.echo("no LGWAN transfers")
    for t in data:
        got = f"received by {t['received_by_name']} at {t['received_at']}" if t["received_by"] \
            else "AWAITING RECEIPT"
        click.echo(f"{t['transfer_id']}  {t['file_name']}  {t['sent_at']}  {t['service']}  {got}")


@click.command("receive")
@click.argument("file", type=_FILE)
@click.option("--transfer", "transfer_id", metavar="T_ID", help="When the file is not named P-….hop.")
@click.option("--pdf-dir", type=_DIR, help="Print the confirmed 確認書 here.")
@actor_option()
@json_option
@click.pass_context
def receive(ctx, file, transfer_id, pdf_dir, actor, as_json):
    """Confirm receipt of a downloaded LGWAN file by its SHA-256. On a mismatch nothing is
    received, an incident is opened, and the file must not be opened."""
    done = actions.receive_file(*acting(ctx, actor), file,
                                transfer_id=transfer_id, pdf_dir=pdf_dir)
    if as_json:
        emit_json(done.as_json())
        return
    click.echo(f"received: {done.transfer_id} matches (sha256 {done.sha256}); "
               f"handover {done.handover.handover_id} confirmed")
    if done.handover.pdf_path:
        click.echo(f"確認書: {done.handover.pdf_path}")
