"""Visit rounds (訪問リストの授受, 000 受託事業者 4): a day's rounds of a case; starting one (the
pair of visitors picked by name from the roster, the lists by checkbox); taking the lists back
(scanned from their labels, one scan a line as a USB scanner types them, or ticked as read off
the sheets); closing a round (a list still out is declared missing only when ticked, and opens
a loss incident); and the day's 訪問リスト授受簿 PDF. Over `actions.start_visit_round`,
`return_visit_lists`, `close_visit_round` and `reports.visit_rounds`, `visit_lists`,
`print_visit_register`, as `handover visit` calls them."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.errors import HandoverError
from web.acting import attempt, journal, offer_download, written_file
from web.pages import ctx, field_of, form_date, redirect, refusal, render, session, sign_in_required
from web.routes.handovers import people_choices
from web.security import state_changing


def _day(text: str | None, today: dt.date) -> dt.date:
    if not text:
        return today
    return form_date(text, "訪問日")


def _view(j, case_id: str, day: dt.date) -> dict:
    view = people_choices(j, case_id)
    view["day"] = day.isoformat()
    view["today"] = j.now().date().isoformat()
    view["rounds"] = reports.visit_rounds(j, case_id, day)["rounds"]
    view["lists"] = reports.visit_lists(j, case_id)["lists"]
    return view


def _back(case_id: str, day: str, download: str | None = None) -> str:
    url = f"/cases/{case_id}/visits?date={day}"
    return url + (f"&download={download}" if download else "")


async def _page(request: Request, status_code: int = 200, error=None, form: str = "",
                f: dict | None = None, day: str | None = None):
    case_id = request.path_params["case_id"]
    j = journal(request)
    try:
        when = _day(day or request.query_params.get("date"), j.now().date())
    except HandoverError as e:
        when, error, form = j.now().date(), error or e, form or "date"
    data, failed = await attempt(lambda: _view(j, case_id, when))
    if failed is not None:
        return render(request, "error.html", 404, error=refusal(failed))
    f = f or {}
    return render(request, "visits.html", status_code, **data, f=f,
                  error=refusal(error) if error else None, error_form=form,
                  error_field=field_of(error, f) if error else "",
                  download=request.query_params.get("download"))


async def visits_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    return await _page(request)


@state_changing
async def start_round(request: Request):
    """Issue the ticked lists to the pair: each list A to the first, each list B to the second."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    form = await request.form()
    f = {"visitor_a": str(form.get("visitor_a", "")), "visitor_b": str(form.get("visitor_b", "")),
         "lists": form.getlist("lists"), "area": str(form.get("area", "")),
         "visit_date": str(form.get("visit_date", ""))}
    j = journal(request)

    def act():
        day = _day(f["visit_date"], j.now().date())
        actions.start_visit_round(j, session(request).person_id, case_id, day,
                                  [v for v in (f["visitor_a"], f["visitor_b"]) if v],
                                  f["lists"], area=f["area"])
        return day.isoformat()

    day, error = await attempt(act)
    if error is not None:
        return await _page(request, 400, error, "start", f, f["visit_date"] or None)
    return redirect(_back(case_id, day))


@state_changing
async def return_lists(request: Request):
    """Lists back: scanned (each line one label) or ticked, not both."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id, round_id = request.path_params["case_id"], request.path_params["round_id"]
    form = await request.form()
    scans = [line.strip() for line in str(form.get("scans", "")).splitlines() if line.strip()]
    ticked = form.getlist("lists")
    day = str(form.get("day", ""))
    _, error = await attempt(lambda: actions.return_visit_lists(
        journal(request), session(request).person_id, round_id, lists=ticked, scans=scans,
        label_key_path=ctx(request).label_key))
    if error is not None:
        return await _page(request, 400, error, round_id, {"lists": ticked}, day)
    return redirect(_back(case_id, day))


@state_changing
async def close_round(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id, round_id = request.path_params["case_id"], request.path_params["round_id"]
    form = await request.form()
    day = str(form.get("day", ""))
    _, error = await attempt(lambda: actions.close_visit_round(
        journal(request), session(request).person_id, round_id,
        missing=form.get("missing") == "yes", note=str(form.get("note", ""))))
    if error is not None:
        return await _page(request, 400, error, round_id, {}, day)
    return redirect(_back(case_id, day))


@state_changing
async def print_register(request: Request):
    """The day's 訪問リスト授受簿, offered for one download."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    form = await request.form()
    day = str(form.get("day", ""))
    pdf, error = await attempt(lambda: written_file(
        lambda tmp: reports.print_visit_register(journal(request), case_id, day, tmp)))
    if error is not None:
        return await _page(request, 400, error, "register", {}, day)
    url = offer_download(request, pdf[0], pdf[1], "application/pdf")
    return redirect(_back(case_id, day, url.rsplit("/", 1)[1]))


routes = [
    Route("/cases/{case_id}/visits", visits_page, methods=["GET"]),
    Route("/cases/{case_id}/visits", start_round, methods=["POST"]),
    Route("/cases/{case_id}/visits/register", print_register, methods=["POST"]),
    Route("/cases/{case_id}/visits/{round_id}/return", return_lists, methods=["POST"]),
    Route("/cases/{case_id}/visits/{round_id}/close", close_round, methods=["POST"]),
]
