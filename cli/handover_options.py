"""The options that describe a handover, shared by `record` and `scan --record`, and how a
recorded handover is printed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cli.output import emit_json
from cli.lazy import actions
from handover.errors import HandoverError
from handover.model import events as ev


def parse_datetime(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise HandoverError(f"{text!r} is not an ISO 8601 time",
                            "write it like 2026-04-06T10:00+09:00") from None
    if value.tzinfo is None:
        raise HandoverError(f"{text!r} has no time zone", "add +09:00")
    return value


def make_handover_options(required: bool):
    """The options describing a handover; optional for `scan`, where only --record needs them."""
    def decorate(f):
        return _handover_options(f, required)
    return decorate


def _handover_options(f, required: bool):
    for option in reversed([
        click.option("--case", "case_id", required=required, metavar="CASE_ID"),
        click.option("--moment", required=required, type=click.Choice(ev.MOMENTS),
                     help="provide (ward→contractor), deliver (sealed notices), return, "
                          "transfer (contractor→sub-contractor), report (a report the "
                          "contractor sealed for the ward; by hand only)."),
        click.option("--from", "from_person", required=required, metavar="PERSON_ID",
                     help="Who hands over."),
        click.option("--to", "to_person", required=required, metavar="PERSON_ID",
                     help="Who receives."),
        click.option("--method", required=required, type=click.Choice(ev.METHODS)),
        click.option("--courier", metavar="PERSON_ID"),
        click.option("--envelopes", multiple=True, metavar="PACKAGE_ID=COUNT",
                     help="Sealed printed notices delivered, per package (repeatable)."),
        click.option("--content", default="", help="情報の内容 (default: from the items)."),
        click.option("--at", "occurred_at", metavar="ISO_TIME",
                     help="When it happened (default: now), e.g. 2026-04-06T10:00+09:00."),
        click.option("--override-reason", help="Why a rule that allows it is broken; printed "
                                               "on the 確認書."),
        click.option("--pdf-dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Print the 確認書 here."),
    ]):
        f = option(f)
    return f


handover_options = make_handover_options(required=True)


def parse_envelopes(values) -> tuple[tuple[str, int], ...]:
    out = []
    for value in values:
        package, sep, count = value.partition("=")
        if not sep or not count.strip().isdigit():
            raise click.BadParameter(f"{value!r}: write PACKAGE_ID=COUNT", param_hint="--envelopes")
        out.append((package.strip(), int(count)))
    return tuple(out)


def handover_request(o: dict, items=()) -> actions.HandoverRequest:
    missing = [f"--{n.replace('_person', '').replace('_id', '')}" for n in
               ("case_id", "moment", "from_person", "to_person", "method") if not o.get(n)]
    if missing:
        raise click.UsageError(f"describe the handover: {', '.join(missing)} missing")
    return actions.HandoverRequest(
        case_id=o["case_id"], moment=o["moment"], from_person=o["from_person"],
        to_person=o["to_person"], method=o["method"], items=tuple(items),
        envelopes=parse_envelopes(o["envelopes"]), courier=o["courier"], content=o["content"],
        occurred_at=parse_datetime(o["occurred_at"]), override_reason=o["override_reason"])


def echo_handover(r: actions.HandoverRecord, as_json: bool, verb: str = "recorded") -> None:
    if as_json:
        emit_json(r.as_json())
        return
    click.echo(f"{verb} {r.handover_id} (entry {r.entry_index})")
    for o in r.overrides:
        click.echo(f"override: {o['rule']} for {o['item']}")
    for batch in r.envelope_batches:
        click.echo(f"envelope batch: {batch}")
    if r.pdf_path:
        click.echo(f"確認書: {r.pdf_path} (checkpoint size {r.checkpoint_size})")
