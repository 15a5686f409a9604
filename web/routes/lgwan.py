"""LGWAN receipt by hash: the contractor chooses the downloaded file on their own computer,
the page computes its SHA-256 there with WebCrypto (web/static/js/hash-file.js) and sends
only the hash; actions.lgwan.receive_by_hash compares it with what the ward sent. A match is
recorded as the receipt (the handover's confirmation: the electronic 押印, by passkey or the
passphrase again); a mismatch opens an incident and the page says not to open the file."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from handover import actions, reports
from handover.errors import HandoverError, VerificationFailed
from web import passkeys
from web.acting import attempt, journal, sealed_journal
from web.pages import redirect, refusal, render, session, sign_in_required
from web.security import state_changing


def _waiting(request: Request) -> list[dict]:
    return [t for t in reports.list_transfers(journal(request)) if not t["received_by"]]


async def receive_page(request: Request, *, status_code: int = 200, error=None,
                       mismatch: str | None = None):
    if (gone := sign_in_required(request)) is not None:
        return gone
    waiting, problem = await attempt(lambda: _waiting(request))
    return render(request, "lgwan_receive.html", status_code, transfers=waiting or [],
                  error=error or (refusal(problem) if problem else None), mismatch=mismatch,
                  received=request.query_params.get("received"))


@state_changing
async def receive(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    transfer_id = request.path_params["transfer_id"]
    form = await request.form()       # the hash and the file's name: the file itself has no field
    sha256, name = str(form.get("sha256", "")), str(form.get("file_name", ""))
    me = session(request).person_id

    def run(j):
        return actions.receive_by_hash(j, me, transfer_id, sha256, file_name=name)
    if passkeys.is_passkey_session(session(request)):
        return await passkeys.signed(request, run, lambda _: f"/lgwan?received={transfer_id}")
    try:
        _, error = await attempt(lambda: run(sealed_journal(request, str(form.get("passphrase", "")))))
    except HandoverError as e:
        error = e
    if error is None:
        return redirect(f"/lgwan?received={transfer_id}")
    if isinstance(error, VerificationFailed):
        return await receive_page(request, status_code=409, mismatch=transfer_id,
                                  error=refusal(error))
    return await receive_page(request, status_code=400, error=refusal(error))


routes = [
    Route("/lgwan", receive_page, methods=["GET"]),
    Route("/lgwan/{transfer_id}/receive", receive, methods=["POST"]),
]
