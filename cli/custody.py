"""`handover init | register | case | seal | store | record | confirm | print`: the custody
workflow's writing commands. Parse, call one function in handover/, print (text or --json).

Every recorded action names its actor with --as PERSON_ID (or $HANDOVER_ACTOR), resolved
here at the edge (cli/edge.py). The read commands, labels, scanning, rebuild and the demo are
in cli/custody_reports.py; cli/main.py registers every command.
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.edge import (acting, actor_option, journal, new_passphrase_option, read_passphrase,
                      resolve_actor)
from cli.handover_options import echo_handover, handover_options, handover_request
from cli.lazy import actions, kdf_settings, reports
from cli.output import emit_json, json_option, progress_bar, reporting_swept_parts
from handover.model import events as ev


def _done(as_json: bool, data: dict, text: str) -> None:
    emit_json(data) if as_json else click.echo(text)


# --- init and registry -----------------------------------------------------------------------

@click.command()
@click.option("--ward", required=True, help="The ward section's name, e.g. 健康部保健予防課.")
@click.option("--staff", required=True, help="The first staff member's name.")
@click.option("--pdf-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the first staff member's 登録票 (enrolment form) here.")
@click.option("--calibrate-kdf", is_flag=True,
              help="Measure this PC and seal with password-KDF passes that take about 1 s "
                   "here (never below the documented floor); kept in $HANDOVER_KDF_FILE, "
                   "else ./handover-kdf.json.")
@new_passphrase_option()
@json_option
@click.pass_context
def init(ctx, ward, staff, pdf_dir, calibrate_kdf, as_json):
    """Register the ward's section and its first staff member with their credential (once,
    on an empty log). The staff member chooses a passphrase (asked twice, not echoed)."""
    passphrase = read_passphrase(ctx, "new-", f"new passphrase for {staff}", confirm=True)
    new = actions.new_passphrase_credential(passphrase)
    j = journal(ctx, create=True)
    done = actions.bootstrap(j, ward, staff, new).value
    form = reports.write_enrolment_form(j, new.credential_id, pdf_dir) if pdf_dir else None
    cal = kdf_settings.calibrate() if calibrate_kdf else None
    _done(as_json, {"ward_org_id": done.ward_org_id, "staff_id": done.staff_id,
                    "credential_id": new.credential_id, "fingerprint": new.fingerprint,
                    "form": str(form) if form else None,
                    **({"kdf_calibration": cal.as_json()} if cal else {})},
          f"ward section: {done.ward_org_id}\nstaff: {done.staff_id} "
          f"(use --as {done.staff_id} or HANDOVER_ACTOR, with your passphrase)\n"
          f"credential: {new.credential_id} fingerprint {new.fingerprint}"
          + (f"\n登録票: {form} (print, sign and file it)" if form else "")
          + (f"\npassword KDF: {cal.params.iterations} passes of "
             f"{cal.params.memory_kib // 1024} MiB × {cal.params.lanes} lanes, "
             f"{cal.seconds:.2f} s on this PC (written to {cal.path})" if cal else ""))


@click.group()
def register() -> None:
    """Register organisations, people, locked cabinets and workstations."""


@register.command("org")
@click.argument("name")
@click.option("--kind", type=click.Choice(ev.ORG_KINDS), required=True)
@click.option("--parent", metavar="ORG_ID", help="A sub-contractor's contractor.")
@actor_option()
@json_option
@click.pass_context
def register_org(ctx, name, kind, parent, actor, as_json):
    """Register an organisation: the ward's section, a contractor or a sub-contractor."""
    org_id = actions.register_org(*acting(ctx, actor), name, kind, parent).value
    _done(as_json, {"org_id": org_id}, f"organisation: {org_id}")


@register.command("person")
@click.argument("name")
@click.option("--org", "org_id", metavar="ORG_ID", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ev.PERSON_ROLES),
              help="Repeatable.")
@actor_option()
@json_option
@click.pass_context
def register_person(ctx, name, org_id, roles, actor, as_json):
    """Register a person with their roles."""
    person_id = actions.register_person(*acting(ctx, actor), name, org_id,
                                         roles).value
    _done(as_json, {"person_id": person_id}, f"person: {person_id}")


@register.command("cabinet")
@click.argument("name")
@click.option("--org", "org_id", metavar="ORG_ID", required=True)
@click.option("--key-holder", "holders", multiple=True, required=True, metavar="PERSON_ID")
@click.option("--location", default="", help="Room or floor.")
@actor_option()
@json_option
@click.pass_context
def register_cabinet(ctx, name, org_id, holders, location, actor, as_json):
    """Register a locked cabinet (鍵付キャビネット) and who holds its keys."""
    cabinet_id = actions.register_cabinet(*acting(ctx, actor), name, org_id,
                                           holders, location).value
    _done(as_json, {"cabinet_id": cabinet_id}, f"cabinet: {cabinet_id}")


@register.command("keys")
@click.argument("cabinet_id")
@click.option("--key-holder", "holders", multiple=True, required=True, metavar="PERSON_ID")
@click.option("--reason", default="")
@actor_option()
@click.pass_context
def register_keys(ctx, cabinet_id, holders, reason, actor):
    """Record who now holds the keys of a cabinet."""
    actions.change_key_holders(*acting(ctx, actor), cabinet_id, holders, reason)
    click.echo(f"key holders of {cabinet_id}: {', '.join(holders)}")


@register.command("workstation")
@click.argument("hostname")
@click.option("--name", default="")
@click.option("--case", "case_ids", multiple=True, metavar="CASE_ID",
              help="Designate it for this case (repeatable).")
@click.option("--org", "org_id", metavar="ORG_ID",
              help="A contractor whose computer it is (it seals that contractor's reports to "
                   "the ward); default: the ward's own.")
@actor_option()
@json_option
@click.pass_context
def register_workstation(ctx, hostname, name, case_ids, org_id, actor, as_json):
    """Register a computer allowed to seal personal data (by host name)."""
    ws = actions.register_workstation(*acting(ctx, actor), hostname, name,
                                       case_ids, org_id).value
    _done(as_json, {"workstation_id": ws}, f"workstation: {ws}")


@register.command("list")
@json_option
@click.pass_context
def register_list(ctx, as_json):
    """Everything registered."""
    data = reports.list_registry(journal(ctx))
    if as_json:
        emit_json(data)
        return
    for o in data["organisations"]:
        click.echo(f"{o['org_id']}  {o['kind']:<13} {o['name']}")
    for p in data["people"]:
        click.echo(f"{p['person_id']}  {p['org_id']}  {' '.join(p['roles']):<30} {p['name']}")
    for k in data["cabinets"]:
        click.echo(f"{k['cabinet_id']}  {k['org_id']}  {k['name']}  keys: {' '.join(k['key_holders'])}")
    for w in data["workstations"]:
        click.echo(f"{w['workstation_id']}  {w['hostname']}  {w['name']}")


# --- cases -----------------------------------------------------------------------------------

@click.group("case")
def case_group() -> None:
    """Open cases (業務), keep their rosters, designate workstations, close them."""


@case_group.command("open")
@click.argument("name")
@click.option("--contractor", "contractors", multiple=True, required=True, metavar="ORG_ID")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Contract period start (YYYY-MM-DD).")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Contract period end: media still out after it are overdue.")
@click.option("--responsible", multiple=True, required=True, metavar="PERSON_ID",
              help="取扱責任者 (repeatable).")
@click.option("--handler", "handlers", multiple=True, metavar="PERSON_ID", help="取扱者 (repeatable).")
@click.option("--separation-minutes", type=int,
              help="Minimum interval between a medium and its notice reaching the same "
                   "recipient (default: not on the same day).")
@actor_option()
@json_option
@click.pass_context
def case_open(ctx, name, contractors, start, end, responsible, handlers, separation_minutes,
              actor, as_json):
    """Open a case with its contractors, contract period and roster."""
    case_id = actions.open_case(*acting(ctx, actor), name, contractors, start.date(),
                              end.date(), responsible, handlers, separation_minutes).value
    _done(as_json, {"case_id": case_id}, f"case: {case_id}")


@case_group.command("show")
@click.argument("case_id")
@actor_option()
@json_option
@click.pass_context
def case_show(ctx, case_id, actor, as_json):
    """A case: its period and status, contractors, roster and workstations."""
    if actor:
        reports.require_person(journal(ctx), resolve_actor(actor))
    c = reports.case_sheet(journal(ctx), case_id)
    if as_json:
        emit_json(c)
        return
    click.echo(f"{c['case_id']}  {c['name']}")
    closed = f" on {c['closed_at']}: {c['close_reason'] or '-'}" if c["closed_at"] else ""
    click.echo(f"  status: {c['status']}{closed}")
    click.echo(f"  period: {c['period_start']} to {c['period_end']}")
    click.echo(f"  ward: {c['ward']['name']} ({c['ward']['org_id']})")
    for o in c["contractors"]:
        click.echo(f"  contractor: {o['name']} ({o['org_id']})")
    click.echo("  roster (取扱者名簿):")
    for m in c["roster"]:
        click.echo(f"    {m['person_id']}  {m['role_label']}  {m['name']}  {m['org']} "
                   f"(since {m['since']})")
    if not c["workstations"]:
        click.echo("  workstations: none designated")
    for w in c["workstations"]:
        name = f" {w['name']}" if w["name"] else ""
        click.echo(f"  workstation: {w['workstation_id']}  {w['hostname']}{name}")


@case_group.command("roster")
@click.argument("case_id")
@click.option("--add-responsible", multiple=True, metavar="PERSON_ID")
@click.option("--add-handler", multiple=True, metavar="PERSON_ID")
@click.option("--remove", multiple=True, metavar="PERSON_ID")
@click.option("--reason", default="")
@actor_option()
@click.pass_context
def case_roster(ctx, case_id, add_responsible, add_handler, remove, reason, actor):
    """Change a case's roster of 取扱責任者 and 取扱者."""
    actions.change_roster(*acting(ctx, actor), case_id,
                        add_responsible=add_responsible, add_handlers=add_handler,
                        remove=remove, reason=reason)
    click.echo(f"roster of {case_id} changed")


@case_group.command("workstation")
@click.argument("case_id")
@click.argument("workstation_id")
@actor_option()
@click.pass_context
def case_workstation(ctx, case_id, workstation_id, actor):
    """Designate a registered workstation for a case."""
    actions.authorise_workstation(*acting(ctx, actor), workstation_id, case_id)
    click.echo(f"{workstation_id} may seal data for {case_id}")


@case_group.command("close")
@click.argument("case_id")
@click.option("--reason", default="")
@click.option("--override-reason", help="Close although items are still out, and say why.")
@actor_option()
@click.pass_context
def case_close(ctx, case_id, reason, override_reason, actor):
    """Close a case: nothing more can be recorded on it."""
    actions.close_case(*acting(ctx, actor), case_id, reason, override_reason)
    click.echo(f"case {case_id} closed")


# --- sealing, storing, handovers -------------------------------------------------------------

@click.command()
@click.argument("case_id")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--medium", required=True, type=click.Choice(list(ev.MEDIUM_KINDS)))
@click.option("--content", required=True, help="情報の内容, e.g. 接種券発送対象者データ.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the package file (to burn or send).")
@click.option("--notice-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the password notice PDF; never the package's directory.")
@click.option("--labels", "labels_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also print QR labels (A4 and 24 mm tape) here.")
@click.option("--label-key", type=click.Path(dir_okay=False, path_type=Path),
              help="Label MAC key (default: $HANDOVER_LABEL_KEY, else ./handover-label.key).")
@click.option("--no-csv-header", is_flag=True, help="CSV files have no header line.")
@click.option("--report", is_flag=True,
              help="A report the contractor seals for the ward (報告データ), on its own "
                   "designated computer; handed over with --moment report, by hand.")
@actor_option()
@json_option
@click.pass_context
def seal(ctx, case_id, files, medium, content, out_dir, notice_dir, labels_dir, label_key,
         no_csv_header, report, actor, as_json):
    """Encrypt FILES for a case: package, medium record, password notice (and labels)."""
    j, actor_id = acting(ctx, actor)        # the passphrase first, then the progress bar
    sealing = actions.seal_report if report else actions.seal_extract
    with progress_bar("sealing") as progress, reporting_swept_parts():
        s = sealing(j, actor_id, case_id, files, medium_kind=medium, content=content,
                    out_dir=out_dir, notice_dir=notice_dir, labels_dir=labels_dir,
                    label_key_path=label_key, csv_header=not no_csv_header, progress=progress)
    if as_json:
        emit_json(s.as_json())
        return
    click.echo(f"package: {s.package_id} ({s.record_count:,} data records (データ件数; header "
               f"lines not counted), {s.size:,} bytes)")
    click.echo(f"  file: {s.package_path}")
    click.echo(f"  sha256: {s.sha256}")
    click.echo(f"medium: {s.medium_id} ({ev.MEDIUM_KINDS[s.medium_kind]})")
    click.echo(f"password notice: {s.notice_id}")
    click.echo(f"  pdf: {s.notice_path} (print it, then delete the file; the password is "
               "stored nowhere else)")
    for path in s.label_paths:
        click.echo(f"labels: {path}")


@click.command()
@click.argument("item_id")
@click.option("--cabinet", "cabinet_id", required=True, metavar="CABINET_ID")
@actor_option()
@click.pass_context
def store(ctx, item_id, cabinet_id, actor):
    """Place a medium or password notice in a locked cabinet."""
    index = actions.store_item(*acting(ctx, actor), item_id, cabinet_id)
    click.echo(f"stored {item_id} in {cabinet_id} (entry {index})")


@click.command("record")
@click.option("--item", "items", multiple=True, metavar="ITEM_ID", help="Medium or notice (repeatable).")
@handover_options
@actor_option()
@json_option
@click.pass_context
def record_cmd(ctx, items, actor, as_json, **options):
    """Record a handover (確認書): who, to whom, what, how many, how."""
    r = actions.record_handover(*acting(ctx, actor),
                                handover_request(options, items), pdf_dir=options["pdf_dir"])
    echo_handover(r, as_json)


@click.command()
@click.argument("handover_id")
@click.option("--condition", default="", help="Condition on receipt, e.g. 封緘異常なし.")
@click.option("--pdf-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Print the confirmed 確認書 here.")
@actor_option()
@json_option
@click.pass_context
def confirm(ctx, handover_id, condition, pdf_dir, actor, as_json):
    """As the receiving party, confirm what staff recorded for a handover."""
    r = actions.confirm_handover(*acting(ctx, actor), handover_id,
                                 condition=condition, pdf_dir=pdf_dir)
    echo_handover(r, as_json, "confirmed")


@click.command("print")
@click.argument("handover_id")
@click.option("--pdf-dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@actor_option()
@click.pass_context
def print_cmd(ctx, handover_id, pdf_dir, actor):
    """Print a handover's 確認書 again, with a fresh signed checkpoint."""
    path = actions.reprint(*acting(ctx, actor), handover_id, pdf_dir)
    click.echo(f"確認書: {path}")

