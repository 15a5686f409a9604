"""Passkeys on the web (issue 14): enrolment witnessed by staff, sign-in, and the electronic
押印 on every act a passkey user takes. The ceremonies run in the browser
(web/static/js/webauthn.js) as a short exchange of JSON steps with these endpoints.

What the server keeps, in this process's memory only:
- open ceremonies, by a random token: the challenge issued (random, or an act's digests), whose
  session asked, and until when (`CEREMONY_SECONDS`). Each is taken once: a second answer to
  the same challenge is refused.
- per credential, the last signature counter seen (actions.PasskeyCounters: a non-zero counter
  must increase; a cloned authenticator shows up as a counter that goes back), and the
  browser's credential ID seen at sign-in, so the act's assertions ask for that very passkey.

The relying party is this server as the browser reached it: RP ID = the host name, origin =
scheme://host[:port] (the Host header is checked by the trusted-host middleware). The
assertion's `clientDataJSON.origin` must be that origin (checked online, by
actions.check_assertion_online: the ledger's offline audit cannot). Which person and which of
their passkeys signed in is actions.passkey_sign_in's to say: this module holds the ceremonies. A passkey enrolled under one host name signs only there.

An act by a passkey user is taken in two phases (handover.model.prepared): `act` prepares it
and returns its digests as the challenges; the browser makes one user-verified assertion per
digest; `/passkeys/act` commits it with them. A passphrase user's act runs at once.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crypto.personal_keys import b64, unb64
from handover.errors import HandoverError
from web.pages import ctx, redirect, refusal, render, session, sign_in_required
from web.security import state_changing

CEREMONY_SECONDS = 120.0
RP_NAME = "個人情報受渡し管理"
# The COSE algorithms the ledger's verifier knows (crypto/webauthn.py), in order of preference.
ALGORITHMS = (-7, -8, -257)


class Refused(Exception):
    """A ceremony step the server will not take, worded for the person (Japanese)."""


@dataclass
class PasskeySigner:
    """A passkey session's credential: it signs in the browser, never on the server. Put on
    the journal like a passphrase signer, it refuses to sign: an act must go through `act`."""
    credential_id: str
    person_id: str
    in_browser = True         # pages offer the passkey 押印 instead of the passphrase field

    def sign(self, digest: bytes) -> dict:
        raise HandoverError("a passkey signs in the browser, at the moment of the act / "
                            "パスキーでの署名（電子押印）は画面で行います",
                            "take the act from its page, which asks for the passkey")


@dataclass
class Ceremony:
    kind: str
    session_id: str
    expires: float
    data: dict = field(default_factory=dict)


class Passkeys:
    """Open ceremonies, and what the server learnt of each credential."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic):
        self.monotonic = monotonic
        from handover.actions import PasskeyCounters
        self._open: dict[str, Ceremony] = {}
        self.counters = PasskeyCounters()
        self.raw_ids: dict[str, str] = {}         # credential ID → the browser's rawId (b64u)
        self.results: dict[str, tuple] = {}       # pages an act answered, shown once
        self._lock = threading.Lock()

    def open(self, session, kind: str, **data: Any) -> str:
        token = secrets.token_urlsafe(24)
        now = self.monotonic()
        with self._lock:
            for t in [t for t, c in self._open.items() if c.expires < now]:
                del self._open[t]
            self._open[token] = Ceremony(kind, session.id, now + CEREMONY_SECONDS, data)
        return token

    def take(self, session, token: Any, kind: str) -> Ceremony:
        with self._lock:
            c = self._open.pop(token, None) if isinstance(token, str) else None
        if c is None or c.kind != kind or c.session_id != session.id:
            raise Refused("この確認は無効です（使用済み、または別の画面のものです）。画面を開き直してください。")
        if c.expires < self.monotonic():
            raise Refused("時間切れです（2分以内に操作してください）。もう一度お試しください。")
        return c


def state(request: Request) -> Passkeys:
    extra = ctx(request).extra
    if "passkeys" not in extra:
        extra["passkeys"] = Passkeys()
    return extra["passkeys"]


def relying_party(request: Request) -> tuple[str, str]:
    """(RP ID, origin) of this server as the browser reached it."""
    return request.url.hostname or "localhost", f"{request.url.scheme}://{request.url.netloc}"


def is_passkey_session(s) -> bool:
    return isinstance(getattr(s, "signer", None), PasskeySigner)


def _error(message: str, status: int = 400, **more) -> JSONResponse:
    return JSONResponse({"error": message, **more}, status_code=status)


def refused_json(e: HandoverError) -> JSONResponse:
    r = refusal(e)
    text = r["heading"] + "：" + r["message"] + (f"（{r['hint']}）" if r["hint"] else "")
    return _error(text, 409 if r["rule"] else 400, rule=r["rule"])


async def _body(request: Request) -> dict:
    """A step's JSON, or the form fields of a ceremony's first step (a page's own form)."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return dict(await request.form())
    try:
        body = await request.json()
    except ValueError:
        raise Refused("送信内容を読み取れませんでした。") from None
    if not isinstance(body, dict):
        raise Refused("送信内容を読み取れませんでした。")
    return body


def _assertion(body: dict, count: int = 1) -> list[dict]:
    given = body.get("assertions")
    if not isinstance(given, list) or len(given) != count or not all(
            isinstance(a, dict) and all(isinstance(a.get(k), str) for k in
                                        ("authenticator_data", "client_data_json", "sig", "raw_id"))
            for a in given):
        raise Refused("パスキーの応答が不完全です。もう一度お試しください。")
    return given


def _online_checks(request: Request, credential_id: str, a: dict) -> None:
    """The page's origin and the counter (actions.check_assertion_online)."""
    from handover.actions import check_assertion_online
    check_assertion_online(a, credential_id, origin=relying_party(request)[1],
                           counters=state(request).counters)


def _get_step(request: Request, challenges: list[bytes], token: str, next_url: str,
              allow: list[str] = ()) -> JSONResponse:
    rp_id, _ = relying_party(request)
    return JSONResponse({"get": {"challenges": [b64(c) for c in challenges], "rp_id": rp_id,
                                 "allow": list(allow)}, "next": next_url, "token": token})


def _done(url: str) -> JSONResponse:
    return JSONResponse({"done": True, "redirect": url})


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


# --- acts: the electronic 押印 ------------------------------------------------------------------

async def signed(request: Request, run: Callable[[Any], Any], then: Callable[[Any], str]
                 ) -> JSONResponse:
    """`act` for a page's form submitted by webauthn.js: every answer is a JSON step, a
    refusal too (shown beside the form)."""
    try:
        return await act(request, run, then)
    except HandoverError as e:
        return refused_json(e)


async def act(request: Request, run: Callable[[Any], Any], then: Callable[[Any], str]) -> Response:
    """Take an act for the signed-in person. `run(journal)` calls the action; `then(value)` is
    the page to show after it. A passkey user signs it in the browser first (two phases); a
    passphrase user's signer signs it now. A refusal is raised as HandoverError (before anyone
    signs, for a passkey user)."""
    from handover.model import prepared
    s = session(request)
    journal = ctx(request).journal(s)
    if not is_passkey_session(s):
        value = await run_in_threadpool(run, journal)
        return _done(then(value)) if _wants_json(request) else redirect(then(value))
    if not _wants_json(request):
        raise HandoverError("this act is signed with your passkey on its page / この操作は"
                            "パスキーによる電子押印が必要です",
                            "use a browser with JavaScript enabled (Edge or Chrome)")
    ready = await run_in_threadpool(prepared.prepare, journal, s.person_id, run)
    token = state(request).open(s, "act", prepared=ready, then=then)
    raw = state(request).raw_ids.get(s.signer.credential_id)
    return _get_step(request, ready.digests, token, "/passkeys/act", [raw] if raw else [])


@state_changing
async def commit_act(request: Request):
    from handover.model import prepared
    s = session(request)
    try:
        body = await _body(request)
        c = state(request).take(s, body.get("token"), "act")
        ready = c.data["prepared"]
        given = _assertion(body, len(ready.entries))
        for a in given:
            _online_checks(request, s.signer.credential_id, a)
        value = await run_in_threadpool(prepared.commit, ctx(request).journal(s), ready,
                                        s.signer.credential_id, given)
    except Refused as e:
        return _error(str(e))
    except HandoverError as e:
        return refused_json(e)
    return _done(c.data["then"](value))


# --- sign-in ------------------------------------------------------------------------------------

@state_changing
async def signin_begin(request: Request):
    s = session(request)
    challenge = secrets.token_bytes(32)
    token = state(request).open(s, "signin", challenge=challenge)
    return _get_step(request, [challenge], token, "/passkeys/signin/finish")


@state_changing
async def signin_finish(request: Request):
    from handover.actions import passkey_sign_in
    s = session(request)
    c = ctx(request)
    try:
        body = await _body(request)
        ceremony = state(request).take(s, body.get("token"), "signin")
        a = _assertion(body)[0]
        rp_id, origin = relying_party(request)
        found = await run_in_threadpool(
            passkey_sign_in, c.journal(), a, rp_id=rp_id, origin=origin,
            challenge=ceremony.data["challenge"], counters=state(request).counters)
    except Refused as e:
        return _error(str(e))
    except HandoverError as e:
        return refused_json(e)
    state(request).raw_ids[found.credential_id] = a["raw_id"]
    request.state.session = c.sessions.sign_in(s, found.person_id, found.name,
                                               PasskeySigner(found.credential_id, found.person_id))
    return _done("/")


# --- enrolment, witnessed by staff ------------------------------------------------------------

async def enrol_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    from web.routes.signin import people_by_name
    people = await run_in_threadpool(people_by_name, request)
    return render(request, "passkey_enrol.html", people=people)


@state_changing
async def enrol_begin(request: Request):
    s = session(request)
    if not s.signed_in:
        return _error("サインインしてください。", 401)
    try:
        body = await _body(request)
        person_id = str(body.get("person") or "")
        journal = ctx(request).journal()
        with journal.reading() as st:
            person = st.find_person(person_id)
            if person is None:
                raise Refused("登録する方を選んでください。")
            name = person.name
    except Refused as e:
        return _error(str(e), field="person")
    rp_id, _ = relying_party(request)
    challenge = secrets.token_bytes(32)
    token = state(request).open(s, "enrol", challenge=challenge, person_id=person_id)
    options = {
        "rp": {"id": rp_id, "name": RP_NAME},
        "user": {"id": b64(person_id.encode("ascii")), "name": person_id, "displayName": name},
        "challenge": b64(challenge),
        "pubKeyCredParams": [{"type": "public-key", "alg": alg} for alg in ALGORITHMS],
        "timeout": int(CEREMONY_SECONDS * 1000),
        "attestation": "none",
        # Discoverable, so that sign-in needs no name typed: the passkey says whose it is.
        "authenticatorSelection": {"residentKey": "required", "requireResidentKey": True,
                                   "userVerification": "required"},
    }
    return JSONResponse({"create": options, "next": "/passkeys/enrol/attest", "token": token})


@state_changing
async def enrol_attest(request: Request):
    """The new passkey exists; it now signs its own registration (proof of possession)."""
    from crypto.webauthn import AssertionRejected, parse_registration
    from handover import actions, ids
    from handover.model import signatures as sig
    s = session(request)
    try:
        body = await _body(request)
        c = state(request).take(s, body.get("token"), "enrol")
        rp_id, origin = relying_party(request)
        try:
            reg = parse_registration(unb64(str(body.get("attestation_object", ""))),
                                     unb64(str(body.get("client_data_json", ""))),
                                     rp_id=rp_id, challenge=c.data["challenge"], origin=origin)
        except (AssertionRejected, ValueError) as e:
            raise Refused(f"パスキーの作成結果を確認できませんでした（{getattr(e, 'message', e)}）。") from None
    except Refused as e:
        return _error(str(e))
    credential_id = ids.new_id("Y")
    log = ctx(request).settings.log
    bare = actions.passkey_registration(log, credential_id, c.data["person_id"], s.person_id,
                                        reg.cose_key, rp_id)
    digest = sig.proof_digest(log, bare)
    token = state(request).open(s, "enrol-proof", person_id=c.data["person_id"],
                                credential_id=credential_id, cose_key=reg.cose_key,
                                raw_id=b64(reg.raw_id), rp_id=rp_id, proof_digest=digest)
    return _get_step(request, [digest], token, "/passkeys/enrol/finish", [b64(reg.raw_id)])


@state_changing
async def enrol_finish(request: Request):
    from handover import actions
    s = session(request)
    try:
        body = await _body(request)
        c = state(request).take(s, body.get("token"), "enrol-proof")
        a = _assertion(body)[0]
        _online_checks(request, c.data["credential_id"], a)
        d = c.data
        proof = {"alg": "webauthn", "authenticator_data": a["authenticator_data"],
                 "client_data_json": a["client_data_json"], "sig": a["sig"]}
        state(request).raw_ids[d["credential_id"]] = d["raw_id"]
        return await act(request, lambda j: actions.enrol_passkey(
            j, s.person_id, d["person_id"], d["credential_id"], d["cose_key"], d["rp_id"], proof),
            lambda _: f"/passkeys/enrolled/{d['credential_id']}")
    except Refused as e:
        return _error(str(e))
    except HandoverError as e:
        return refused_json(e)


async def enrolled_page(request: Request):
    if (gone := sign_in_required(request)) is not None:
        return gone
    from handover import actions
    credential_id = request.path_params["credential_id"]
    rows = await run_in_threadpool(actions.credential_list, ctx(request).journal())
    row = next((r for r in rows if r["credential_id"] == credential_id), None)
    if row is None:
        return render(request, "passkey_enrolled.html", 404, row=None)
    return render(request, "passkey_enrolled.html", row=row)


async def enrolment_form(request: Request):
    """The 登録票 PDF, made afresh from the ledger for printing (nothing is kept)."""
    if (gone := sign_in_required(request)) is not None:
        return gone
    from handover.reports.enrolment_form import write_enrolment_form
    credential_id = request.path_params["credential_id"]

    def make() -> bytes:
        with tempfile.TemporaryDirectory(prefix="handover-form-") as d:
            return write_enrolment_form(ctx(request).journal(), credential_id, Path(d)).read_bytes()

    try:
        pdf = await run_in_threadpool(make)
    except HandoverError as e:
        return render(request, "passkey_enrolled.html", 404, row=None, error=refusal(e))
    return Response(pdf, media_type="application/pdf", headers={
        "content-disposition": f'inline; filename="enrolment-{credential_id}.pdf"'})


routes = [
    Route("/passkeys/signin/begin", signin_begin, methods=["POST"]),
    Route("/passkeys/signin/finish", signin_finish, methods=["POST"]),
    Route("/passkeys/enrol", enrol_page, methods=["GET"]),
    Route("/passkeys/enrol/begin", enrol_begin, methods=["POST"]),
    Route("/passkeys/enrol/attest", enrol_attest, methods=["POST"]),
    Route("/passkeys/enrol/finish", enrol_finish, methods=["POST"]),
    Route("/passkeys/enrolled/{credential_id}", enrolled_page, methods=["GET"]),
    Route("/passkeys/enrolled/{credential_id}/form.pdf", enrolment_form, methods=["GET"]),
    Route("/passkeys/act", commit_act, methods=["POST"]),
]


# --- every other act of a passkey user: the page's own form, taken twice ------------------------

FORM_ACT_PATH = "/passkeys/form-act"
MAX_FORM_BYTES = 1 << 20


def planned(journal, request: Request):
    """The journal an act runs on while PasskeyActs takes it: a dry run, or the recording
    signed with the person's assertions. Unchanged outside PasskeyActs."""
    from handover.model import prepared
    plan = request.scope.get("state", {}).get("passkey_plan")
    if plan is None:
        return journal
    if plan["kind"] == "prepare":
        return prepared.dry(journal)
    return prepared.signed(journal, plan["prepared"], plan["credential"], plan["assertions"])


class _Captured:
    def __init__(self):
        self.status, self.headers, self.body = 500, [], bytearray()

    async def send(self, message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    def header(self, name: bytes) -> str | None:
        return next((v.decode("latin-1") for k, v in self.headers if k.lower() == name), None)


def _replayed(body: bytes):
    sent = [False]

    async def receive():
        if sent[0]:
            return {"type": "http.disconnect"}
        sent[0] = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def _read(receive, limit: int) -> bytes | None:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body"):
            return bytes(body)


class PasskeyActs:
    """ASGI middleware: the acts of a passkey user taken from any page's form.

    webauthn.js submits a passkey user's POST forms with `X-Passkey-Act: 1`. The form's own
    route runs first as a dry run (its journal from `planned`: model.prepared's dry run, the
    IDs it mints kept); when it reaches `record()`, the act's digests go to the browser as
    challenges. The browser's assertions come back to FORM_ACT_PATH, and the same route runs
    again on the same request, now recording the act signed with them (or refusing it as
    changed since signed). Whatever the route answers (a redirect, a page with a refusal
    beside its field) is what the browser is then shown. A route that records nothing runs
    once, as usual."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        s = scope.get("state", {}).get("session")
        if scope["path"] == FORM_ACT_PATH:
            await self._commit(scope, receive, send, s)
        elif is_passkey_session(s) and _scope_header(scope, b"x-passkey-act") == "1":
            await self._prepare(scope, receive, send, s)
        else:
            await self.app(scope, receive, send)

    async def _run(self, scope, body: bytes, plan: dict, tape) -> _Captured:
        from handover import ids
        captured = _Captured()
        scope["state"]["passkey_plan"] = plan
        token = ids.minted_ids.set(tape)
        try:
            await self.app(scope, _replayed(body), captured.send)
        finally:
            ids.minted_ids.reset(token)
            scope["state"].pop("passkey_plan", None)
        return captured

    async def _prepare(self, scope, receive, send, s) -> None:
        from handover import ids
        from handover.model import prepared
        body = await _read(receive, MAX_FORM_BYTES)
        if body is None:
            await _json(scope, send, {"error": "送信内容が大きすぎます。"}, 413)
            return
        tape = ids.MintedIds()
        try:
            shown = await self._run(scope, body, {"kind": "prepare"}, tape)
        except prepared.Prepared as done:
            ready = prepared.from_dry_run(done, s.person_id, tape)
            request = Request(scope)
            token = state(request).open(s, "form-act", prepared=ready, body=body,
                                        scope={k: v for k, v in scope.items() if k != "state"})
            raw = state(request).raw_ids.get(s.signer.credential_id)
            response = _get_step(request, ready.digests, token, FORM_ACT_PATH, [raw] if raw else [])
            await response(scope, _replayed(b""), send)
            return
        await self._relay(scope, send, s, shown)

    async def _commit(self, scope, receive, send, s) -> None:
        from handover import ids
        request = Request(scope, receive)
        token = request.headers.get("x-csrf-token", "")
        if s is None or not is_passkey_session(s) or not secrets.compare_digest(token, s.csrf):
            await _json(scope, send, {"error": "画面の確認用トークンが一致しません。画面を開き直してください。"}, 403)
            return
        try:
            body = await _body(request)
            c = state(request).take(s, body.get("token"), "form-act")
            ready = c.data["prepared"]
            given = _assertion(body, len(ready.entries))
            for a in given:
                _online_checks(request, s.signer.credential_id, a)
        except Refused as e:
            await _json(scope, send, {"error": str(e)}, 400)
            return
        except HandoverError as e:
            await refused_json(e)(scope, _replayed(b""), send)
            return
        original = {**c.data["scope"], "state": scope["state"]}
        shown = await self._run(original, c.data["body"], {
            "kind": "commit", "prepared": ready, "credential": s.signer.credential_id,
            "assertions": given}, ids.MintedIds(ready.ids))
        await self._relay(scope, send, s, shown)

    async def _relay(self, scope, send, s, shown: _Captured) -> None:
        """What the route answered, for the browser to go to."""
        location = shown.header(b"location")
        if 300 <= shown.status < 400 and location:
            await _json(scope, send, {"done": True, "redirect": location})
            return
        token = secrets.token_urlsafe(16)
        results = state(Request(scope)).results
        results[token] = (s.id, shown.status, shown.header(b"content-type") or "text/html",
                          bytes(shown.body))
        await _json(scope, send, {"done": True, "redirect": f"/passkeys/result/{token}"})


def _scope_header(scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), None)


async def _json(scope, send, data: dict, status: int = 200) -> None:
    await JSONResponse(data, status_code=status)(scope, _replayed(b""), send)


async def act_result(request: Request):
    """A page a passkey act answered (a refusal beside its field, a result), shown once."""
    found = state(request).results.pop(request.path_params["token"], None)
    if found is None or found[0] != session(request).id:
        return redirect("/")
    _, status, media_type, body = found
    return Response(body, status_code=status, media_type=media_type)


routes.append(Route("/passkeys/result/{token}", act_result, methods=["GET"]))
