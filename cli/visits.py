"""`handover visits split | match | list`: split visit lists for two-person visits (000 受託事業者
6). Parse, call handover/, print (text or --json). Registered by cli/main.py."""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import acting, actor_option, journal
from cli.lazy import actions, reports, visit_lists
from cli.output import emit_json, json_option

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group("visits")
def visits() -> None:
    """Split visit lists A/B (pairing codes), match them back, list them."""


@visits.command("split")
@click.argument("case_id")
@click.argument("extract", type=_FILE)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--a", "a_columns", multiple=True, metavar="COLUMN",
              help="A column for list A (repeatable). Default 000's: 住所, 方書.")
@click.option("--b", "b_columns", multiple=True, metavar="COLUMN",
              help="A column for list B (repeatable). Default 000's: 氏名, カナ, 年齢/生年月日, 性別, 電話.")
@click.option("--columns", "columns_file", type=_FILE,
              help='A TOML file: a = ["住所", "方書"]  b = ["氏名", …].')
@click.option("--csv", "write_csv", is_flag=True, help="Also write each list as CSV.")
@click.option("--label-key", type=_FILE, help="Print each list's label QR (the ward's label key).")
@actor_option()
@json_option
@click.pass_context
def split(ctx, case_id, extract, out_dir, a_columns, b_columns, columns_file, write_csv,
          label_key, actor, as_json):
    """Split a visit-list extract into lists A and B joined only by a random pairing code."""
    if columns_file and (a_columns or b_columns):
        raise click.UsageError("give the columns either with --a/--b or with --columns")
    done = actions.split_visit_list(
        *acting(ctx, actor), case_id, extract, out_dir,
        a_columns=a_columns or None, b_columns=b_columns or None, columns_file=columns_file,
        write_csv=write_csv, label_key_path=label_key).value
    for lst in done.lists:
        for warning in lst["warnings"]:
            click.echo(f"handover: warning: list {lst['half']} ({lst['list_id']}) holds "
                       f"{warning}, which identifies a person on its own", err=True)
    if as_json:
        emit_json(done.as_json())
        return
    for lst in done.lists:
        click.echo(f"list {lst['half']}: {lst['list_id']}  {lst['count']} row(s)  "
                   f"[照合番号, {', '.join(lst['columns'])}]  {lst['pdf']}"
                   + (f"  {lst['csv']}" if lst["csv"] else ""))


@visits.command("match")
@click.argument("list_a", type=_FILE)
@click.argument("list_b", type=_FILE)
@click.option("--extract", type=_FILE, help="Also check that the joined rows are exactly the extract's.")
@json_option
def match(list_a, list_b, extract, as_json):
    """Join lists A and B by pairing code: every row paired once, none left over."""
    m = visit_lists.match_lists(list_a, list_b, extract)
    if as_json:
        emit_json(m.as_json())
    else:
        click.echo(f"{m.matched} row(s) paired; only in A: {len(m.only_in_a)}; only in B: "
                   f"{len(m.only_in_b)}; duplicate codes: {len(m.duplicates)}")
        if m.lossless is not None:
            click.echo(f"against the extract ({m.extract_rows} row(s)): "
                       + ("lossless" if m.lossless else "NOT lossless"))
    if m.only_in_a or m.only_in_b or m.duplicates or m.lossless is False:
        raise SystemExit(1)


@visits.command("list")
@click.argument("case_id")
@json_option
@click.pass_context
def list_cmd(ctx, case_id, as_json):
    """A case's visit lists: count, columns, SHA-256, pairing and holder."""
    data = reports.visit_lists(journal(ctx), case_id)
    if as_json:
        emit_json(data)
        return
    for lst in data["lists"]:
        warn = f"  warning: {', '.join(lst['warnings'])}" if lst["warnings"] else ""
        click.echo(f"{lst['list_id']}  list {lst['half']} (pairs with {lst['paired_with']}): "
                   f"{lst['count']} row(s) [{', '.join(lst['columns'])}] held by "
                   f"{lst['holder_person']}{warn}")
