"""Close-out and contractor pages over existing actions: a case's incidents (事故報告: a
report with the electronic 押印, follow-ups, the ward closing one) and its print logs
(importing a log, its bad rows named by line; the reason for printing beyond the designated
count). Erasure certificates, inspections, closing and storing have modules of their own."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.errors import HandoverError
from handover.model import events as ev
from web.acting import attempt, journal, sealed_journal
from web.pages import redirect, refusal, render, session, sign_in_required
from web.routes.handovers import parse_local_time
from web.security import state_changing

MAX_PRINT_LOG = 50 * 1024 * 1024


async def _incidents_page(request: Request, status_code: int = 200, error=None, form: str = ""):
    case_id = request.path_params["case_id"]

    def view():
        j = journal(request)
        return {"sheet": reports.case_sheet(j, case_id),
                "incidents": [reports.show_incident(j, i["incident_id"])
                              for i in reports.list_incidents(j, case_id)],
                "items": reports.status(j, case_id)["cases"][0]["items"]}

    data, failed = await attempt(view)
    if failed is not None:
        return render(request, "error.html", 404, error=refusal(failed))
    return render(request, "incidents.html", status_code, **data,
                  categories=list(ev.INCIDENT_CATEGORIES.items()),
                  error=refusal(error) if error else None, error_form=form)


async def incidents_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    return await _incidents_page(request)


@state_changing
async def report_incident(request: Request):
    """A new 事故報告, signed with the electronic 押印 (the passphrase again)."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    form = await request.form()
    me = session(request).person_id

    def act():
        j = sealed_journal(request, str(form.get("passphrase", "")))
        return actions.report_incident(
            j, me, case_id, str(form.get("category", "")), str(form.get("description", "")),
            items=form.getlist("items"),
            discovered_at=parse_local_time(str(form.get("discovered_at", "")))).value

    _, error = await attempt(act)
    if error is not None:
        return await _incidents_page(request, 400, error, "report")
    return redirect(f"/cases/{case_id}/incidents")


@state_changing
async def follow_up(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    form = await request.form()
    j, me = journal(request), session(request).person_id
    incident_id = request.path_params["incident_id"]
    closing = form.get("decision") == "close"
    _, error = await attempt(
        (lambda: actions.close_incident(j, me, incident_id, str(form.get("note", ""))))
        if closing else
        (lambda: actions.follow_up_incident(j, me, incident_id, str(form.get("note", "")))))
    if error is not None:
        return await _incidents_page(request, 400, error, incident_id)
    return redirect(f"/cases/{request.path_params['case_id']}/incidents")


async def _print_logs_page(request: Request, status_code: int = 200, error=None, form: str = ""):
    case_id = request.path_params["case_id"]
    data, failed = await attempt(lambda: reports.print_logs(journal(request), case_id))
    if failed is not None:
        return render(request, "error.html", 404, error=refusal(failed))
    return render(request, "print_logs.html", status_code, logs=data,
                  error=refusal(error) if error else None, error_form=form)


async def print_logs_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    return await _print_logs_page(request)


@state_changing
async def import_print_log(request: Request):
    """A print log as the printer or PaperCut exported it; any bad row refuses the whole file,
    each named by its line."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    form = await request.form()
    upload = form.get("log")
    j, me = journal(request), session(request).person_id
    if not hasattr(upload, "read") or not upload.filename:
        return await _print_logs_page(request, 400, HandoverError("印刷ログのファイルを選んでください"),
                                      "import")
    data = await upload.read(MAX_PRINT_LOG + 1)

    def act():
        if len(data) > MAX_PRINT_LOG:
            raise HandoverError(f"{upload.filename} は大きすぎます（50 MB まで）")
        with tempfile.TemporaryDirectory(prefix="handover-printlog-") as tmp:
            path = Path(tmp) / Path(upload.filename).name
            path.write_bytes(data)
            return actions.import_print_log(j, me, case_id, path).value

    _, error = await attempt(act)
    if error is not None:
        return await _print_logs_page(request, 400, error, "import")
    return redirect(f"/cases/{case_id}/print-logs")


@state_changing
async def explain_excess(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    form = await request.form()
    submission_id = str(form.get("submission", ""))
    _, error = await attempt(lambda: actions.explain_print_excess(
        journal(request), session(request).person_id, submission_id,
        str(form.get("reason", ""))))
    if error is not None:
        return await _print_logs_page(request, 400, error, submission_id)
    return redirect(f"/cases/{request.path_params['case_id']}/print-logs")


routes = [
    Route("/cases/{case_id}/incidents", incidents_page, methods=["GET"]),
    Route("/cases/{case_id}/incidents", report_incident, methods=["POST"]),
    Route("/cases/{case_id}/incidents/{incident_id}", follow_up, methods=["POST"]),
    Route("/cases/{case_id}/print-logs", print_logs_page, methods=["GET"]),
    Route("/cases/{case_id}/print-logs", import_print_log, methods=["POST"]),
    Route("/cases/{case_id}/print-logs/reason", explain_excess, methods=["POST"]),
]
