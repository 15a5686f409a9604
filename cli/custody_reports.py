"""`handover status | history | overrides | labels | label-key | scan | rebuild | demo`.
Parse, call handover/, print (text or --json). Registered by cli/main.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from cli.edge import acting, actor_option, journal, resolve_actor
from cli.handover_options import echo_handover, handover_request, make_handover_options
from cli.output import emit_json, json_option

# reports.LABEL_FORMATS, spelled out so that defining the option imports no PDF code
# (tests/cli/test_cold_start.py checks that they agree).
LABEL_FORMATS = ("a4", "tape")
from cli.lazy import actions, reports
from cli.lazy import demo as demo_module
from cli.lazy import demo_screening


def _check_reader(ctx, actor) -> None:
    """Reading needs no actor, but a named one must be registered."""
    if actor:
        reports.require_person(journal(ctx), resolve_actor(actor))


@click.command()
@click.option("--case", "case_id", metavar="CASE_ID", help="Only this case.")
@click.option("--limit", type=int, metavar="N", help="Show at most N cases (a page).")
@click.option("--after", metavar="CASE_ID", help="The page after this case (with --limit).")
@actor_option()
@json_option
@click.pass_context
def status(ctx, case_id, limit, after, actor, as_json):
    """Every medium and notice per case: where, who holds it, since when, overdue returns."""
    _check_reader(ctx, actor)
    data = reports.status(journal(ctx), case_id, after=after, limit=limit)
    if as_json:
        emit_json(data)
        return
    if not data["cases"]:
        click.echo("no cases yet")
    for case in data["cases"]:
        click.echo(f"{case['case_id']}  {case['name']}  ({case['status']}, "
                   f"{case['period_start']} to {case['period_end']})")
        for item in case["items"]:
            flags = ""
            if item["out"] and item["lgwan_file"]:
                flags += "  [SENT OVER LGWAN: erased, not returned]"
            elif item["out"] and item["kind"] != "envelopes":
                flags += f"  [OUT, due {item['return_due']}]"
            if item["overdue"]:
                flags += "  [OVERDUE]"
            count = f" ×{item['count']}" if item["count"] else ""
            click.echo(f"  {item['item_id']}  {item['kind_label']}{count}: "
                       f"{reports.where_text(item)}{flags}")
        if case["overdue"]:
            click.echo(f"  overdue returns: {', '.join(case['overdue'])}")
        if case["unconfirmed_handovers"]:
            click.echo(f"  awaiting the receiver's confirmation: "
                       f"{', '.join(case['unconfirmed_handovers'])}")
        for seal in case["interrupted_seals"]:
            click.echo(f"  INTERRUPTED SEAL {seal['package_id']}: recorded, but its package file "
                       f"{seal['package_file']} is not there (the seal was cut off before the "
                       "files were released); seal the extract again and do not use this package")
        for o in case["overrides"]:
            rules = ", ".join(r["rule"] for r in o["rules"])
            what = o["handover_id"] or "closing the case"
            click.echo(f"  override {what} ({rules}): {o['reason']}")
        for c in case["erasure_certificates"]:
            got = f"received {c['ward_received_at']}" if c["ward_received_at"] else "NOT YET RECEIVED"
            click.echo(f"  erasure certificate {c['certificate_id']} of {c['org']} "
                       f"({c['erased_on']}): {got}")
        for i in case["open_incidents"]:
            click.echo(f"  OPEN INCIDENT {i['incident_id']} ({i['category']}, discovered "
                       f"{i['discovered_at']}): {i['description']}")
        _echo_print_logs(case["print_logs"])
        for lst in case["visit_lists"]:
            where = {"out": f", OUT on visit round {lst['round_id']}",
                     "missing": f", MISSING since visit round {lst['round_id']}"
                     }.get(lst["state"], "")
            click.echo(f"  visit list {lst['half']} {lst['list_id']}: {lst['count']} row(s), "
                       f"held by {lst['holder_person']} ({lst['holder_org']}) since "
                       f"{lst['since']}{where}")
        _echo_inspections(case["inspections"])
    if data.get("next_after"):
        click.echo(f"more cases: handover status --limit {limit} --after {data['next_after']}")


def _echo_print_logs(pl: dict) -> None:
    if not pl["submissions"] and not pl["allowance"]:
        return
    designated = pl["allowance"]["pages"] if pl["allowance"] else "no designated count"
    click.echo(f"  print logs: {pl['printed_pages']} page(s) printed of {designated}")
    for s in pl["submissions"]:
        if s["state"] == "excess unexplained":
            click.echo(f"  [EXCESS UNEXPLAINED] {s['submission_id']}: {s['excess']} page(s) over")
        elif s["reason"]:
            click.echo(f"  print excess {s['submission_id']} ({s['excess']} page(s)): {s['reason']}")


def _echo_inspections(rows: list[dict]) -> None:
    """This fiscal year's inspection of each organisation, and any year missed before it."""
    if not rows:
        return
    current = max(r["fiscal_year"] for r in rows)
    for r in rows:
        if r["fiscal_year"] != current and r["status"] != "overdue":
            continue
        if r["status"] == "done":
            when = ", ".join(f"{v['inspection_id']} on {v['inspected_on']}" for v in r["inspections"])
            state = f"done ({when})"
        else:
            state = f"{r['status'].upper()} (by {r['due_by']})"
        click.echo(f"  inspection {r['fiscal_year_label']} of {r['org']} ({r['org_id']}): {state}")


@click.command()
@click.argument("item_id")
@actor_option()
@json_option
@click.pass_context
def history(ctx, item_id, actor, as_json):
    """The whole custody chain of one item (or package, case, cabinet, handover)."""
    _check_reader(ctx, actor)
    data = reports.history(journal(ctx), item_id)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['id']} ({data['kind']})")
    if data["current"]:
        click.echo(f"now: {reports.where_text(data['current'])}")
    for i in data["open_incidents"]:
        click.echo(f"OPEN INCIDENT {i['incident_id']} ({i['category']}): {i['description']}")
    for e in data["entries"]:
        origin = e["origin"] or {}
        click.echo(f"  #{e['index']:<5} {e['time']}  {e['summary']}")
        click.echo(f"         by {e['actor_name']} ({e['actor']}) as "
                   f"{origin.get('os_user', '?')}@{origin.get('host', '?')}")


@click.command()
@json_option
@click.pass_context
def overrides(ctx, as_json):
    """Every handover recorded despite a rule, with the reason given, and every print log
    beyond its designated count with the contractor's reason (for audits)."""
    data = reports.overrides(journal(ctx))
    if as_json:
        emit_json(data)
        return
    if not data:
        click.echo("no overrides recorded")
    for o in data:
        rules = ", ".join(f"{r['rule']} ({r['item']})" for r in o["rules"])
        what = o["handover_id"] or (f"print log {o['submission_id']}" if o.get("submission_id")
                                    else f"{o['case_id']} closed")
        click.echo(f"{what}  {o['occurred_at']}  by {o['recorded_by_name']}: "
                   f"{o['reason']}  [{rules}]")


@click.command()
@click.argument("item_ids", nargs=-1)
@click.option("--case", "case_id", metavar="CASE_ID", help="Every medium and notice of a case.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "formats", multiple=True, type=click.Choice(LABEL_FORMATS),
              help="a4 (24 per sheet) and/or tape (24 mm); default both.")
@click.option("--label-key", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def labels(ctx, item_ids, case_id, out_dir, formats, label_key):
    """Print QR label PDFs for the case or envelope of each item (never the disc surface)."""
    paths = reports.print_labels(journal(ctx), item_ids, case_id=case_id,
                                   key_path=label_key, out_dir=out_dir,
                                   formats=formats or LABEL_FORMATS)
    for path in paths:
        click.echo(f"labels: {path}")


@click.command("label-key")
@click.option("--label-key", type=click.Path(dir_okay=False, path_type=Path))
def label_key_cmd(label_key):
    """Create the ward's label MAC key (once; back it up)."""
    path = actions.create_label_key(label_key)
    click.echo(f"label key: {path} (mode 0600; every printed label needs it to verify)")


@click.command()
@click.option("--image", "images", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Camera image(s) to decode; otherwise read one scan per line from stdin.")
@click.option("--expect", "expected", multiple=True, metavar="ITEM_ID",
              help="The manifest: items this pickup should contain (repeatable).")
@click.option("--handover", "handover_id", metavar="HANDOVER_ID",
              help="Check a recorded handover's items on delivery.")
@click.option("--label-key", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--record", "record_it", is_flag=True,
              help="Record a complete scan as the handover (needs --case, --moment, --from, …).")
@click.option("--confirm", "confirm_it", is_flag=True,
              help="Confirm --handover as its receiver once every item was scanned.")
@click.option("--condition", default="", help="Condition on receipt (with --confirm).")
@make_handover_options(required=False)
@actor_option()
@json_option
@click.pass_context
def scan(ctx, images, expected, handover_id, label_key, record_it, confirm_it, condition,
         actor, as_json, **options):
    """Scan labels, one verdict per scan; list missing and unexpected items at the end."""
    if record_it and confirm_it:
        raise click.UsageError("--record and --confirm are two different steps")
    # Recording or confirming signs: the passphrase is asked before scanning starts.
    j, actor_id = acting(ctx, actor) if record_it or confirm_it else (journal(ctx), None)
    station = actions.open_station(j, label_key_path=label_key, expected=expected,
                                       handover_id=handover_id)
    if images:
        results = actions.scan_images(station, images)
        if not as_json:
            for r in results:
                click.echo(r.message)
    else:
        for text in actions.read_scans(click.get_text_stream("stdin")):
            r = station.scan(text)
            if not as_json:
                click.echo(r.message)   # at once: the courier sets a bad item aside now
    s = station.summary()
    done = None
    if record_it:
        done = actions.record_scanned(j, actor_id, station,
                                          handover_request(options), pdf_dir=options["pdf_dir"])
    elif confirm_it:
        done = actions.confirm_scanned(j, actor_id, station, condition=condition,
                                           pdf_dir=options["pdf_dir"])
    if as_json:
        emit_json({"results": [dict(dataclasses.asdict(r), status=str(r.status))
                               for r in station.session.results],
                   "summary": station.summary_json(),
                   "recorded": done.as_json() if done else None})
    else:
        click.echo(f"scanned ok: {len(s.ok)}")
        for name, values in (("missing", s.missing), ("unexpected", s.unexpected),
                             ("forged", s.forged), ("unknown", s.unknown),
                             ("duplicates", s.duplicates)):
            if values:
                click.echo(f"{name}: {', '.join(values)}")
        if done:
            echo_handover(done, False, "recorded" if record_it else "confirmed")
    if done is None and (station.expected is not None or s.forged or s.unknown):
        station.require_complete(recording=False)   # exit non-zero: the pickup is not ready


@click.command()
@click.option("--check", is_flag=True,
              help="Change nothing: list every difference between the tables and a fresh fold "
                   "of the ledger (table, key, column); exit 3 if there is any.")
@json_option
@click.pass_context
def rebuild(ctx, check, as_json):
    """Rebuild the custody tables from the ledger (they are caches of its entries)."""
    j = journal(ctx)
    if check:
        found = reports.projection_differences(j)
        if as_json:
            emit_json({"log": found.log, "entries_folded": found.entries,
                       "differences": [d.as_json() for d in found.differences]})
        else:
            for d in found.differences:
                click.echo(d.text())
            if not found.differences:
                click.echo(f"the custody tables of log {found.log} match a fresh fold of its "
                           f"{found.entries} entries")
        reports.require_same_projection(found)
        return
    folded = actions.rebuild(j)
    if as_json:
        emit_json({"log": j.log, "entries_folded": folded})
    else:
        click.echo(f"rebuilt the custody tables of log {j.log} from {folded} entries")


@click.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("handover-demo"), show_default=True,
              help="A new, empty directory for the demo's database, keys and PDFs.")
@click.option("--case", "which", type=click.Choice(["vaccination", "screening"]),
              default="vaccination", show_default=True,
              help="vaccination: seeds/004 (DVD-R, scanning, moments 1-3); screening: "
                   "seeds/000's year (CD-R, then LGWAN with receipt by hash, an incident, an "
                   "inspection, the erasure certificate, the close-out, the auditor's report).")
def demo(directory, which):
    """Run a case end to end on a fresh SQLite database."""
    (demo_module if which == "vaccination" else demo_screening).run(directory, say=click.echo)

