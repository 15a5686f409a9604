"""Storing a medium or password notice in a locked cabinet (保管, 004 区が行う対策 3): the
case's items not in a cabinet, the cabinets by name, and the refusal (a key holder's cabinet,
the medium and its notice in separate cabinets…) beside the field it concerns. Over
`actions.store_item`, as `handover store` calls it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model.policy.rules import NOT_KEY_HOLDER
from web.acting import attempt, journal
from web.pages import field_of, redirect, refusal, render, session, sign_in_required
from web.security import state_changing


def _view(j, case_id: str) -> dict:
    items = reports.status(j, case_id)["cases"][0]["items"]
    registry = reports.list_registry(j)
    names = {p["person_id"]: p["name"] for p in registry["people"]}
    orgs = {o["org_id"]: o["name"] for o in registry["organisations"]}
    return {"sheet": reports.case_sheet(j, case_id),
            "items": [i for i in items if i["kind"] != ev.ENVELOPES],
            "cabinets": [{**c, "org": orgs.get(c["org_id"], c["org_id"]),
                          "holders": "、".join(names.get(p, p) for p in c["key_holders"])}
                         for c in registry["cabinets"]]}


def _field(error: HandoverError, f: dict) -> str:
    """Beside the cabinet when the person holds none of its keys; else beside the field
    holding the refused item."""
    return "cabinet" if getattr(error, "rule", "") == NOT_KEY_HOLDER else field_of(error, f)


async def _page(request: Request, status_code: int = 200, error=None, f: dict | None = None):
    case_id = request.path_params["case_id"]
    data, failed = await attempt(lambda: _view(journal(request), case_id))
    if failed is not None:
        return render(request, "error.html", 404, error=refusal(failed))
    f = f or {"item": request.query_params.get("item", "")}
    return render(request, "store.html", status_code, **data, f=f,
                  error=refusal(error) if error else None,
                  error_field=_field(error, f) if error else "",
                  stored=request.query_params.get("stored"))


async def store_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    return await _page(request)


@state_changing
async def store(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    form = await request.form()
    f = {"item": str(form.get("item", "")), "cabinet": str(form.get("cabinet", ""))}
    if not f["item"] or not f["cabinet"]:
        missing = "item" if not f["item"] else "cabinet"
        return await _page(request, 400, HandoverError(
            "保管する物を選んでください" if missing == "item" else "保管庫を選んでください"),
            f | {"missing": missing})
    _, error = await attempt(lambda: actions.store_item(
        journal(request), session(request).person_id, f["item"], f["cabinet"]))
    if error is not None:
        return await _page(request, 400, error, f)
    return redirect(f"/cases/{case_id}/store?stored={f['item']}")


routes = [
    Route("/cases/{case_id}/store", store_page, methods=["GET"]),
    Route("/cases/{case_id}/store", store, methods=["POST"]),
]
