"""Cases: the list, and one case's page (roster; every medium, notice, LGWAN file, envelope
batch and visit list with where it is, who holds it and since when; its handovers with their
確認書; the timeline from the ledger). Printing a 確認書 is recorded (actions.reprint)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.errors import NotFound
from web.acting import attempt, download, journal, offer_download, written_file
from web.pages import redirect, refusal, render, sign_in_required
from web.security import state_changing


TIMELINE = 30       # the case page shows the ledger's latest entries about the case


async def case_list(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    data, error = await attempt(lambda: reports.ward_cases(journal(request),
                                                           request.query_params.get("page")))
    return render(request, "cases.html", cases=data["cases"] if data else [],
                  page=data["page"] if data else None, error=refusal(error) if error else None)


def case_view(j, case_id: str, query) -> dict:
    """The case page: its items and handovers a page at a time (reports.case_page), filtered
    by the query string's `state` and `kind`; `page` and `hpage` pick the pages."""
    return {"sheet": reports.case_sheet(j, case_id),
            "view": reports.case_page(j, case_id, state=query.get("state"),
                                      kind=query.get("kind"), page=query.get("page"),
                                      handover_page=query.get("hpage")),
            "lgwan": reports.list_transfers(j, case_id),
            "timeline": reports.history(j, case_id, last=TIMELINE)}


async def case_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    view, error = await attempt(lambda: case_view(journal(request), case_id, request.query_params))
    if error is not None:     # an unknown case; or a filter that is not one of the page's
        return render(request, "error.html", 404 if isinstance(error, NotFound) else 400,
                      error=refusal(error))
    return render(request, "case.html", **view)


@state_changing
async def print_kakuninsho(request: Request):
    """The 確認書 of a handover, printed afresh (再発行, recorded in the ledger) and offered
    for download once."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    handover_id = request.path_params["handover_id"]
    j, me = journal(request), request.state.session.person_id
    done, error = await attempt(lambda: written_file(
        lambda tmp: actions.reprint(j, me, handover_id, tmp)))
    if error is not None:
        return render(request, "error.html", 400, error=refusal(error))
    name, data = done
    return redirect(offer_download(request, name, data, "application/pdf"))


routes = [
    Route("/cases", case_list, methods=["GET"]),
    Route("/cases/{case_id}", case_page, methods=["GET"]),
    Route("/handovers/{handover_id}/print", print_kakuninsho, methods=["POST"]),
    Route("/downloads/{token}", download, methods=["GET"]),
]
