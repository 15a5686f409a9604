"""`handover visits split | match | list`: split visit lists for two-person visits (000 受託事業者
6); `handover visits round start | return | close | list | show | print`: the rounds they go out
on and the day's 授受簿 (000 受託事業者 4). Parse, call handover/, print (text or --json).
Registered by cli/main.py."""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import acting, actor_option, journal
from cli.lazy import actions, reports, scanners, visit_lists
from cli.output import emit_json, json_option

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group("visits")
def visits() -> None:
    """Split visit lists A/B (pairing codes), match them back, list them; visit rounds."""


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


# --- visit rounds and the 授受簿 (000 受託事業者 4) ----------------------------------------------

@visits.group("round")
def round_group() -> None:
    """Visit rounds: lists issued to a pair of visitors, returned, and the day's 授受簿."""


def _list_option(value: str) -> tuple[str, str | None]:
    list_id, _, visitor = value.partition("=")
    return list_id.strip(), visitor.strip() or None


@round_group.command("start")
@click.argument("case_id")
@click.option("--date", "visit_date", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day of the visits (YYYY-MM-DD).")
@click.option("--visitor", "visitors", multiple=True, required=True, metavar="PERSON_ID",
              help="Each of the two visitors (give it twice), both on the case's roster.")
@click.option("--list", "lists", multiple=True, required=True, metavar="LIST_ID[=PERSON_ID]",
              help="A list issued (repeatable). By default list A goes to the first visitor "
                   "and list B to the second; LIST=PERSON gives it to that visitor.")
@click.option("--area", default="", help="Where the round goes (printed on the 授受簿).")
@actor_option()
@json_option
@click.pass_context
def round_start(ctx, case_id, visit_date, visitors, lists, area, actor, as_json):
    """Issue visit lists to a pair of visitors at the start of a round."""
    pairs = [_list_option(v) for v in lists]
    given = {k: v for k, v in pairs} if any(v for _, v in pairs) else [k for k, _ in pairs]
    j, actor_id = acting(ctx, actor)
    round_id = actions.start_visit_round(j, actor_id, case_id, visit_date.date(), visitors,
                                         given, area=area).value
    data = reports.show_round(j, round_id)
    if as_json:
        emit_json(data)
        return
    click.echo(f"visit round {round_id} started on {data['visit_date']}: "
               f"{data['count']} list(s) issued")
    _echo_lists(data)


@round_group.command("return")
@click.argument("round_id")
@click.option("--list", "lists", multiple=True, metavar="LIST_ID",
              help="A list handed back, its ID read off the sheet (repeatable).")
@click.option("--scan", "scan_stdin", is_flag=True,
              help="Read the returned lists' labels from a scanner, one per line on stdin.")
@click.option("--image", "images", multiple=True, type=_FILE,
              help="Camera image(s) of the returned lists' labels.")
@click.option("--label-key", type=_FILE, help="The ward's label key (to verify scanned labels).")
@actor_option()
@json_option
@click.pass_context
def round_return(ctx, round_id, lists, scan_stdin, images, label_key, actor, as_json):
    """Take lists back at the end of a round, scanned or read and counted."""
    scans: list[str] = []
    if images:
        scans += [text for path in images for text in scanners.decode_image(path)]
    if scan_stdin:
        scans += list(actions.read_scans(click.get_text_stream("stdin")))
    if (images or scan_stdin) and not scans:
        raise click.UsageError("no label was read: scan each returned list's label")
    j, actor_id = acting(ctx, actor)
    done = actions.return_visit_lists(j, actor_id, round_id, lists=lists, scans=scans,
                                      label_key_path=label_key).value
    if as_json:
        emit_json(done.as_json())
        return
    click.echo(f"{len(done.lists)} list(s) returned ({done.method}): {', '.join(done.lists)}")
    if done.still_out:
        click.echo(f"still out: {', '.join(done.still_out)}")


@round_group.command("close")
@click.argument("round_id")
@click.option("--missing", is_flag=True,
              help="Declare the lists still out missing: a loss incident (事故報告) is opened.")
@click.option("--note", default="", help="A note on the round (printed on the incident).")
@actor_option()
@json_option
@click.pass_context
def round_close(ctx, round_id, missing, note, actor, as_json):
    """End a round: every list back, or the ones still out declared missing."""
    done = actions.close_visit_round(*acting(ctx, actor), round_id, missing=missing,
                                     note=note).value
    if as_json:
        emit_json(done.as_json())
        return
    click.echo(f"visit round {done.round_id} closed")
    if done.missing:
        click.echo(f"MISSING: {', '.join(done.missing)}; incident {done.incident_id} opened "
                   f"(see `handover incident show {done.incident_id}`)")


@round_group.command("list")
@click.argument("case_id")
@click.option("--date", "visit_date", type=click.DateTime(["%Y-%m-%d"]), help="Only this day.")
@json_option
@click.pass_context
def round_list(ctx, case_id, visit_date, as_json):
    """A case's visit rounds (of one day with --date)."""
    data = reports.visit_rounds(journal(ctx), case_id,
                                visit_date.date() if visit_date else None)
    if as_json:
        emit_json(data)
        return
    for r in data["rounds"]:
        click.echo(f"{r['round_id']}  {r['visit_date']}  {r['status']}: "
                   f"{' and '.join(v['name'] for v in r['visitors'])}, {r['count']} list(s) "
                   f"issued, {r['returned']} returned"
                   + (f", OUT {', '.join(r['out'])}" if r["out"] else "")
                   + (f", MISSING {', '.join(r['missing'])}" if r["missing"] else ""))


@round_group.command("show")
@click.argument("round_id")
@json_option
@click.pass_context
def round_show(ctx, round_id, as_json):
    """One round: its visitors, each list issued and returned, with times."""
    data = reports.show_round(journal(ctx), round_id)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['round_id']}  {data['visit_date']}  {data['status']}  issued by "
               f"{data['issued_by']} at {data['started_at']}"
               + (f"; closed by {data['closed_by']} at {data['closed_at']}"
                  if data["closed_at"] else ""))
    _echo_lists(data)
    if data["incident_id"]:
        click.echo(f"  incident {data['incident_id']}")


def _echo_lists(data: dict) -> None:
    for lst in data["lists"]:
        back = {"returned": f"returned {lst['returned_at']} to {lst['returned_to']} "
                            f"({lst['method']})",
                "missing": "MISSING", "out": "out"}[lst["state"]]
        click.echo(f"  {lst['list_id']}  list {lst['half']} ({lst['count']} row(s)) to "
                   f"{lst['visitor']}: {back}")


@round_group.command("print")
@click.argument("case_id")
@click.option("--date", "visit_date", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day whose register is printed.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def round_print(ctx, case_id, visit_date, out_dir):
    """Print the day's 訪問リスト授受簿 (PDF): issued and returned, with signature boxes."""
    click.echo(reports.print_visit_register(journal(ctx), case_id, visit_date.date(), out_dir))
