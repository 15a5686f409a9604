"""The web application's guard: sessions, CSRF, cross-site requests, trusted hosts, idle
timeout, security headers, and nothing secret in the access log."""

from __future__ import annotations

import logging
import re

from starlette.routing import Route

from tests.handover.support import PASSPHRASE
from web.security import CSP


def test_every_page_has_the_security_headers(web):
    r = web.client.get("/signin")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


def pages(w) -> list[str]:
    """Every page a signed-in person reads (one of each kind)."""
    case = w.case_id
    return ["/", "/cases", f"/cases/{case}", f"/cases/{case}/record", f"/scan?case={case}",
            "/registry", "/registry/cases", "/audit", f"/cases/{case}/incidents",
            f"/cases/{case}/print-logs", f"/cases/{case}/erasures", f"/cases/{case}/inspections",
            f"/cases/{case}/close", f"/cases/{case}/store", f"/cases/{case}/visits"]


def test_no_inline_script_or_style_on_any_page(web, sealed):
    web.sign_in(web.world.taro)
    for path in ["/signin", *pages(web.world)]:
        r = web.client.get(path)
        assert r.status_code == 200, path
        page = r.text
        assert "style=" not in page and "<style" not in page, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r"\son[a-z]+=", page) and "hx-on" not in page, path


def test_sign_in_and_out(web):
    assert web.client.get("/", follow_redirects=False).headers["location"] == "/signin"
    before = web.client.cookies.get("handover_session")
    web.sign_in(web.world.hanako)
    after = web.client.cookies.get("handover_session")
    assert after != before, "signing in must issue a new session ID"
    page = web.client.get("/")
    assert page.status_code == 200 and "架空 花子 さんの作業" in page.text
    r = web.client.post("/signout", data={"csrf": web.csrf("/")}, follow_redirects=False)
    assert r.status_code == 303
    assert web.client.get("/", follow_redirects=False).status_code == 303
    assert len([s for s in web.app.state.ctx.sessions._sessions.values() if s.signed_in]) == 0


def test_wrong_passphrase_is_refused_beside_the_field(web):
    r = web.client.post("/signin", data={"csrf": web.csrf(), "person": web.world.hanako,
                                         "passphrase": "not it"}, follow_redirects=False)
    assert r.status_code == 400
    assert "受け付けられません" in r.text and "パスフレーズが違います" in r.text
    assert "does not unlock" not in r.text          # the CLI keeps its English; the page not
    assert web.client.get("/", follow_redirects=False).status_code == 303


def test_a_post_without_the_csrf_token_is_refused(web):
    web.csrf()
    r = web.client.post("/signin", data={"person": web.world.hanako, "passphrase": PASSPHRASE},
                        follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = web.client.post("/signin", data={"csrf": "forged", "person": web.world.hanako,
                                         "passphrase": PASSPHRASE}, follow_redirects=False)
    assert r.status_code == 403
    assert web.client.get("/", follow_redirects=False).status_code == 303


def test_the_csrf_header_of_htmx_is_accepted(web):
    token = web.csrf()
    r = web.client.post("/signin", data={"person": web.world.hanako, "passphrase": PASSPHRASE},
                        headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert r.status_code == 303


def test_a_cross_site_post_is_refused_even_with_the_token(web):
    token = web.csrf()
    for site in ("cross-site", "same-site", "none"):
        r = web.client.post("/signin", data={"csrf": token, "person": web.world.hanako,
                                             "passphrase": PASSPHRASE},
                            headers={"Sec-Fetch-Site": site}, follow_redirects=False)
        assert r.status_code == 403, site
        assert "別のサイトからの送信" in r.text
    r = web.client.post("/signin", data={"csrf": token, "person": web.world.hanako,
                                         "passphrase": PASSPHRASE},
                        headers={"Sec-Fetch-Site": "same-origin"}, follow_redirects=False)
    assert r.status_code == 303


def test_an_unknown_host_header_is_refused(web):
    assert web.client.get("/signin", headers={"Host": "evil.example"}).status_code == 400
    assert web.client.get("/signin", headers={"Host": "localhost:8700"}).status_code == 200


def test_an_idle_session_expires_and_drops_the_credential(web):
    web.sign_in(web.world.hanako)
    (session,) = [s for s in web.app.state.ctx.sessions._sessions.values() if s.signed_in]
    token = session.csrf
    web.idle.now += 14 * 60
    assert web.client.get("/").status_code == 200            # still within 15 minutes
    web.idle.now += 15 * 60 + 1
    r = web.client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    assert session.signer is None, "the unlocked key must go with the session"
    r = web.client.post("/signout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code in (401, 403)


def test_every_state_changing_route_checks_csrf(web):
    posts = [r for r in web.app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert posts
    for route in posts:
        assert getattr(route.endpoint, "csrf_checked", False), route.path


def test_sign_in_writes_no_passphrase_to_the_log(web, caplog):
    with caplog.at_level(logging.DEBUG):
        web.sign_in(web.world.hanako)
        web.client.get("/?q=x")
    assert PASSPHRASE not in caplog.text
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("web"))
    assert "POST /signin 303" in ours and "GET / 200" in ours
    assert "q=x" not in ours, "the access log names paths, never query strings"


def test_a_cross_site_request_neither_replaces_nor_ends_the_session(web):
    web.sign_in(web.world.hanako)
    mine = web.client.cookies.get("handover_session")
    # The browser withholds the SameSite=Strict cookie on a cross-site request.
    fresh = __import__("starlette.testclient", fromlist=["TestClient"]).TestClient(
        web.app, base_url="http://127.0.0.1")
    r = fresh.get("/signin", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 200 and "set-cookie" not in r.headers
    r = fresh.post("/signout", data={"csrf": "x"}, headers={"Sec-Fetch-Site": "cross-site"},
                   follow_redirects=False)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert web.client.cookies.get("handover_session") == mine
    assert "架空 花子 さんの作業" in web.client.get("/").text
