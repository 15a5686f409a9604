"""The scanning station's pages: scans typed by a USB scanner (full-width too), each shown
at once in Japanese, a forged label, a photo decoded on the server, and the result recorded
as the handover."""

from __future__ import annotations

import re

from handover import reports
from handover.label_codes import label_payload, load_label_key


def _start(web, case_id, expected):
    r = web.client.post("/scan", data={"csrf": web.csrf(f"/scan?case={case_id}"), "case": case_id,
                                       "expected": expected}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def _scan(web, station, text, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return web.client.post(station + "/code", data={"csrf": web.csrf(station), "code": text},
                           headers=headers)


def _verdict(page: str) -> str:
    return re.search(r'data-status="([^"]+)"', page).group(1)


def test_a_usb_scanned_pickup_recorded_as_the_handover(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    key = load_label_key(w.label_key)
    station = _start(web, w.case_id, [sealed.medium_id])
    page = web.client.get(station).text
    assert 'autofocus' in page and "ラベルを読み取ってください" in page
    payload = label_payload(sealed.medium_id, key)
    # An IME left on full-width: the server normalises it.
    wide = payload.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    r = _scan(web, station, wide, htmx=True)
    assert _verdict(r.text) == "ok" and "確認しました" in r.text
    assert "<html" not in r.text, "htmx gets the scan area only"
    r = _scan(web, station, payload)
    assert _verdict(r.text) == "duplicate" and "読取り済み" in r.text
    r = _scan(web, station, label_payload(sealed.notice_id, key))
    assert _verdict(r.text) == "not-expected" and "対象外" in r.text
    r = web.client.post(station + "/finish", data={
        "csrf": web.csrf(station), "moment": "provide", "from_person": w.taro,
        "to_person": w.hanako, "method": "hand"}, follow_redirects=False)
    assert r.status_code == 400 and "対象外" in r.text        # the notice must be set aside
    assert reports.case_handovers(w.j, w.case_id) == []


def test_complete_scan_is_recorded(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    station = _start(web, w.case_id, [sealed.medium_id])
    _scan(web, station, label_payload(sealed.medium_id, load_label_key(w.label_key)))
    r = web.client.post(station + "/finish", data={
        "csrf": web.csrf(station), "moment": "provide", "from_person": w.taro,
        "to_person": w.hanako, "method": "hand"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    (h,) = reports.case_handovers(w.j, w.case_id)
    h = reports.handover_sheet(w.j, h["handover_id"])
    assert [i["item_id"] for i in h["items"]] == [sealed.medium_id]
    assert web.client.get(station, follow_redirects=False).headers["location"] == "/scan"


def test_a_forged_label_is_shown_and_opens_an_incident_when_recording(web, sealed):
    w = web.world
    web.sign_in(w.taro)
    station = _start(web, w.case_id, [sealed.medium_id])
    good = label_payload(sealed.medium_id, load_label_key(w.label_key))
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    r = _scan(web, station, forged)
    assert _verdict(r.text) == "forged" and "偽造ラベル" in r.text
    _scan(web, station, good)
    r = web.client.post(station + "/finish", data={
        "csrf": web.csrf(station), "moment": "provide", "from_person": w.taro,
        "to_person": w.hanako, "method": "hand"}, follow_redirects=False)
    assert r.status_code == 400 and "検証に失敗しました" in r.text
    (incident,) = reports.list_incidents(w.j, w.case_id)
    assert incident["category"] == "label-forged"
    assert reports.case_handovers(w.j, w.case_id) == []


def test_a_photo_of_a_label_is_decoded_on_the_server(web, sealed, tmp_path):
    import qrcode
    w = web.world
    web.sign_in(w.taro)
    station = _start(web, w.case_id, [sealed.medium_id])
    png = tmp_path / "label.png"
    qrcode.make(label_payload(sealed.medium_id, load_label_key(w.label_key))).save(png)
    r = web.client.post(station + "/photo", data={"csrf": web.csrf(station)},
                        files={"photo": ("label.png", png.read_bytes(), "image/png")})
    assert r.status_code == 200 and _verdict(r.text) == "ok"
    r = web.client.post(station + "/photo", data={"csrf": web.csrf(station)},
                        files={"photo": ("x.png", b"not an image", "image/png")})
    assert r.status_code == 400 and "cannot read" in r.text
