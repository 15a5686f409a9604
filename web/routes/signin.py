"""Sign-in with the passphrase credential, and sign-out.

The person is picked by name from the people registered; their passphrase unlocks their
credential (actions.unlock) into a signer held only in the server's memory, in the session.
The passphrase itself is used for that one call and kept nowhere. Passkey sign-in (WebAuthn)
has its own section on the same page (web/passkeys.py).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from handover import reports
from handover.errors import HandoverError, NotFound
from web.pages import ctx, redirect, refusal, render, session
from web.security import state_changing


def people_by_name(request: Request) -> list[dict]:
    """Everyone who may sign in, by organisation then name, for the sign-in list."""
    registry = reports.list_registry(ctx(request).journal())
    orgs = {o["org_id"]: o["name"] for o in registry["organisations"]}
    return sorted(({"person_id": p["person_id"], "name": p["name"],
                    "org": orgs.get(p["org_id"], "")} for p in registry["people"]),
                  key=lambda p: (p["org"], p["name"]))


async def signin_page(request: Request):
    if session(request).signed_in:
        return redirect("/")
    people = await run_in_threadpool(people_by_name, request)
    return render(request, "signin.html", people=people, chosen="", error=None,
                  expired=session(request).expired)


def _in_japanese(e: HandoverError) -> HandoverError:
    """The sign-in's refusals as the page shows them (the CLI keeps its English words)."""
    from handover.actions.credentials import WrongPassphrase
    if isinstance(e, WrongPassphrase):
        return HandoverError("パスフレーズが違います",
                             "大文字と小文字、全角と半角を区別します。もう一度入力してください。"
                             "忘れた場合は、区の職員に資格情報の失効と再登録を依頼してください")
    if isinstance(e, NotFound):
        return HandoverError("この方のパスフレーズはこのデータベースに登録されていません",
                             "区の職員の立会いのもとで登録してください（登録票を印刷します）")
    return e


@state_changing
async def signin(request: Request):
    form = await request.form()
    person_id = str(form.get("person", ""))
    passphrase = str(form.get("passphrase", ""))
    c = ctx(request)

    def unlock():
        from handover import actions
        return actions.unlock(c.journal(), person_id, passphrase)

    try:
        if not person_id:
            raise HandoverError("氏名を選んでください")
        if not passphrase:
            raise HandoverError("パスフレーズを入力してください")
        signer = await run_in_threadpool(unlock)
    except HandoverError as e:
        e = _in_japanese(e)
        people = await run_in_threadpool(people_by_name, request)
        return render(request, "signin.html", 400, people=people, chosen=person_id,
                      error=refusal(e), expired=False)
    people = await run_in_threadpool(people_by_name, request)
    name = next((p["name"] for p in people if p["person_id"] == signer.person_id), "")
    request.state.session = c.sessions.sign_in(session(request), signer.person_id, name, signer)
    return redirect("/")


@state_changing
async def signout(request: Request):
    c = ctx(request)
    c.sessions.drop(session(request))
    request.state.session = c.sessions.new()
    return redirect("/signin")


routes = [
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
]
