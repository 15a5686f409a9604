"""The application's guard, as ASGI middleware around every request, and the CSRF check of
every state change.

- Trusted hosts: the Host header must name this server (Starlette's TrustedHostMiddleware,
  configured in web/app.py).
- Sessions: the cookie's ID is looked up in the in-memory store (web/sessions.py); a request
  without a live session gets a fresh anonymous one, so every form carries a CSRF token
  (a request from another site gets a transient one and no cookie: it cannot replace the
  person's session).
  The cookie is HttpOnly, SameSite=Strict, and Secure when served over TLS.
- Cross-site requests: a state-changing request whose `Sec-Fetch-Site` is present and not
  `same-origin` is refused before any endpoint runs.
- CSRF: every state-changing endpoint is wrapped in `state_changing`, which compares the
  session's token with the `X-CSRF-Token` header (htmx sends it from `hx-headers` on <body>)
  or the form's hidden `csrf` field. tests/web/test_security.py checks every POST route is
  wrapped.
- Headers: a strict Content-Security-Policy (no inline script or style), nosniff,
  no referrer, no framing; `Cache-Control: no-store` on everything but /static.
- The access log (`web.access`) names method, path (never the query string), status and
  time: never a form field, so never a passphrase or a resident's data.
"""

from __future__ import annotations

import functools
import hmac
import logging
import time
from http.cookies import SimpleCookie
from typing import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.sessions import COOKIE, SessionStore

CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

access_log = logging.getLogger("web.access")


class Guard:
    """Sessions, the Sec-Fetch-Site check, security headers and the access log."""

    def __init__(self, app: ASGIApp, store: SessionStore, *, tls: bool):
        self.app, self.store, self.tls = app, store, tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method, path = scope["method"], scope["path"]
        status_seen = [0]
        static = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen[0] = message["status"]
                headers = MutableHeaders(scope=message)
                self._security_headers(headers, static)
                session = scope.get("state", {}).get("session")
                if session is not None and session.id != cookie_id and not session.transient:
                    headers.append("set-cookie", self._cookie(session.id))
            await send(message)

        cookie_id = _cookie_value(scope)
        if static:
            cookie_id = None
            await self.app(scope, receive, send_with_headers)
        else:
            site = _header(scope, b"sec-fetch-site")
            session, expired = self.store.get(cookie_id)
            if session is None and site in ("cross-site", "same-site"):
                session = self.store.transient()
            elif session is None:
                session = self.store.new()
                session.expired = expired
            scope.setdefault("state", {})["session"] = session
            if method not in SAFE_METHODS and site is not None and site != "same-origin":
                response = refusal_page(403, "別のサイトからの送信は受け付けません",
                                        "この操作は、このシステムの画面からのみ行えます。"
                                        "（Sec-Fetch-Site: " + site + "）")
                await response(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        access_log.info("%s %s %d %.1fms", method, path, status_seen[0],
                        (time.perf_counter() - started) * 1000)

    def _cookie(self, session_id: str) -> str:
        secure = "; Secure" if self.tls else ""
        return f"{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Strict{secure}"

    def _security_headers(self, headers: MutableHeaders, static: bool) -> None:
        headers["content-security-policy"] = CSP
        headers["x-content-type-options"] = "nosniff"
        headers["referrer-policy"] = "no-referrer"
        headers["x-frame-options"] = "DENY"
        headers["cross-origin-opener-policy"] = "same-origin"
        headers["permissions-policy"] = "camera=(self), microphone=(), geolocation=()"
        if self.tls:
            headers["strict-transport-security"] = "max-age=31536000"
        if not static:
            headers["cache-control"] = "no-store"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie_value(scope: Scope) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:      # a malformed cookie header is no session, not an error page
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


def refusal_page(status: int, title: str, detail: str, *, sign_in: bool = False) -> Response:
    """A small self-contained refusal page (no template: it must work before any session)."""
    from html import escape
    link = '<p><a href="/signin">サインイン画面へ</a></p>' if sign_in else \
        '<p><a href="/">トップへ戻る</a></p>'
    body = (f'<!doctype html><html lang="ja"><head><meta charset="utf-8">'
            f'<link rel="stylesheet" href="/static/css/app.css"><title>{escape(title)}</title>'
            f'</head><body><main><h1 class="refused">{escape(title)}</h1>'
            f'<p>{escape(detail)}</p>{link}</main></body></html>')
    return Response(body, status_code=status, media_type="text/html; charset=utf-8")


Endpoint = Callable[[Request], Awaitable[Response]]


def state_changing(endpoint: Endpoint) -> Endpoint:
    """Refuse the request unless it carries the session's CSRF token (header or form field).
    A session that expired meanwhile is told so, and sent to sign in again."""
    @functools.wraps(endpoint)
    async def checked(request: Request) -> Response:
        session = request.state.session
        token = request.headers.get(CSRF_HEADER)
        if token is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            token = (await request.form()).get(CSRF_FIELD)
        if session.expired:
            return refusal_page(401, "セッションの有効期限が切れました",
                                "一定時間操作がなかったため、安全のためサインアウトしました。"
                                "もう一度サインインしてから操作してください。"
                                "（入力内容は記録されていません）", sign_in=True)
        if not isinstance(token, str) or not hmac.compare_digest(token, session.csrf):
            return refusal_page(403, "不正な送信として拒否しました",
                                "画面の確認用トークン（CSRF）が一致しません。"
                                "画面を開き直してからもう一度操作してください。")
        return await endpoint(request)
    checked.csrf_checked = True         # type: ignore[attr-defined]
    return checked
