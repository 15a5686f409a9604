"""`handover inspection record | print`: on-site inspections (立入調査) of a case's contractors.
Parse, call handover.actions, print (text or --json). Registered by cli/main.py."""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import acting, actor_option, journal
from cli.lazy import actions
from cli.output import emit_json, json_option

# The checklist, spelled out for --help without importing the model (events.INSPECTION_CHECKS;
# tests/cli/test_inspection_cli.py checks that they agree).
CHECKS = ("locked-storage", "roster-current", "entry-exit-records", "print-logs", "erasure")


@click.group()
def inspection() -> None:
    """On-site inspections (立入調査) of a case's contractors and sub-contractors."""


@inspection.command("record")
@click.argument("case_id")
@click.option("--org", "org_id", required=True, metavar="ORG_ID",
              help="The contractor or sub-contractor inspected.")
@click.option("--date", "inspected_on", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day of the inspection (YYYY-MM-DD).")
@click.option("--inspector", "inspectors", multiple=True, required=True, metavar="PERSON_ID",
              help="Ward staff or auditor who inspected (repeatable).")
@click.option("--place", required=True, help="Where: the office or work site inspected.")
@click.option("--finding", "findings", multiple=True, metavar="CHECK=RESULT[:NOTE]",
              help=f"One per check ({', '.join(CHECKS)}); RESULT is ok, deficient or n/a.")
@click.option("--follow-up", "follow_ups", multiple=True, metavar="TEXT",
              help="A follow-up action (repeatable); needed when a check is deficient.")
@click.option("--pdf-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Print the 立入調査記録 PDF here.")
@actor_option()
@json_option
@click.pass_context
def record(ctx, case_id, org_id, inspected_on, inspectors, place, findings, follow_ups, pdf_dir,
           actor, as_json):
    """Record an inspection: every check's result and the follow-ups."""
    done = actions.record_inspection(*acting(ctx, actor), case_id, org_id,
                                     inspected_on.date(), inspectors, place,
                                     actions.parse_findings(findings), follow_ups,
                                     pdf_dir=pdf_dir)
    if as_json:
        emit_json(done.as_json())
        return
    click.echo(f"recorded inspection {done.inspection_id} (entry {done.entry_index})")
    if done.pdf_path:
        click.echo(f"立入調査記録: {done.pdf_path}")


@inspection.command("print")
@click.argument("inspection_id")
@click.option("--pdf-dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def print_cmd(ctx, inspection_id, pdf_dir):
    """Print an inspection's 立入調査記録 again."""
    path = actions.print_inspection(journal(ctx), inspection_id, pdf_dir)
    click.echo(f"立入調査記録: {path}")
