"""Erasure certificates (消去証明書) of a case: the contractor that erased records it with the
electronic 押印, the ward (and, for a sub-contractor's, its contractor) records receiving it,
the ward records its own check, and anyone on the case prints it for stamping. Over
`actions.record_erasure`, `receive_certificate`, `check_erasure` and `reports.print_erasure`,
as `handover erasure` calls them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.model import events as ev
from web.acting import attempt, journal, offer_download, sealed_journal, written_file
from web.pages import field_of, form_date, redirect, refusal, render, session, sign_in_required
from web.routes.handovers import people_choices
from web.security import state_changing

FIELDS = ("erased", "sources", "locations", "method", "tool", "performed_by", "verified_by",
          "erased_on", "place")


def _view(j, case_id: str) -> dict:
    view = people_choices(j, case_id)
    items = reports.status(j, case_id)["cases"][0]["items"]
    # The erased data came from the case's packages and the media that carried them.
    view["packages"] = sorted({i["package_id"] for i in items if i.get("package_id")})
    view["media"] = [i for i in items if i["kind"] == ev.MEDIUM]
    view["certificates"] = reports.list_erasures(j, case_id)
    view["today"] = j.now().date().isoformat()
    return view


async def _page(request: Request, status_code: int = 200, error=None, form: str = "",
                fields: dict | None = None, download: str | None = None):
    case_id = request.path_params["case_id"]
    data, failed = await attempt(lambda: _view(journal(request), case_id))
    if failed is not None:
        return render(request, "error.html", 404, error=refusal(failed))
    f = fields or {}
    return render(request, "erasures.html", status_code, **data, f=f,
                  methods=list(ev.ERASURE_METHODS.items()),
                  error=refusal(error) if error else None, error_form=form,
                  error_field=field_of(error, f) if error else "",
                  download=download or request.query_params.get("download"))


async def erasures_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    return await _page(request)


@state_changing
async def record_erasure(request: Request):
    """The contractor's certificate, signed with the electronic 押印."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    case_id = request.path_params["case_id"]
    form = await request.form()
    f = {name: str(form.get(name, "")) for name in FIELDS}
    f["sources"] = form.getlist("sources")
    me = session(request).person_id

    def act():
        j = sealed_journal(request, str(form.get("passphrase", "")))
        return actions.record_erasure(
            j, me, case_id, erased=f["erased"], sources=f["sources"],
            locations=[line for line in f["locations"].splitlines() if line.strip()],
            method=f["method"], tool=f["tool"], performed_by=f["performed_by"],
            verified_by=f["verified_by"], erased_on=form_date(f["erased_on"], "消去日"), place=f["place"]).value

    _, error = await attempt(act)
    if error is not None:
        return await _page(request, 400, error, "record", f)
    return redirect(f"/cases/{case_id}/erasures")


@state_changing
async def receive(request: Request):
    """The ward (or the contractor, for its sub-contractor's) received the certificate."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    certificate_id = request.path_params["certificate_id"]
    _, error = await attempt(lambda: actions.receive_certificate(
        journal(request), session(request).person_id, certificate_id))
    if error is not None:
        return await _page(request, 400, error, certificate_id)
    return redirect(f"/cases/{request.path_params['case_id']}/erasures")


@state_changing
async def check(request: Request):
    """The ward's own check of the erasure, with what it checked."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    certificate_id = request.path_params["certificate_id"]
    form = await request.form()
    _, error = await attempt(lambda: actions.check_erasure(
        journal(request), session(request).person_id, certificate_id, str(form.get("note", ""))))
    if error is not None:
        return await _page(request, 400, error, certificate_id)
    return redirect(f"/cases/{request.path_params['case_id']}/erasures")


@state_changing
async def print_certificate(request: Request):
    """The 消去証明書 as it stands, offered for one download."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    certificate_id = request.path_params["certificate_id"]
    pdf, error = await attempt(lambda: written_file(
        lambda tmp: reports.print_erasure(journal(request), certificate_id, tmp)))
    if error is not None:
        return await _page(request, 400, error, certificate_id)
    url = offer_download(request, pdf[0], pdf[1], "application/pdf")
    return redirect(f"/cases/{request.path_params['case_id']}/erasures"
                    f"?download={url.rsplit('/', 1)[1]}")


routes = [
    Route("/cases/{case_id}/erasures", erasures_page, methods=["GET"]),
    Route("/cases/{case_id}/erasures", record_erasure, methods=["POST"]),
    Route("/cases/{case_id}/erasures/{certificate_id}/receive", receive, methods=["POST"]),
    Route("/cases/{case_id}/erasures/{certificate_id}/check", check, methods=["POST"]),
    Route("/cases/{case_id}/erasures/{certificate_id}/print", print_certificate, methods=["POST"]),
]
