"""On-site inspections (立入調査) of a case's contractors: whether each organisation was
inspected this fiscal year, recording one with the five-point checklist (a 要改善 finding
needs its note and a follow-up action) and the electronic 押印, and its 立入調査記録 PDF.
Over `actions.record_inspection` and `print_inspection`, as `handover inspection` calls them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model.policy.rules import FOLLOW_UP_REQUIRED
from web.acting import attempt, journal, offer_download, sealed_journal, written_file
from web.pages import form_date, redirect, refusal, render, session, sign_in_required
from web.routes.handovers import people_choices
from web.security import state_changing


def _view(j, case_id: str) -> dict:
    view = people_choices(j, case_id)
    view["years"] = reports.status(j, case_id)["cases"][0]["inspections"]
    view["today"] = j.now().date().isoformat()
    return view


def _field(error: HandoverError, form: dict) -> str:
    """The field a refusal concerns: a check's row, the follow-ups, or the top of the form."""
    if getattr(error, "rule", "") == FOLLOW_UP_REQUIRED:
        return "follow_ups"
    for check in ev.INSPECTION_CHECKS:
        if check in error.message or getattr(error, "item", None) == check:
            return check
    item = getattr(error, "item", None)
    if item and item in form.get("inspectors", []):
        return "inspectors"
    if item and item == form.get("org"):
        return "org"
    return ""


async def _page(request: Request, status_code: int = 200, error=None, f: dict | None = None,
                download: str | None = None):
    case_id = request.path_params["case_id"]
    data, failed = await attempt(lambda: _view(journal(request), case_id))
    if failed is not None:
        return render(request, "error.html", 404, error=refusal(failed))
    return render(request, "inspections.html", status_code, **data, f=f or {},
                  checks=list(ev.INSPECTION_CHECKS.items()),
                  results=list(ev.FINDING_RESULTS.items()),
                  error=refusal(error) if error else None,
                  error_field=_field(error, f or {}) if error else "",
                  download=download or request.query_params.get("download"))


async def inspections_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    return await _page(request)


@state_changing
async def record_inspection(request: Request):
    """The inspection, signed with the electronic 押印; its 立入調査記録 offered at once."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    form = await request.form()
    f = {"org": str(form.get("org", "")), "inspected_on": str(form.get("inspected_on", "")),
         "inspectors": form.getlist("inspectors"), "place": str(form.get("place", "")),
         "follow_ups": str(form.get("follow_ups", ""))}
    for check in ev.INSPECTION_CHECKS:
        f[f"result-{check}"] = str(form.get(f"result-{check}", ""))
        f[f"note-{check}"] = str(form.get(f"note-{check}", ""))
    me = session(request).person_id

    def act():
        results = {c: (f[f"result-{c}"], f[f"note-{c}"])
                   for c in ev.INSPECTION_CHECKS if f[f"result-{c}"]}
        j = sealed_journal(request, str(form.get("passphrase", "")))
        return written_file(lambda tmp: actions.record_inspection(
            j, me, case_id, f["org"], form_date(f["inspected_on"], "調査日"), f["inspectors"], f["place"],
            results, f["follow_ups"].splitlines(), pdf_dir=tmp).pdf_path)

    pdf, error = await attempt(act)
    if error is not None:
        return await _page(request, 400, error, f)
    url = offer_download(request, pdf[0], pdf[1], "application/pdf")
    return redirect(f"/cases/{case_id}/inspections?download={url.rsplit('/', 1)[1]}")


@state_changing
async def print_record(request: Request):
    """An inspection's 立入調査記録 again, offered for one download."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    inspection_id = request.path_params["inspection_id"]
    pdf, error = await attempt(lambda: written_file(
        lambda tmp: actions.print_inspection(journal(request), inspection_id, tmp)))
    if error is not None:
        return await _page(request, 400, error)
    url = offer_download(request, pdf[0], pdf[1], "application/pdf")
    return redirect(f"/cases/{request.path_params['case_id']}/inspections"
                    f"?download={url.rsplit('/', 1)[1]}")


routes = [
    Route("/cases/{case_id}/inspections", inspections_page, methods=["GET"]),
    Route("/cases/{case_id}/inspections", record_inspection, methods=["POST"]),
    Route("/cases/{case_id}/inspections/{inspection_id}/print", print_record, methods=["POST"]),
]
