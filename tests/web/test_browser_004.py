"""The 004 case through the pages, in a real browser (Debian chromium via Playwright), on
SQLite and PostgreSQL: a scanned pickup typed by a USB scanner, the contractor's confirmation
with a fresh passphrase (the electronic 押印), the notice on another day, the return, and the
auditor's verification; and the refusals a browser meets: a forged label, a receiver not on
the roster, medium and notice on the same day, a cross-site POST, an expired session.
Every page is screenshotted into the test's output directory."""

from __future__ import annotations

import re

import pytest

from handover import reports
from handover.label_codes import label_payload, load_label_key
from tests.handover.support import PASSPHRASE

pytestmark = pytest.mark.web


def choose(page, select: str, name: str) -> None:
    """Pick a person (or anything) by the start of its visible name."""
    value = page.eval_on_selector(
        f"#{select}", "(s, n) => [...s.options].find(o => o.text.startsWith(n)).value", name)
    page.select_option(f"#{select}", value)


def sign_out(site) -> None:
    site.page.get_by_role("button", name="サインアウト").click()
    site.page.wait_for_url(site.url + "/signin")


def record(site, *, moment="provide", sender, receiver, items, method="hand", override=""):
    page = site.page
    page.goto(f"{site.url}/cases/{site.web_world.case_id}/record")
    page.select_option("#moment", moment)
    choose(page, "from_person", sender)
    choose(page, "to_person", receiver)
    page.select_option("#method", method)
    for item in items:
        page.check(f"#item-{item}")
    if override:
        page.fill("#override_reason", override)
    page.get_by_role("button", name="記録する").click()
    page.wait_for_load_state()


def confirm_as_receiver(site, handover_id: str, condition: str) -> None:
    page = site.page
    page.goto(f"{site.url}/handovers/{handover_id}/confirm")
    assert page.get_by_text("電子押印").first.is_visible()
    page.fill("#condition", condition)
    page.fill("#confirm-passphrase", PASSPHRASE)
    page.get_by_role("button", name="内容を確認して押印する").click()
    page.wait_for_load_state()
    assert page.get_by_text("確認しました").is_visible()


def test_the_004_case_through_the_pages(site, sealed):
    w, page = site.web_world, site.page
    key = load_label_key(w.label_key)

    # --- moment 1a: the medium, picked up at the scanning station with a USB scanner -------
    site.sign_in("見本 太郎")
    site.shot("01-dashboard-staff")
    page.goto(f"{site.url}/scan?case={w.case_id}")
    page.check(f"#expect-{sealed.medium_id}")
    site.shot("02-scan-start")
    page.get_by_role("button", name="読取りを始める").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "code", "the scan field has the focus"
    page.keyboard.type(label_payload(sealed.medium_id, key))     # as a keyboard-wedge scanner
    page.keyboard.press("Enter")
    page.wait_for_selector(".scan-result.scan-ok")
    assert page.locator(".scan-result").inner_text().startswith("確認しました")
    assert page.evaluate("document.activeElement.id") == "code", "focused again for the next scan"
    site.shot("03-scan-ok")
    # A forged label is shown at once, large and red, in Japanese.
    page.keyboard.type(label_payload(sealed.medium_id, key)[:-3] + "AAA")
    page.keyboard.press("Enter")
    page.wait_for_selector(".scan-result.scan-forged")
    assert "偽造ラベルです" in page.locator(".scan-result").inner_text()
    assert page.eval_on_selector(".scan-result", "e => getComputedStyle(e).color") == "rgb(163, 20, 15)"
    site.shot("04-scan-forged")
    # Recording with a forged scan is refused (and opens an incident); a fresh station is clean.
    choose(page, "from_person", "見本 太郎")
    choose(page, "to_person", "架空 花子")
    page.get_by_role("button", name="この結果を受渡しとして記録する").click()
    page.wait_for_load_state()
    assert page.get_by_text("検証に失敗しました").is_visible()
    site.shot("05-scan-forged-refused")
    page.goto(f"{site.url}/scan?case={w.case_id}")
    page.check(f"#expect-{sealed.medium_id}")
    page.get_by_role("button", name="読取りを始める").click()
    page.wait_for_load_state()
    page.keyboard.type(label_payload(sealed.medium_id, key))
    page.keyboard.press("Enter")
    page.wait_for_selector(".scan-result.scan-ok")
    choose(page, "from_person", "見本 太郎")
    choose(page, "to_person", "架空 花子")
    page.get_by_role("button", name="この結果を受渡しとして記録する").click()
    page.wait_for_url(re.compile(r".*/handovers/H-[^/]+$"))
    provide = page.url.rsplit("/", 1)[1]
    site.shot("06-handover-recorded")

    # --- refusals at the form: not on the roster; the notice on the same day -----------------
    sign_out(site)
    site.sign_in("見本 次郎")
    record(site, sender="見本 次郎", receiver="架空 三郎", items=[sealed.notice_id])
    assert page.get_by_text("規則により受け付けられません：取扱者名簿に登載された者のみが取り扱う").is_visible()
    site.shot("07-refused-not-on-roster")
    record(site, sender="見本 次郎", receiver="架空 花子", items=[sealed.notice_id])
    refusal = page.locator(".refusal").first
    assert "同じ受領者への媒体と通知書の受渡しは別の日に行う" in refusal.inner_text()
    # ... beside the items it concerns, not at the top of the form
    assert page.evaluate("""() => { const r = document.querySelector('.refusal');
        const f = document.getElementById('item-%s');
        return !!(f.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING); }""" % sealed.notice_id)
    site.shot("08-refused-same-day")

    # --- the contractor confirms with a fresh passphrase (電子押印) -----------------------
    sign_out(site)
    site.sign_in("架空 花子")
    page.get_by_role("link", name="内容を確認する").click()
    page.wait_for_load_state()
    assert page.get_by_text(sealed.sha256).is_visible()
    site.shot("09-confirmation-screen")
    confirm_as_receiver(site, provide, "ケース封緘異常なし")
    site.shot("10-confirmed")
    with page.expect_download() as got:
        page.get_by_role("link", name=re.compile("確認済みの確認書")).click()
    assert got.value.suggested_filename.endswith("-confirmed.pdf")

    # --- moment 1b: the notice, the next day, by registered mail ------------------------------
    w.clock.advance(days=1)
    sign_out(site)
    site.sign_in("見本 次郎")
    record(site, sender="見本 次郎", receiver="架空 花子", items=[sealed.notice_id],
           method="registered_mail")
    page.wait_for_url(re.compile(r".*/handovers/H-[^/]+$"))
    notice = page.url.rsplit("/", 1)[1]
    sign_out(site)
    site.sign_in("架空 花子")
    confirm_as_receiver(site, notice, "簡易書留にて受領、封緘異常なし")

    # --- moment 3: the return ---------------------------------------------------------------
    w.clock.advance(days=20)
    sign_out(site)
    site.sign_in("見本 太郎")
    record(site, moment="return", sender="架空 花子", receiver="見本 太郎",
           items=[sealed.medium_id])
    page.wait_for_url(re.compile(r".*/handovers/H-[^/]+$"))
    returned = page.url.rsplit("/", 1)[1]
    confirm_as_receiver(site, returned, "媒体異常なし")
    page.goto(f"{site.url}/cases/{w.case_id}")
    site.shot("11-case-page")
    assert page.get_by_role("heading", name="台帳の記録（時系列）").is_visible()
    medium = reports.status(w.j, w.case_id)["cases"][0]["items"]
    assert next(i for i in medium if i["item_id"] == sealed.medium_id)["out"] is False

    # --- the auditor's verification against the public key --------------------------------
    page.goto(f"{site.url}/audit")
    page.set_input_files("#trusted_key", str(w.j.key_path.with_suffix(".pub")))
    page.get_by_role("button", name="検証する").click()
    page.wait_for_load_state()
    assert "検証に成功しました" in page.locator("#verify-result").inner_text()
    site.shot("12-audit-verified")
    handovers = reports.case_handovers(w.j, w.case_id)
    assert [h["handover_id"] for h in handovers] == [provide, notice, returned]
    assert all(h["confirmed_by"] for h in handovers)


def test_a_cross_site_post_is_refused(site):
    """A page on another site (http://localhost:PORT is another site than 127.0.0.1) posting
    a form to the application, even with a valid token, is refused."""
    page = site.page
    site.sign_in("見本 太郎")
    token = page.eval_on_selector("input[name=csrf]", "e => e.value")
    evil = site.url.replace("127.0.0.1", "localhost") + "/evil"
    page.route(evil, lambda route: route.fulfill(content_type="text/html", body=(
        f'<form method="post" action="{site.url}/signout"><input type="hidden" name="csrf" '
        f'value="{token}"><button>go</button></form>')))
    page.goto(evil)
    page.get_by_role("button", name="go").click()
    page.wait_for_load_state()
    assert page.get_by_text("別のサイトからの送信は受け付けません").is_visible()
    site.shot("cross-site-refused")
    page.goto(site.url + "/")
    assert page.get_by_role("heading", name="見本 太郎 さんの作業").is_visible(), "still signed in"


def test_an_expired_session_is_refused_and_sent_to_sign_in(site, sealed):
    page, w = site.page, site.web_world
    site.sign_in("見本 太郎")
    page.goto(f"{site.url}/cases/{w.case_id}/record")
    choose(page, "from_person", "見本 太郎")
    choose(page, "to_person", "架空 花子")
    page.check(f"#item-{sealed.medium_id}")
    site.idle.now += 16 * 60                 # sixteen idle minutes
    page.get_by_role("button", name="記録する").click()
    page.wait_for_load_state()
    assert page.get_by_text("セッションの有効期限が切れました").is_visible()
    site.shot("session-expired")
    assert reports.case_handovers(w.j, w.case_id) == []
    page.get_by_role("link", name="サインイン画面へ").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="サインイン", exact=True).is_visible()
