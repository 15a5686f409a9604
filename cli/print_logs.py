"""`handover print-log allowance | import | explain | list | submission`: the contractor's print
logs (004 受託事業者 13). Parse, call handover/, print (text or --json). Registered by
cli/main.py."""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import acting, actor_option, journal
from cli.lazy import actions, reports
from cli.output import emit_json, json_option


@click.group("print-log")
def print_log() -> None:
    """Print logs: the designated page count, imports, excess reasons, the 印刷ログ提出書."""


@print_log.command("allowance")
@click.argument("case_id")
@click.option("--pages", type=int, help="The designated count (指定枚数) in pages.")
@click.option("--per-record", type=int, metavar="N",
              help="N pages for each record sealed for the case (one ticket set per record).")
@click.option("--basis", default="", help="How the count was reckoned (printed as is).")
@actor_option()
@json_option
@click.pass_context
def allowance(ctx, case_id, pages, per_record, basis, actor, as_json):
    """Designate how many pages the case's contractor may print."""
    done = actions.set_print_allowance(*acting(ctx, actor), case_id, pages=pages,
                                       per_record=per_record, basis=basis)
    if as_json:
        emit_json({"case_id": case_id, "pages": done.value})
    else:
        click.echo(f"designated count for {case_id}: {done.value} pages")


@print_log.command("import")
@click.argument("case_id")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@actor_option()
@json_option
@click.pass_context
def import_cmd(ctx, case_id, path, actor, as_json):
    """Import a print log CSV (the five documented columns, a PowerShell export of
    PrintService event 307, or a PaperCut log). A file with a bad row imports nothing."""
    r = actions.import_print_log(*acting(ctx, actor), case_id, path).value
    if as_json:
        emit_json(r.as_json())
        return
    if r.already_imported:
        click.echo(f"already imported as {r.submission_id}; nothing recorded")
        return
    if r.submission_id is None:
        click.echo(f"all {r.repeated_jobs} job(s) were imported before; nothing recorded")
        return
    click.echo(f"{r.submission_id}: {r.jobs} job(s), {r.pages} page(s) ({r.layout}, {r.encoding})"
               + (f"; {r.repeated_jobs} job(s) already counted" if r.repeated_jobs else ""))
    click.echo(f"case total {r.printed_total} of {r.allowance} designated pages")
    if r.excess:
        click.echo(f"EXCESS UNEXPLAINED: {r.excess} page(s) over the designated count; the "
                   f"contractor records why with `handover print-log explain {r.submission_id} "
                   "--reason TEXT`")


@print_log.command("explain")
@click.argument("submission_id")
@click.option("--reason", required=True, help="Why more than the designated count was printed.")
@actor_option()
@click.pass_context
def explain(ctx, submission_id, reason, actor):
    """Record the contractor's reason (理由) for an excess."""
    actions.explain_print_excess(*acting(ctx, actor), submission_id, reason)
    click.echo(f"reason recorded for {submission_id}")


@print_log.command("list")
@click.argument("case_id")
@json_option
@click.pass_context
def list_cmd(ctx, case_id, as_json):
    """A case's print-log submissions, totals per computer, printer and day, and excesses."""
    data = reports.print_logs(journal(ctx), case_id)
    if as_json:
        emit_json(data)
        return
    a = data["allowance"]
    click.echo(f"{data['case_id']}  {data['name']}: {data['printed_pages']} page(s) printed, "
               f"designated {a['pages'] if a else 'not set'}")
    for s in data["submissions"]:
        click.echo(f"  {s['submission_id']}  {s['first_at'][:10]} to {s['last_at'][:10]}: "
                   f"{s['pages']} page(s), excess {s['excess']} [{s['state']}]"
                   + (f" reason: {s['reason']}" if s["reason"] else ""))
        for t in s["totals"]:
            click.echo(f"      {t['computer']}  {t['printer']}  {t['day']}: {t['pages']} "
                       f"page(s) in {t['jobs']} job(s)")


@print_log.command("submission")
@click.argument("submission_id")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def submission(ctx, submission_id, out_dir):
    """Print the 印刷ログ提出書 (PDF) of a submission."""
    click.echo(reports.print_submission(journal(ctx), submission_id, out_dir))
