"""`handover erasure record | receive | check | list | show | print`: 消去証明書. Parse, call
handover/, print (text or --json). Registered by cli/main.py."""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import acting, actor_option, journal
from cli.lazy import actions, reports
from cli.output import emit_json, json_option
from handover.model import events as ev

_DIR = click.Path(file_okay=False, path_type=Path)


@click.group("erasure")
def erasure() -> None:
    """Erasure certificates (消去証明書): record, receive, check, print."""


@erasure.command("record")
@click.option("--case", "case_id", metavar="CASE_ID", required=True)
@click.option("--erased", required=True, help="What was erased: decrypted extracts, working copies, derived files.")
@click.option("--from", "sources", multiple=True, metavar="ID", help="A package (P-…) or medium (M-…) the data came from; repeatable.")
@click.option("--location", "locations", multiple=True, metavar="NAME", help="A computer or server erased; repeatable.")
@click.option("--method", type=click.Choice(list(ev.ERASURE_METHODS)), required=True,
              help="clear (上書き消去), purge (暗号化消去・完全消去), destroy (物理破壊).")
@click.option("--tool", required=True)
@click.option("--performed-by", metavar="PERSON_ID", required=True)
@click.option("--verified-by", metavar="PERSON_ID", required=True, help="The responsible handler (取扱責任者).")
@click.option("--on", "erased_on", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Date of the erasure.")
@click.option("--place", required=True)
@click.option("--pdf-dir", type=_DIR, help="Print the 消去証明書 here for stamping.")
@actor_option()
@json_option
@click.pass_context
def record_cmd(ctx, case_id, erased, sources, locations, method, tool, performed_by, verified_by,
               erased_on, place, pdf_dir, actor, as_json):
    """Certify that your organisation erased the case's data."""
    j, actor_id = acting(ctx, actor)
    done = actions.record_erasure(j, actor_id, case_id, erased=erased,
                                  sources=sources, locations=locations, method=method, tool=tool,
                                  performed_by=performed_by, verified_by=verified_by,
                                  erased_on=erased_on.date(), place=place)
    pdf = reports.print_erasure(j, done.value, pdf_dir) if pdf_dir else None
    data = {"certificate_id": done.value, "entry": done.entries[0].index,
            "pdf": str(pdf) if pdf else None}
    if as_json:
        emit_json(data)
        return
    click.echo(f"erasure certificate: {done.value} (entry {data['entry']})")
    if pdf:
        click.echo(f"消去証明書: {pdf}")


def _one_step(ctx, as_json, done, text):
    entry = done.entries[0].index
    emit_json({"entry": entry}) if as_json else click.echo(f"{text} (entry {entry})")


@erasure.command("receive")
@click.argument("certificate_id")
@actor_option()
@json_option
@click.pass_context
def receive(ctx, certificate_id, actor, as_json):
    """Record receiving a certificate (ward staff; a sub-contractor's: also its contractor)."""
    _one_step(ctx, as_json, actions.receive_certificate(*acting(ctx, actor),
                                                        certificate_id), "certificate received")


@erasure.command("check")
@click.argument("certificate_id")
@click.option("--note", required=True, help="What the ward checked.")
@actor_option()
@json_option
@click.pass_context
def check(ctx, certificate_id, note, actor, as_json):
    """Record the ward's own check of an erasure."""
    _one_step(ctx, as_json, actions.check_erasure(*acting(ctx, actor),
                                                  certificate_id, note), "check recorded")


@erasure.command("list")
@click.option("--case", "case_id", metavar="CASE_ID")
@json_option
@click.pass_context
def list_cmd(ctx, case_id, as_json):
    """Erasure certificates, oldest first."""
    data = reports.list_erasures(journal(ctx), case_id)
    if as_json:
        emit_json(data)
        return
    if not data:
        click.echo("no erasure certificates")
    for c in data:
        got = f"received {c['ward_received_at']}" if c["ward_received_at"] else "NOT YET RECEIVED"
        click.echo(f"{c['certificate_id']}  {c['case_id']}  {c['org']}  {c['erased_on']}  "
                   f"{c['method']}  {got}")


@erasure.command("show")
@click.argument("certificate_id")
@json_option
@click.pass_context
def show(ctx, certificate_id, as_json):
    """One erasure certificate."""
    c = reports.show_erasure(journal(ctx), certificate_id)
    if as_json:
        emit_json(c)
        return
    click.echo(f"{c['certificate_id']} of {c['org']} on {c['case_id']}, erased {c['erased_on']} "
               f"at {c['place']}")
    click.echo(f"  {c['erased']} from {', '.join(c['sources'])}")
    click.echo(f"  on {', '.join(c['locations'])}: {c['method_label']} ({c['method']}) with {c['tool']}")
    click.echo(f"  performed by {c['performed_by_name']}, verified by {c['verified_by_name']}")
    click.echo(f"  received by the ward: {c['ward_received_at'] or 'not yet'}; "
               f"checked: {c['checked_at'] or 'not yet'}")


@erasure.command("print")
@click.argument("certificate_id")
@click.option("--pdf-dir", type=_DIR, required=True)
@click.pass_context
def print_cmd(ctx, certificate_id, pdf_dir):
    """Print a 消去証明書 as it stands."""
    click.echo(reports.print_erasure(journal(ctx), certificate_id, pdf_dir))
