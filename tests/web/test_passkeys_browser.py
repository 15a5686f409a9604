"""Passkeys in a real browser (Debian chromium, a CDP virtual authenticator with user
verification): staff enrol a person's passkey and print the 登録票, the person signs in with
it and confirms a 確認書 with a fresh assertion (the electronic 押印), and a tampered
assertion is refused. WebAuthn needs a secure context with a domain as RP ID: the pages are
opened as http://localhost:PORT (loopback, a secure context)."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from handover import reports
from handover.config import Settings
from tests.handover.support import PASSPHRASE
from tests.web.conftest import person_name_label

pytestmark = pytest.mark.web


def _authenticator(page) -> tuple[object, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})
    return cdp, made["authenticatorId"]


def _base(site) -> str:
    return site.url.replace("127.0.0.1", "localhost")


def _sign_in_with_passphrase(site, name: str) -> None:
    page = site.page
    page.goto(_base(site) + "/signin")
    page.get_by_label("氏名", exact=True).select_option(label=person_name_label(page, name))
    page.get_by_label("パスフレーズ", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="サインイン", exact=True).click()
    page.wait_for_url(_base(site) + "/")


def _enrol(site, name: str) -> str:
    """Staff (signed in) enrol `name`'s passkey; the credential ID."""
    page = site.page
    page.goto(_base(site) + "/passkeys/enrol")
    site.shot("passkey-enrol")
    page.get_by_label("登録する方の氏名").select_option(label=person_name_label(page, name))
    page.get_by_role("button", name="パスキーを作成して登録する").click()
    page.wait_for_url("**/passkeys/enrolled/*")
    assert page.get_by_role("heading", name="パスキーを登録しました").is_visible()
    site.shot("passkey-enrolled")
    return page.url.rsplit("/", 1)[1]


def _sign_in_with_passkey(site) -> None:
    page = site.page
    page.goto(_base(site) + "/signin")
    page.get_by_role("button", name="パスキーでサインイン").click()
    page.wait_for_url(_base(site) + "/")


def _sign_out(site) -> None:
    site.page.get_by_role("button", name="サインアウト").click()
    site.page.wait_for_url("**/signin")


def _signed_in_with_a_new_passkey(site, staff: str, person: str) -> str:
    """On a virtual authenticator, `staff` enrols `person`'s passkey and signs out; `person`
    then signs in with it. The credential ID."""
    _authenticator(site.page)
    _sign_in_with_passphrase(site, staff)
    credential_id = _enrol(site, person)
    _sign_out(site)
    _sign_in_with_passkey(site)
    return credential_id


def _settings(w) -> Settings:
    return Settings(w.j.engine.url.render_as_string(hide_password=False), w.j.key_path, w.j.log)


def test_enrol_sign_in_and_confirm_with_a_fresh_assertion(site, sealed, tmp_path):
    w = site.web_world
    cdp, authenticator = _authenticator(site.page)
    _sign_in_with_passphrase(site, "見本 太郎")
    credential_id = _enrol(site, "架空 花子")

    # The 登録票 prints, naming the person and the credential.
    pdf = site.page.request.get(_base(site) + f"/passkeys/enrolled/{credential_id}/form.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "form.pdf").write_bytes(pdf.body())
    text = subprocess.run(["pdftotext", str(tmp_path / "form.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "架空 花子" in text and credential_id in text

    registered = [e for e in w.entries() if e.kind == "CredentialRegistered"][-1]
    assert registered.payload["kind"] == "webauthn" and registered.payload["rp_id"] == "localhost"
    assert registered.actor == w.taro              # the witnessing staff member enrolled it

    _sign_out(site)
    _sign_in_with_passkey(site)
    assert site.page.get_by_role("heading", name="架空 花子 さんの作業").is_visible()

    w.provide(sealed.medium_id)
    handover_id = w.entries()[-1].payload["handover_id"]
    page = site.page
    page.goto(_base(site) + f"/handovers/{handover_id}/confirm")
    assert page.get_by_text("これが電子押印です").is_visible()
    assert page.locator("#confirm-passphrase").count() == 0     # the passkey, not a passphrase
    site.shot("confirm-with-passkey")
    page.get_by_role("button", name="内容を確認して押印する").click()
    page.wait_for_url("**?download=*")
    assert page.get_by_role("status").get_by_text("確認しました").is_visible()
    site.shot("confirmed")

    confirmed = w.entries()[-1]
    assert confirmed.kind == "HandoverConfirmed" and confirmed.actor == w.hanako
    block = confirmed.payload["signature"]
    assert block["alg"] == "webauthn" and block["credential"] == credential_id
    client = json.loads(base64.urlsafe_b64decode(block["client_data_json"] + "=="))
    assert client["origin"] == _base(site) and client["type"] == "webauthn.get"
    report = reports.verify(_settings(w), [w.j.key_path.with_suffix(".pub")], None)
    assert report.ok, report.problems
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})


def test_a_tampered_assertion_is_refused_and_nothing_recorded(site, sealed):
    w = site.web_world
    _signed_in_with_a_new_passkey(site, "見本 太郎", "架空 花子")
    w.provide(sealed.medium_id)
    handover_id = w.entries()[-1].payload["handover_id"]
    size = w.size()

    def tamper(route):
        body = json.loads(route.request.post_data)
        sig = bytearray(base64.urlsafe_b64decode(body["assertions"][0]["sig"] + "=="))
        sig[-1] ^= 1
        body["assertions"][0]["sig"] = base64.urlsafe_b64encode(bytes(sig)).rstrip(b"=").decode()
        route.continue_(post_data=json.dumps(body))

    page = site.page
    page.route("**/passkeys/act", tamper)
    page.goto(_base(site) + f"/handovers/{handover_id}/confirm")
    page.get_by_role("button", name="内容を確認して押印する").click()
    alert = page.locator("#passkey-seal[data-kind=error]")
    alert.wait_for()
    assert "signature-invalid" in alert.inner_text()
    site.shot("tampered-refused")
    assert w.size() == size
    with w.j.reading() as st:
        assert st.handover(handover_id).confirmed_by is None


def test_any_other_act_of_a_passkey_user_is_signed_with_a_fresh_assertion(site, sealed):
    """An incident report from its own page (no passkey code of its own): the form is taken
    twice by PasskeyActs, the new incident's ID the same in both runs."""
    w = site.web_world
    credential_id = _signed_in_with_a_new_passkey(site, "見本 太郎", "架空 花子")
    page = site.page
    page.goto(_base(site) + f"/cases/{w.case_id}/incidents")
    assert not page.locator("#incident-passphrase").is_visible()      # the passkey instead
    page.get_by_label("何が起きたか").fill("封筒の封緘が破れていた")
    with page.expect_navigation():
        page.get_by_role("button", name="報告する").click()
    site.shot("incident-by-passkey")
    entry = w.entries()[-1]
    assert entry.kind == "IncidentReported" and entry.actor == w.hanako
    assert entry.payload["signature"]["credential"] == credential_id
    assert entry.payload["incident_id"] in page.content()
    report = reports.verify(_settings(w), [w.j.key_path.with_suffix(".pub")], None)
    assert report.ok, report.problems


def test_a_refusal_of_a_passkey_act_is_shown_beside_its_field_and_nothing_signed(site, sealed):
    w = site.web_world
    _signed_in_with_a_new_passkey(site, "見本 太郎", "架空 花子")
    size = w.size()
    page = site.page
    page.goto(_base(site) + f"/cases/{w.case_id}/incidents")
    page.get_by_role("button", name="報告する").click()          # no description
    page.wait_for_url("**/passkeys/result/*")
    assert page.get_by_role("alert").first.is_visible()
    assert w.size() == size


def test_a_passkey_user_seals_and_the_package_is_released_after_the_record(site, tmp_path,
                                                                           monkeypatch):
    """Encrypt, record with a fresh assertion, release: the seal page in a real browser."""
    import crypto
    import crypto.package
    from tests.handover.support import TINY_KDF
    monkeypatch.setattr(crypto, "DEFAULT_KDF", TINY_KDF)
    monkeypatch.setattr(crypto.package, "DEFAULT_KDF", TINY_KDF)
    w = site.web_world
    site.app.state.ctx.extra["seal_dir"] = str(tmp_path / "sealed")
    credential_id = _signed_in_with_a_new_passkey(site, "見本 次郎", "見本 太郎")
    page = site.page
    page.goto(_base(site) + f"/cases/{w.case_id}/seal")
    page.get_by_label("情報の内容（確認書に印刷されます）").fill("見本データ")
    extract = tmp_path / "extract.csv"
    extract.write_text("番号,氏名\n1,見本 一\n2,見本 二\n", encoding="utf-8")
    page.get_by_label("抽出データのファイル").set_input_files(str(extract))
    size = w.size()
    page.get_by_role("button", name="暗号化して封緘する").click()
    page.get_by_role("heading", name="封緘の記録（電子押印）").wait_for()
    site.shot("seal-record-with-passkey")
    assert w.size() == size and not list((tmp_path / "sealed" / "packages").glob("*.hop"))
    page.get_by_role("button", name="パスキーで押印して封緘を記録する").click()
    page.get_by_role("heading", name="封緘しました").wait_for()
    site.shot("sealed-with-passkey")
    new = w.entries()[size:]
    assert [e.kind for e in new] == ["PackageSealed", "MediumRegistered", "NoticeIssued"]
    assert all(e.actor == w.taro and e.payload["signature"]["credential"] == credential_id
               for e in new)
    with page.expect_download() as got:
        page.get_by_role("link", name="暗号化パッケージをダウンロード").click()
    assert got.value.suggested_filename == f"{new[0].payload['package_id']}.hop"
    report = reports.verify(_settings(w), [w.j.key_path.with_suffix(".pub")], None)
    assert report.ok, report.problems
