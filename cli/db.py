"""`handover db …`: setting up a shared PostgreSQL database (run once by its administrator)."""

from __future__ import annotations

import click

from cli.lazy import LazyModule
from cli.output import emit_json, json_option

roles = LazyModule("handover.model.roles")


@click.group()
def db() -> None:
    """Shared PostgreSQL database: roles the application cannot escape."""


@db.command("init")
@click.option("--admin-url", required=True, metavar="URL", envvar="HANDOVER_ADMIN_DB",
              help="The admin role's URL ($HANDOVER_ADMIN_DB): it creates and owns every table.")
@click.option("--writer", required=True, metavar="ROLE",
              help="The role the application connects as (its --db URL): SELECT and INSERT on "
                   "the ledger, read and write on the custody tables, nothing else.")
@json_option
def init(admin_url, writer, as_json):
    """Create the tables as the admin and grant the writer role only what it needs.

    Run again after an upgrade that reshaped the custody tables."""
    grants = roles.grant_writer(admin_url, writer)
    if as_json:
        emit_json(grants.as_json())
        return
    click.echo(f"tables in schema {grants.schema} are owned by {grants.owner}")
    click.echo(f"{grants.writer} may SELECT and INSERT on {', '.join(grants.ledger_tables)}; "
               "never UPDATE, DELETE, TRUNCATE, or touch a trigger")
    click.echo(f"{grants.writer} may read and write the {len(grants.custody_tables)} custody tables "
               "(a cache of the ledger)")
    click.echo(f"next: run handover with --db as {grants.writer}, e.g. "
               f"postgresql+psycopg://{grants.writer}@HOST/DB, then `handover init` once")
