"""In a real browser (Debian chromium via Playwright): signing in, Japanese rendering, and
the keyboard alone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.web


def test_sign_in_shows_the_dashboard_in_japanese(site):
    page = site.page
    page.goto(site.url + "/signin")
    site.shot("signin")
    site.sign_in("架空 花子")
    assert page.get_by_role("heading", name="架空 花子 さんの作業").is_visible()
    site.shot("dashboard")
    # The Japanese fonts are there and the heading is drawn with them, not as tofu boxes:
    # Japanese glyphs of a CJK font are about one em wide each.
    assert page.evaluate("document.fonts.check('16px \"IPAexGothic\"')")
    width = page.evaluate("""() => { const s = document.createElement('span');
        s.style.font = '20px sans-serif'; s.textContent = '確認書確認書確認書確認書';
        document.body.append(s); const w = s.getBoundingClientRect().width; s.remove(); return w; }""")
    assert 12 * 20 * 0.9 <= width <= 12 * 20 * 1.1, width


def test_sign_in_by_keyboard_alone(site):
    page = site.page
    page.goto(site.url + "/signin")
    page.keyboard.press("Tab")          # the brand link
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "person":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "person"
    options = page.locator("#person option").all_inner_texts()
    target = next(i for i, t in enumerate(options) if t.startswith("架空 花子"))
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "passphrase"
    page.keyboard.type(__import__("tests.handover.support", fromlist=["PASSPHRASE"]).PASSPHRASE)
    page.keyboard.press("Enter")
    page.wait_for_url(site.url + "/")
    assert page.get_by_role("heading", name="架空 花子 さんの作業").is_visible()


def test_every_form_control_is_labelled(site, sealed):
    from tests.web.test_security import pages
    page = site.page
    site.sign_in("見本 太郎")
    for path in pages(site.web_world):
        page.goto(site.url + path)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')].filter(e =>
            !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)""")
        assert unlabelled == [], (path, unlabelled)
