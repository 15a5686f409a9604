"""Recording a handover (a form for each 004 moment) and the receiver's confirmation screen.

People are picked by name: the case's roster, the ward's staff, and the other people of the
case's organisations (offered, so that a refusal explains itself rather than the person
being missing from the list). The time is a datetime-local field read as JST. A refusal is
shown beside the field holding the refused item, naming the rule in Japanese; an override
needs its reason typed into the form.

Confirming (or disputing) is an act with the electronic 押印: the receiver types their
passphrase again and it unlocks their credential for that act alone (web/acting.py).
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.clock import JST
from handover.errors import HandoverError
from handover.model import events as ev
from web import passkeys
from web.acting import attempt, journal, offer_download, sealed_journal, written_file
from web.pages import field_of, redirect, refusal, render, session, sign_in_required
from web.security import state_changing

MOMENT_CHOICES = [(ev.PROVIDE, "媒体・パスワード通知書の提供（区 → 委託先）"),
                  (ev.DELIVER, "封入封緘された通知書の納品（委託先 → 区）"),
                  (ev.RETURN, "媒体・パスワード通知書の返却（委託先 → 区）"),
                  (ev.TRANSFER, "再委託先への引渡し（委託先 → 再委託先）"),
                  (ev.REPORT, "報告データの納品（委託先 → 区、手渡し）")]
METHOD_CHOICES = [(ev.HAND, "手渡し"), (ev.REGISTERED_MAIL, "簡易書留"), (ev.LGWAN, "LGWAN")]
DISPUTE_CATEGORIES = (ev.SEAL_BROKEN, ev.LOSS, ev.MISDELIVERY, ev.LABEL_DAMAGED, ev.OTHER)


def parse_local_time(text: str) -> dt.datetime | None:
    """A datetime-local value (2026-04-07T10:00), read as JST; empty is now."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise HandoverError(f"{text!r} は日時として読めません",
                            "日時の欄で日付と時刻を選んでください") from None
    return value.replace(tzinfo=JST) if value.tzinfo is None else value


def people_choices(j, case_id: str) -> dict:
    """The people of a case by name: roster, ward staff, and others of its organisations."""
    sheet = reports.case_sheet(j, case_id)
    registry = reports.list_registry(j)
    orgs = {o["org_id"]: o["name"] for o in registry["organisations"]}
    on_roster = {m["person_id"] for m in sheet["roster"]}
    case_orgs = {o["org_id"] for o in sheet["contractors"]}
    roster = [{"person_id": m["person_id"], "label": f"{m['name']}（{m['org']}・{m['role_label']}）"}
              for m in sheet["roster"]]
    ward = [{"person_id": p["person_id"], "label": f"{p['name']}（{orgs[p['org_id']]}）"}
            for p in registry["people"] if p["org_id"] == sheet["ward"]["org_id"]]
    others = [{"person_id": p["person_id"], "label": f"{p['name']}（{orgs[p['org_id']]}）"}
              for p in registry["people"]
              if p["org_id"] in case_orgs and p["person_id"] not in on_roster]
    return {"sheet": sheet, "roster": roster, "ward": ward, "others": others}


def form_view(j, case_id: str) -> dict:
    view = people_choices(j, case_id)
    items = reports.status(j, case_id)["cases"][0]["items"]
    view["items"] = [i for i in items if i["kind"] != ev.ENVELOPES]
    view["packages"] = sorted({i["package_id"] for i in items if i["kind"] == ev.MEDIUM})
    view["now"] = j.now().strftime("%Y-%m-%dT%H:%M")
    return view


def request_from(case_id: str, form) -> tuple[actions.HandoverRequest, dict]:
    fields = {"moment": form.get("moment", ""), "from_person": form.get("from_person", ""),
              "to_person": form.get("to_person", ""), "method": form.get("method", ""),
              "courier": form.get("courier", ""), "items": form.getlist("items"),
              "content": form.get("content", ""), "occurred_at": form.get("occurred_at", ""),
              "override_reason": form.get("override_reason", ""),
              "envelope_package": form.get("envelope_package", ""),
              "envelope_count": form.get("envelope_count", "")}
    envelopes = ()
    if fields["moment"] == ev.DELIVER:
        count = fields["envelope_count"].strip()
        if not count.isdigit():
            raise _FieldError("envelope_count", HandoverError(
                "封入封緘した通知書の数を数字で入力してください"))
        envelopes = ((fields["envelope_package"], int(count)),)
    for name in ("from_person", "to_person"):
        if not fields[name]:
            raise _FieldError(name, HandoverError("氏名を選んでください"))
    try:
        when = parse_local_time(fields["occurred_at"])
    except HandoverError as e:
        raise _FieldError("occurred_at", e) from None
    return actions.HandoverRequest(
        case_id, fields["moment"], fields["from_person"], fields["to_person"], fields["method"],
        items=tuple(fields["items"]), envelopes=envelopes, courier=fields["courier"] or None,
        content=fields["content"], occurred_at=when,
        override_reason=fields["override_reason"].strip() or None), fields


class _FieldError(Exception):
    def __init__(self, field: str, error: HandoverError):
        self.field, self.error = field, error


async def record_form(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    view, error = await attempt(lambda: form_view(journal(request), case_id))
    if error is not None:
        return render(request, "error.html", 404, error=refusal(error))
    moment = request.query_params.get("moment", ev.PROVIDE)
    return render(request, "record.html", **view, moments=MOMENT_CHOICES, methods=METHOD_CHOICES,
                  f={"moment": moment, "method": ev.HAND, "items": [], "occurred_at": view["now"]},
                  error=None, error_field="")


@state_changing
async def record(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    form = await request.form()
    j, me = journal(request), session(request).person_id
    fields, error, error_field = {}, None, ""
    try:
        req, fields = request_from(case_id, form)
        done, error = await attempt(lambda: actions.record_handover(j, me, req))
        if error is not None:
            error_field = field_of(error, fields)
    except _FieldError as e:
        error, error_field = e.error, e.field
        fields = {k: form.get(k, "") for k in form.keys()}
        fields["items"] = form.getlist("items")
    if error is None:
        return redirect(f"/handovers/{done.handover_id}")
    view, _ = await attempt(lambda: form_view(journal(request), case_id))
    return render(request, "record.html", 400, **view, moments=MOMENT_CHOICES,
                  methods=METHOD_CHOICES, f=fields, error=refusal(error),
                  error_field=error_field)


async def handover_page(request: Request):
    """One handover as recorded (and, for its receiving party, the way to confirm it)."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    handover_id = request.path_params["handover_id"]
    h, error = await attempt(lambda: reports.handover_sheet(journal(request), handover_id))
    if error is not None:
        return render(request, "error.html", 404, error=refusal(error))
    return render(request, "handover.html", h=h, categories=_categories(), error=None,
                  error_field="", confirming=request.url.path.endswith("/confirm"),
                  download=request.query_params.get("download"))


def _categories():
    return [(c, ev.INCIDENT_CATEGORIES[c]) for c in DISPUTE_CATEGORIES]


@state_changing
async def confirm(request: Request):
    """The receiver confirms what staff recorded, with the condition on receipt, and the
    electronic 押印; or disputes it, which opens an incident (事故報告) naming its items."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    handover_id = request.path_params["handover_id"]
    form = await request.form()
    me = session(request).person_id
    passphrase = str(form.get("passphrase", ""))
    disputing = form.get("decision") == "dispute"
    if passkeys.is_passkey_session(session(request)):
        return await _confirm_with_passkey(request, form, handover_id, me, disputing)

    def act():
        h = reports.handover_sheet(journal(request), handover_id)
        if disputing:
            description = str(form.get("dispute", "")).strip()
            j = sealed_journal(request, passphrase)
            return None, actions.report_incident(
                j, me, h["case_id"], str(form.get("category", ev.OTHER)),
                f"受渡し {handover_id} の受領時の異議：{description}" if description else "",
                items=[i["item_id"] for i in h["items"] if not i["item_id"].startswith("E")]).value
        j = sealed_journal(request, passphrase)
        return written_file(lambda tmp: actions.confirm_handover(
            j, me, handover_id, condition=str(form.get("condition", "")), pdf_dir=tmp).pdf_path), None

    done, error = await attempt(act)
    if error is None:
        pdf, incident = done
        if incident:
            return redirect(f"/handovers/{handover_id}?incident={incident}")
        url = offer_download(request, pdf[0], pdf[1], "application/pdf")
        return redirect(f"/handovers/{handover_id}?download={url.rsplit('/', 1)[1]}")
    h, _ = await attempt(lambda: reports.handover_sheet(journal(request), handover_id))
    field = "passphrase" if not passphrase or "passphrase" in error.message else \
        ("dispute" if disputing else "condition")
    return render(request, "handover.html", 400, h=h, categories=_categories(),
                  error=refusal(error), error_field=field, confirming=True, download=None)


async def _confirm_with_passkey(request: Request, form, handover_id: str, me: str,
                                disputing: bool):
    """The same acts, each signed by a fresh assertion of the person's passkey: the
    electronic 押印 (web/passkeys.py)."""
    h, error = await attempt(lambda: reports.handover_sheet(journal(request), handover_id))
    if error is not None:
        return passkeys.refused_json(error)
    if disputing:
        description = str(form.get("dispute", "")).strip()
        return await passkeys.signed(request, lambda j: actions.report_incident(
            j, me, h["case_id"], str(form.get("category", ev.OTHER)),
            f"受渡し {handover_id} の受領時の異議：{description}" if description else "",
            items=[i["item_id"] for i in h["items"] if not i["item_id"].startswith("E")]).value,
            lambda incident: f"/handovers/{handover_id}?incident={incident}")
    condition = str(form.get("condition", ""))

    def then(pdf) -> str:
        url = offer_download(request, pdf[0], pdf[1], "application/pdf")
        return f"/handovers/{handover_id}?download={url.rsplit('/', 1)[1]}"
    return await passkeys.signed(request, lambda j: written_file(lambda tmp: actions.confirm_handover(
        j, me, handover_id, condition=condition, pdf_dir=tmp).pdf_path), then)


routes = [
    Route("/cases/{case_id}/record", record_form, methods=["GET"]),
    Route("/cases/{case_id}/record", record, methods=["POST"]),
    Route("/handovers/{handover_id}", handover_page, methods=["GET"]),
    Route("/handovers/{handover_id}/confirm", handover_page, methods=["GET"]),
    Route("/handovers/{handover_id}/confirm", confirm, methods=["POST"]),
]
