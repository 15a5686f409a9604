"""The `handover` command: global options, subcommand groups, and the one place errors are
rendered and exit codes decided.

Output rules (after age): messages start lower-case with no final period; errors go to
stderr as `handover: error: …` then `handover: hint: …`.
"""

from __future__ import annotations

import sys

import click

from cli import (audit, credentials, custody, custody_reports, db, erasures, incidents, inspection,
                 ledger, lgwan, package, print_logs, serve, visits, witness)
from handover.config import resolve_settings
from handover.errors import HandoverError


class _Root(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HandoverError as e:
            click.echo(f"handover: error: {e.message}", err=True)
            if e.hint:
                click.echo(f"handover: hint: {e.hint}", err=True)
            ctx.exit(e.exit_code)


@click.group(cls=_Root)
@click.option("--db", metavar="URL", help="Database URL (default: $HANDOVER_DB, else sqlite:///handover.db).")
@click.option("--key", metavar="PATH", help="Log signing key (default: $HANDOVER_KEY, else ./handover-signing.key).")
@click.option("--log", "log_name", metavar="NAME", help="Log (ward or tenant) name (default: $HANDOVER_LOG, else 'ward').")
@click.version_option(package_name="handover")
@click.pass_context
def main(ctx: click.Context, db: str | None, key: str | None, log_name: str | None) -> None:
    """Secure data-handover tracker: encrypted packages, custody ledger and 確認書."""
    ctx.obj = resolve_settings(db, key, log_name)


# Every command, registered here and nowhere else: the command modules never import this one.
for command in (
        custody.init, custody.register, credentials.credential, custody.case_group, custody.seal, custody.store,
        custody.record_cmd, custody.confirm, custody.print_cmd,
        custody_reports.status, custody_reports.history, custody_reports.overrides,
        custody_reports.labels, custody_reports.label_key_cmd, custody_reports.scan,
        custody_reports.rebuild, custody_reports.demo, incidents.incident,
        lgwan.lgwan, lgwan.receive, erasures.erasure,
        inspection.inspection, audit.report, db.db, print_logs.print_log, visits.visits,
        ledger.ledger, witness.witness, package.package, serve.serve):
    main.add_command(command)

if __name__ == "__main__":
    sys.exit(main())
