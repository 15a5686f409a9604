"""Fixtures for the web application: the registered world of tests/handover (SQLite and
PostgreSQL), the application over it, a TestClient, and signing in through the form."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from handover.config import Settings
from tests.handover.conftest import sealed, world  # noqa: F401  (fixtures)
from tests.handover.support import HOST, PASSPHRASE, World
from web.app import create_app
from web.sessions import SessionStore


class FakeMonotonic:
    """The sessions' idle clock, moved by the test."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Web:
    world: World
    app: object
    client: TestClient
    idle: FakeMonotonic

    def csrf(self, path: str = "/signin") -> str:
        page = self.client.get(path).text
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def sign_in(self, person_id: str, passphrase: str = PASSPHRASE):
        r = self.client.post("/signin", data={"csrf": self.csrf(), "person": person_id,
                                              "passphrase": passphrase},
                             follow_redirects=False)
        assert r.status_code == 303, r.text
        return r


def make_app(w: World, idle: FakeMonotonic | None = None, **kw):
    settings = Settings(w.j.engine.url.render_as_string(hide_password=False),
                        w.j.key_path, w.j.log)
    return create_app(settings, clock=w.clock, host=HOST, label_key=w.label_key,
                      sessions=SessionStore(15 * 60, idle or FakeMonotonic()), **kw)


@pytest.fixture
def web(world) -> Web:
    idle = FakeMonotonic()
    app = make_app(world, idle)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield Web(world, app, client, idle)
    app.state.ctx.engine.dispose()


# --- a real browser (marked `web`) -------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    """One Debian chromium for the whole session, driven by Playwright (never `playwright
    install`: the browser comes from apt)."""
    import os
    from playwright.sync_api import sync_playwright
    from tests.web.browser import CHROMIUM, CHROMIUM_ARGS
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (bash .ci/run does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Site:
    web_world: World
    served: object
    app: object
    page: object
    idle: FakeMonotonic
    shots: object        # the test's output directory for screenshots

    @property
    def url(self) -> str:
        return self.served.url

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def sign_in(self, person_name: str, passphrase: str = PASSPHRASE) -> None:
        page = self.page
        page.goto(self.url + "/signin")
        page.get_by_label("氏名", exact=True).select_option(label=person_name_label(page, person_name))
        page.get_by_label("パスフレーズ", exact=True).fill(passphrase)
        page.get_by_role("button", name="サインイン", exact=True).click()
        page.wait_for_load_state()


def person_name_label(page, name: str) -> str:
    """The option text of a person in the sign-in list (name and organisation)."""
    for text in page.locator("#person option").all_inner_texts():
        if text.startswith(name + "（"):
            return text
    raise AssertionError(f"{name} is not offered on the sign-in page")


@pytest.fixture
def site(world, chromium, tmp_path):
    from tests.web.browser import OffLoopback, Served
    idle = FakeMonotonic()
    app = make_app(world, idle)
    served = Served(app)
    context = chromium.new_context(locale="ja-JP", timezone_id="Asia/Tokyo",
                                   viewport={"width": 1200, "height": 900})
    off = OffLoopback()
    context.route("**/*", off)
    page = context.new_page()
    page.set_default_timeout(15000)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        yield Site(world, served, app, page, idle, shots)
    finally:
        context.close()
        served.stop()
        app.state.ctx.engine.dispose()
    assert off.seen == [], f"requests left loopback: {off.seen}"
