"""`handover report CASE`: the auditor's report of one case (PDF, CSV, JSON), or the proof
bundle of one contractor's entries. Parse, call handover.reports, print."""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import journal
from cli.ledger import trusted_key_option
from cli.lazy import reports
from cli.output import emit_json, json_option


@click.command("report")
@click.argument("case_id")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the 監査報告書 PDF here.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report as CSV (UTF-8 with BOM: opens in Excel as Japanese text).")
@click.option("--proofs-for", "org_id", metavar="ORG_ID",
              help="Instead: the proof bundle of this contractor's entries (needs --out).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The proof bundle file (with --proofs-for).")
@trusted_key_option
@json_option
@click.pass_context
def report(ctx, case_id, pdf, csv_path, org_id, out, trusted_keys, as_json):
    """Everything an auditor files about one case, verified against the ledger."""
    if org_id or out:
        if not (org_id and out):
            raise click.UsageError("--proofs-for ORG_ID and --out FILE go together")
        if pdf or csv_path:
            raise click.UsageError("a proof bundle is written on its own: leave out --pdf/--csv")
        done = reports.write_bundle(journal(ctx), case_id, org_id, out)
        if as_json:
            emit_json(done)
        else:
            click.echo(f"wrote {len(done['entries'])} entries' inclusion proofs against "
                       f"checkpoint {done['checkpoint_size']} to {out}")
            click.echo(f"check it offline: handover ledger verify-proof {out} --trusted-key KEY.pub")
        return
    result = reports.audit_report(journal(ctx), ctx.obj, case_id, list(trusted_keys),
                                  pdf=pdf, csv_path=csv_path)
    data = result.data
    if as_json:
        emit_json(data)
    else:
        case = data["case"]
        click.echo(f"{case['case_id']}  {case['name']}  ({case['status']})")
        click.echo(f"  handovers: {len(data['handovers'])} "
                   f"({sum(1 for h in data['handovers'] if h['confirmed_by'])} confirmed)")
        click.echo(f"  overrides: {len(data['overrides'])}")
        click.echo(f"  inspections: {len(data['inspections']['records'])}")
        v = data["verification"]
        click.echo(f"  ledger: {'ok' if v['ok'] else 'FAILED'}, {v['size']} entries")
        for path in (result.pdf, result.csv):
            if path:
                click.echo(f"wrote {path}")
    reports.require_ok(result.verification)
