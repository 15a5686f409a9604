"""Closing a case (業務の終了) through the close-out gate: the page lists every condition still
unmet, in Japanese, beside the button; the gate's refusal is shown there too; an override
needs its reason typed into the form. Over `actions.close_case` and
`reports.unmet_close_out`, as `handover case close` calls them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.errors import HandoverError
from web.acting import attempt, journal
from web.pages import redirect, refusal, render, session, sign_in_required
from web.security import state_changing


async def _page(request: Request, status_code: int = 200, error=None, f: dict | None = None):
    case_id = request.path_params["case_id"]

    def view():
        j = journal(request)
        return {"sheet": reports.case_sheet(j, case_id),
                "unmet": reports.unmet_close_out(j, case_id)}

    data, failed = await attempt(view)
    if failed is not None:
        return render(request, "error.html", 404, error=refusal(failed))
    return render(request, "close.html", status_code, **data, f=f or {},
                  error=refusal(error) if error else None)


async def close_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    return await _page(request)


@state_changing
async def close_case(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    form = await request.form()
    f = {"reason": str(form.get("reason", "")),
         "override_reason": str(form.get("override_reason", ""))}
    overriding = form.get("decision") == "override"
    if overriding and not f["override_reason"].strip():
        return await _page(request, 400, HandoverError(
            "例外として終了するには、その理由を入力してください",
            "理由は台帳と監査報告書に記録されます"), f)
    _, error = await attempt(lambda: actions.close_case(
        journal(request), session(request).person_id, case_id, f["reason"],
        override_reason=f["override_reason"] if overriding else None))
    if error is not None:
        return await _page(request, 400, error, f)
    return redirect(f"/cases/{case_id}")


routes = [
    Route("/cases/{case_id}/close", close_page, methods=["GET"]),
    Route("/cases/{case_id}/close", close_case, methods=["POST"]),
]
