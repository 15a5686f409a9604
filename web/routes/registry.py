"""Registry pages: organisations, people (with their passphrase credential enrolled at the
counter and the 登録票 to print), cabinets and who holds their keys, workstations, cases and
their rosters.
Each form calls one action in handover.actions.registry / cases / credentials."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.errors import HandoverError
from handover.model import events as ev
from web.acting import attempt, journal, offer_download, written_file
from web.pages import form_date, redirect, refusal, render, session, sign_in_required
from web.security import state_changing

ORG_KINDS = [(ev.WARD, "区（所管課）"), (ev.CONTRACTOR, "委託先"), (ev.SUBCONTRACTOR, "再委託先")]


def registry_view(j) -> dict:
    data = reports.list_registry(j)
    orgs = {o["org_id"]: o["name"] for o in data["organisations"]}
    people = {p["person_id"]: p["name"] for p in data["people"]}
    cases = reports.case_choices(j)
    return {"r": data, "orgs": orgs, "people": people, "cases": cases,
            "org_kinds": ORG_KINDS, "roles": list(ev.ROLE_LABELS.items()),
            "kind_labels": dict(ORG_KINDS)}


async def _page(request: Request, template: str, status_code: int = 200, error=None,
                form: str = "", **extra):
    view, failed = await attempt(lambda: registry_view(journal(request)))
    return render(request, template, status_code, **(view or {}), **extra,
                  error=refusal(error or failed) if (error or failed) else None, error_form=form,
                  done=request.query_params.get("done"))


async def registry_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    return await _page(request, "registry.html")


async def cases_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    return await _page(request, "registry_cases.html")


def _register(kind: str, form, j, me):
    text = lambda name: str(form.get(name, "")).strip()   # noqa: E731
    if kind == "org":
        return actions.register_org(j, me, text("name"), text("kind"),
                                    text("parent") or None).value, None
    if kind == "person":
        new = None
        if form.get("new_passphrase"):
            if form.get("new_passphrase") != form.get("new_passphrase_again"):
                raise HandoverError("2回入力したパスフレーズが一致しません",
                                    "本人がもう一度、同じパスフレーズを2回入力してください")
            new = actions.new_passphrase_credential(str(form.get("new_passphrase")))
        person_id = actions.register_person(j, me, text("name"), text("org"),
                                            form.getlist("roles")).value
        if new is None:
            return person_id, None
        name, pdf = written_file(lambda tmp: actions.enrol_credential(
            j, me, person_id, new, pdf_dir=tmp).value.form)
        return person_id, (name, pdf)
    if kind == "cabinet":
        return actions.register_cabinet(j, me, text("name"), text("org"),
                                        form.getlist("key_holders"), text("location")).value, None
    if kind == "keys":
        cabinet_id = text("cabinet")
        actions.change_key_holders(j, me, cabinet_id, form.getlist("key_holders"), text("reason"))
        return cabinet_id, None
    if kind == "workstation":
        return actions.register_workstation(j, me, text("hostname"), text("name"),
                                            form.getlist("cases"), text("org") or None).value, None
    raise HandoverError(f"unknown registry form {kind!r}")


@state_changing
async def register(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    kind = request.path_params["kind"]
    form = await request.form()
    j, me = journal(request), session(request).person_id
    done, error = await attempt(lambda: _register(kind, form, j, me))
    if error is not None:
        return await _page(request, "registry.html", 400, error=error, form=kind)
    new_id, form_pdf = done
    if form_pdf is not None:
        url = offer_download(request, form_pdf[0], form_pdf[1], "application/pdf")
        return await _page(request, "registry.html", done_id=new_id, enrolment_form=url)
    return redirect(f"/registry?done={new_id}")


@state_changing
async def open_case(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    form = await request.form()
    j, me = journal(request), session(request).person_id

    def act():
        minutes = str(form.get("separation_minutes", "")).strip()
        return actions.open_case(
            j, me, str(form.get("name", "")), form.getlist("contractors"),
            form_date(str(form.get("start", "")), "契約期間の始まり"),
            form_date(str(form.get("end", "")), "契約期間の終わり"),
            form.getlist("responsible"), form.getlist("handlers"),
            int(minutes) if minutes.isdigit() else None).value

    case_id, error = await attempt(act)
    if error is not None:
        return await _page(request, "registry_cases.html", 400, error=error, form="case")
    return redirect(f"/cases/{case_id}")


@state_changing
async def change_roster(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    form = await request.form()
    j, me = journal(request), session(request).person_id
    case_id = str(form.get("case", ""))
    _, error = await attempt(lambda: actions.change_roster(
        j, me, case_id, add_responsible=form.getlist("add_responsible"),
        add_handlers=form.getlist("add_handler"), remove=form.getlist("remove"),
        reason=str(form.get("reason", ""))))
    if error is not None:
        return await _page(request, "registry_cases.html", 400, error=error, form="roster")
    return redirect(f"/cases/{case_id}")


routes = [
    Route("/registry", registry_page, methods=["GET"]),
    Route("/registry/cases", cases_page, methods=["GET"]),
    Route("/registry/cases", open_case, methods=["POST"]),
    Route("/registry/roster", change_roster, methods=["POST"]),
    Route("/registry/{kind}", register, methods=["POST"]),
]
