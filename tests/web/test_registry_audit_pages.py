"""Registry and auditor pages: registering through forms (refusals shown), a person
enrolled at the counter with their 登録票, opening a case; a full verification against an
uploaded public key (and a tampered ledger failing it), the case report and proof bundle."""

from __future__ import annotations

import re

import sqlalchemy as sa

from handover import reports
from tests.handover.support import TINY_KDF
from tests.ledger.conftest import tamper


def _post(web, path, page, **data):
    return web.client.post(path, data={"csrf": web.csrf(page), **data}, follow_redirects=False)


def test_register_an_org_and_a_person_enrolled_at_the_counter(web, monkeypatch):
    from handover.actions import credentials
    monkeypatch.setattr(credentials, "CREDENTIAL_KDF", TINY_KDF)     # fast, for the test
    w = web.world
    web.sign_in(w.taro)
    r = _post(web, "/registry/org", "/registry", name="見本警備株式会社", kind="contractor")
    assert r.status_code == 303
    org = next(o for o in reports.list_registry(w.j)["organisations"] if o["name"] == "見本警備株式会社")
    r = _post(web, "/registry/person", "/registry", name="見本 四郎", org=org["org_id"],
              roles=["contractor_handler"], new_passphrase="四郎の合言葉 horse staple",
              new_passphrase_again="四郎の合言葉 horse staple")
    assert r.status_code == 200 and "登録票（PDF）をダウンロード" in r.text
    link = re.search(r'href="(/downloads/[^"]+)"', r.text).group(1)
    assert web.client.get(link).content.startswith(b"%PDF")
    person = next(p for p in reports.list_registry(w.j)["people"] if p["name"] == "見本 四郎")
    web.client.post("/signout", data={"csrf": web.csrf("/")})
    web.sign_in(person["person_id"], "四郎の合言葉 horse staple")
    assert "見本 四郎 さんの作業" in web.client.get("/").text


def test_a_refused_registration_is_shown_in_japanese(web):
    w = web.world
    web.sign_in(w.hanako)              # a contractor's person may not register organisations
    before = w.size()
    r = _post(web, "/registry/org", "/registry", name="勝手な会社", kind="contractor")
    assert r.status_code == 400 and "規則により受け付けられません" in r.text
    assert w.size() == before
    web.client.post("/signout", data={"csrf": web.csrf("/")})
    web.sign_in(w.taro)
    r = _post(web, "/registry/person", "/registry", name="見本 五郎", org=w.ward,
              roles=["staff"], new_passphrase="a long passphrase one",
              new_passphrase_again="a long passphrase two")
    assert r.status_code == 400 and "一致しません" in r.text
    assert w.size() == before


def test_open_a_case_from_the_form(web):
    w = web.world
    web.sign_in(w.taro)
    r = _post(web, "/registry/cases", "/registry/cases", name="検診業務（見本）",
              contractors=[w.contractor], start="2026-04-01", end="2027-03-31",
              responsible=[w.hanako], handlers=[w.ichiro])
    assert r.status_code == 303
    page = web.client.get(r.headers["location"]).text
    assert "検診業務（見本）" in page and "令和9年3月31日" in page and "架空 一郎" in page


def test_verification_against_an_uploaded_key(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    pub = w.j.key_path.with_suffix(".pub").read_bytes()
    r = web.client.post("/audit/verify", data={"csrf": web.csrf("/audit")},
                        files={"trusted_key": ("ward.pub", pub, "application/octet-stream")})
    assert r.status_code == 200 and "検証に成功しました" in r.text
    r = web.client.post("/audit/report", data={"csrf": web.csrf("/audit"), "case": w.case_id,
                                               "format": "pdf"},
                        files={"trusted_key": ("ward.pub", pub, "application/octet-stream")})
    link = re.search(r'href="(/downloads/[^"]+)"', r.text).group(1)
    assert web.client.get(link).content.startswith(b"%PDF")
    r = _post(web, "/audit/proofs", "/audit", case=w.case_id, org=w.contractor)
    assert r.status_code == 200 and "証明を作成しました" in r.text
    # Someone edits an entry behind the application's back: verification fails, on the page.
    with w.j.engine.connect() as conn:
        original = conn.execute(sa.text("SELECT hash FROM ledger_entries WHERE idx = 5")).scalar_one()
    update = "UPDATE ledger_entries SET hash = :h WHERE idx = 5"
    tamper(w.j.engine, update, params={"h": bytes(32)})
    try:
        r = web.client.post("/audit/verify", data={"csrf": web.csrf("/audit")},
                            files={"trusted_key": ("ward.pub", pub, "application/octet-stream")})
    finally:     # put it back, so the fixture's rebuild check reads the real ledger
        tamper(w.j.engine, update, params={"h": original})
    assert r.status_code == 422 and "検証に失敗しました" in r.text


def test_change_who_holds_a_cabinets_keys(web):
    """Keys handed over are recorded from the registry page; a holder outside the cabinet's
    organisation is refused beside the form, and nothing is recorded."""
    w = web.world
    web.sign_in(w.taro)
    page = web.client.get("/registry").text
    assert "鍵の保管者の変更" in page and 'for="keys-holders"' in page
    r = _post(web, "/registry/keys", "/registry", cabinet=w.media_cab,
              key_holders=[w.taro, w.jiro], reason="人事異動による引継ぎ")
    assert r.status_code == 303
    cabinet = next(k for k in reports.list_registry(w.j)["cabinets"]
                   if k["cabinet_id"] == w.media_cab)
    assert cabinet["key_holders"] == [w.taro, w.jiro]
    before = w.size()
    r = _post(web, "/registry/keys", "/registry", cabinet=w.media_cab,
              key_holders=[w.hanako], reason="")
    assert r.status_code == 400 and "規則により受け付けられません" in r.text
    keys_form = r.text.index('action="/registry/keys"')      # shown beside that form
    assert keys_form < r.text.index("規則により受け付けられません") < r.text.index("鍵の保管者を記録する")
    assert w.size() == before
