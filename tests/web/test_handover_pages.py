"""The handover pages over the actions: recording a handover from the form, refusals beside
their fields naming the rule in Japanese, the receiver's confirmation with a fresh passphrase
(the electronic 押印), a dispute opening an incident, and printing a 確認書."""

from __future__ import annotations

import re

from handover import reports
from tests.handover.support import PASSPHRASE


def _record(web, case_id, **fields):
    data = {"csrf": web.csrf(f"/cases/{case_id}/record"), "moment": "provide", "method": "hand",
            "occurred_at": "", "content": "", "override_reason": "", "courier": "", **fields}
    return web.client.post(f"/cases/{case_id}/record", data=data, follow_redirects=False)


def _refusal_beside(page: str, field: str) -> str:
    """The text of the refusal printed right after the field `field`."""
    at = page.index(f'id="{field}"')
    block = re.search(r'<div class="refusal" role="alert">(.*?)</div>', page[at:], re.S)
    assert block, f"no refusal after {field}"
    return block.group(1)


def test_record_a_provision_and_confirm_it_with_a_fresh_passphrase(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    r = _record(web, w.case_id, from_person=w.taro, to_person=w.hanako, items=[sealed.medium_id])
    assert r.status_code == 303, r.text
    handover_id = r.headers["location"].rsplit("/", 1)[1]
    page = web.client.get(f"/handovers/{handover_id}").text
    assert sealed.sha256 in page and "架空 花子" in page and "令和8年4月6日" in page

    web.client.post("/signout", data={"csrf": web.csrf("/")})
    web.sign_in(w.hanako)
    assert handover_id in web.client.get("/").text          # waiting on her dashboard
    confirm = web.client.get(f"/handovers/{handover_id}/confirm").text
    assert "電子押印" in confirm and sealed.sha256 in confirm
    token = web.csrf(f"/handovers/{handover_id}/confirm")
    wrong = web.client.post(f"/handovers/{handover_id}/confirm",
                            data={"csrf": token, "decision": "confirm", "condition": "封緘異常なし",
                                  "passphrase": "not it"}, follow_redirects=False)
    assert wrong.status_code == 400
    assert "does not unlock" in _refusal_beside(wrong.text, "confirm-passphrase")
    ok = web.client.post(f"/handovers/{handover_id}/confirm",
                         data={"csrf": token, "decision": "confirm", "condition": "封緘異常なし",
                               "passphrase": PASSPHRASE}, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    shown = web.client.get(ok.headers["location"]).text
    link = re.search(r'href="(/downloads/[^"]+)"', shown).group(1)
    pdf = web.client.get(link)
    assert pdf.content.startswith(b"%PDF") and "confirmed" in pdf.headers["content-disposition"]
    assert web.client.get(link).status_code == 404, "a download is offered once"
    sheet = reports.handover_sheet(w.j, handover_id)
    assert sheet["confirmed_by"] == "架空 花子" and sheet["condition"] == "封緘異常なし"


def test_a_receiver_not_on_the_roster_is_refused_beside_the_field(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    before = w.size()
    r = _record(web, w.case_id, from_person=w.taro, to_person=w.outsider,
                items=[sealed.medium_id])
    assert r.status_code == 400
    beside = _refusal_beside(r.text, "to_person")
    assert "取扱者名簿に登載された者のみが取り扱う" in beside and "not-on-roster" in beside
    assert w.size() == before


def test_medium_and_notice_on_the_same_day_are_refused(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    assert _record(web, w.case_id, from_person=w.taro, to_person=w.hanako,
                   items=[sealed.medium_id]).status_code == 303
    r = _record(web, w.case_id, from_person=w.jiro, to_person=w.hanako,
                items=[sealed.notice_id])
    assert r.status_code == 400
    beside = _refusal_beside(r.text, "item-" + sealed.notice_id)
    assert "同じ受領者への媒体と通知書の受渡しは別の日に行う" in beside
    assert "same-recipient-interval" in beside
    # ... and with an override reason typed into the form, it is recorded, reason and all.
    r = _record(web, w.case_id, from_person=w.jiro, to_person=w.hanako,
                items=[sealed.notice_id], override_reason="課長承認（見本）")
    assert r.status_code == 303
    h = reports.handover_sheet(w.j, r.headers["location"].rsplit("/", 1)[1])
    assert h["override_reason"] == "課長承認（見本）"


def test_a_dispute_opens_an_incident(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    handover_id = _record(web, w.case_id, from_person=w.taro, to_person=w.hanako,
                          items=[sealed.medium_id]).headers["location"].rsplit("/", 1)[1]
    web.client.post("/signout", data={"csrf": web.csrf("/")})
    web.sign_in(w.hanako)
    r = web.client.post(f"/handovers/{handover_id}/confirm",
                        data={"csrf": web.csrf(f"/handovers/{handover_id}/confirm"),
                              "decision": "dispute", "category": "seal-broken",
                              "dispute": "ケースの封緘シールが剥がれていた",
                              "passphrase": PASSPHRASE}, follow_redirects=False)
    assert r.status_code == 303, r.text
    (incident,) = reports.list_incidents(w.j, w.case_id)
    assert incident["category"] == "seal-broken" and sealed.medium_id in incident["items"]
    assert "封緘シール" in incident["description"]
    assert reports.handover_sheet(w.j, handover_id)["confirmed_by"] is None


def test_the_case_page_and_a_printed_kakuninsho(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    handover_id = _record(web, w.case_id, from_person=w.taro, to_person=w.hanako,
                          items=[sealed.medium_id]).headers["location"].rsplit("/", 1)[1]
    page = web.client.get(f"/cases/{w.case_id}").text
    for text in ("取扱者名簿", "架空 花子", sealed.medium_id, sealed.notice_id, handover_id,
                 "台帳の記録", "令和8年"):
        assert text in page, text
    r = web.client.post(f"/handovers/{handover_id}/print",
                        data={"csrf": web.csrf(f"/cases/{w.case_id}")}, follow_redirects=False)
    assert r.status_code == 303
    pdf = web.client.get(r.headers["location"])
    assert pdf.content.startswith(b"%PDF")
    assert "reprint" in pdf.headers["content-disposition"]
