"""`handover incident report | follow-up | close | list | show | print | check-overdue`:
事故報告. Parse, call handover/, print (text or --json). Registered by cli/main.py."""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import acting, actor_option, journal
from cli.handover_options import parse_datetime
from cli.lazy import actions, reports
from cli.output import emit_json, json_option
from handover.model import events as ev


@click.group("incident")
def incident() -> None:
    """Incidents (事故報告): report, follow up, close, print the 事故報告書."""


@incident.command("report")
@click.option("--case", "case_id", metavar="CASE_ID", required=True)
@click.option("--kind", "category", type=click.Choice(list(ev.INCIDENT_CATEGORIES)), required=True)
@click.option("--what", "description", required=True, help="What happened (事故の内容).")
@click.option("--item", "items", multiple=True, metavar="ID", help="A medium, notice or envelope batch concerned; repeatable.")
@click.option("--discovered", metavar="ISO_TIME", help="When it was discovered (default: now).")
@click.option("--notified", metavar="ISO_TIME", help="When the ward was notified.")
@click.option("--pdf-dir", type=click.Path(file_okay=False, path_type=Path), help="Print the 事故報告書 here.")
@actor_option()
@json_option
@click.pass_context
def report(ctx, case_id, category, description, items, discovered, notified, pdf_dir, actor,
           as_json):
    """Report an incident on a case."""
    j, actor_id = acting(ctx, actor)
    done = actions.report_incident(j, actor_id, case_id, category, description,
                                   items=items, discovered_at=parse_datetime(discovered),
                                   ward_notified_at=parse_datetime(notified))
    pdf = reports.print_incident(j, done.value, pdf_dir) if pdf_dir else None
    data = {"incident_id": done.value, "entry": done.entries[0].index,
            "pdf": str(pdf) if pdf else None}
    if as_json:
        emit_json(data)
        return
    click.echo(f"incident: {done.value} (entry {data['entry']})")
    if pdf:
        click.echo(f"事故報告書: {pdf}")


@incident.command("follow-up")
@click.argument("incident_id")
@click.option("--note", required=True, help="What was done since.")
@click.option("--notified", metavar="ISO_TIME", help="When the ward was notified, if this is it.")
@actor_option()
@json_option
@click.pass_context
def follow_up(ctx, incident_id, note, notified, actor, as_json):
    """Record a follow-up on an open incident."""
    done = actions.follow_up_incident(*acting(ctx, actor), incident_id, note,
                                      ward_notified_at=parse_datetime(notified))
    entry = done.entries[0].index
    emit_json({"entry": entry}) if as_json else click.echo(f"follow-up recorded (entry {entry})")


@incident.command("close")
@click.argument("incident_id")
@click.option("--outcome", required=True, help="How it ended (結果).")
@actor_option()
@json_option
@click.pass_context
def close(ctx, incident_id, outcome, actor, as_json):
    """Close an incident with its outcome (ward staff)."""
    done = actions.close_incident(*acting(ctx, actor), incident_id, outcome)
    entry = done.entries[0].index
    emit_json({"entry": entry}) if as_json else click.echo(f"incident closed (entry {entry})")


@incident.command("list")
@click.option("--case", "case_id", metavar="CASE_ID")
@click.option("--open", "open_only", is_flag=True, help="Only open incidents.")
@json_option
@click.pass_context
def list_cmd(ctx, case_id, open_only, as_json):
    """Incidents, oldest first."""
    data = reports.list_incidents(journal(ctx), case_id, open_only=open_only)
    if as_json:
        emit_json(data)
        return
    if not data:
        click.echo("no incidents")
    for i in data:
        click.echo(f"{i['incident_id']}  {i['status']:<6} {i['case_id']}  {i['category']}  "
                   f"{i['discovered_at']}  {i['description']}")


@incident.command("show")
@click.argument("incident_id")
@json_option
@click.pass_context
def show(ctx, incident_id, as_json):
    """One incident with its follow-ups."""
    i = reports.show_incident(journal(ctx), incident_id)
    if as_json:
        emit_json(i)
        return
    click.echo(f"{i['incident_id']} ({i['status']}) on {i['case_id']}: {i['category_label']}")
    click.echo(f"  {i['description']}")
    click.echo(f"  discovered {i['discovered_at']} by {i['reported_by_name']} "
               f"({i['reported_by']}); ward notified {i['ward_notified_at'] or '-'}")
    if i["items"]:
        click.echo(f"  items: {', '.join(i['items'])}")
    for f in i["followups"]:
        click.echo(f"  {f['recorded_at']}  {f['recorded_by_name']}: {f['note']}")
    if i["outcome"]:
        click.echo(f"  closed {i['closed_at']}: {i['outcome']}")


@incident.command("print")
@click.argument("incident_id")
@click.option("--pdf-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.pass_context
def print_cmd(ctx, incident_id, pdf_dir):
    """Print an incident's 事故報告書 as it stands."""
    click.echo(reports.print_incident(journal(ctx), incident_id, pdf_dir))


@incident.command("check-overdue")
@click.option("--days", type=int, help="Grace period after the contract period (default $HANDOVER_OVERDUE_DAYS, else 7).")
@actor_option()
@json_option
@click.pass_context
def check_overdue(ctx, days, actor, as_json):
    """Open an incident for every case with returns overdue beyond the grace period."""
    done = actions.open_overdue_incidents(*acting(ctx, actor), days=days)
    if as_json:
        emit_json({"opened": done.value})
        return
    click.echo("\n".join(f"incident opened: {i}" for i in done.value) or "nothing overdue")
