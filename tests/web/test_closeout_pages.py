"""Close-out pages: incidents (reported with the electronic 押印, followed up, closed by the
ward) and print logs (imported from an upload, bad rows named by line, an excess explained)."""

from __future__ import annotations

import re

from handover import actions, reports
from tests.handover.actions.test_print_logs import DOCUMENTED_JA
from tests.handover.support import PASSPHRASE


def _post(web, path, page, files=None, **data):
    return web.client.post(path, data={"csrf": web.csrf(page), **data}, files=files,
                           follow_redirects=False)


def test_report_follow_up_and_close_an_incident(web, sealed):
    w = web.world
    page = f"/cases/{w.case_id}/incidents"
    web.sign_in(w.hanako)
    r = _post(web, page, page, category="loss", description="封筒1通の所在が確認できない",
              items=[sealed.medium_id], passphrase="")
    assert r.status_code == 400 and "押印のため" in r.text
    r = _post(web, page, page, category="loss", description="封筒1通の所在が確認できない",
              items=[sealed.medium_id], passphrase=PASSPHRASE)
    assert r.status_code == 303
    (incident,) = reports.list_incidents(w.j, w.case_id)
    path = f"{page}/{incident['incident_id']}"
    assert _post(web, path, page, note="配送業者に調査を依頼", decision="follow-up").status_code == 303
    r = _post(web, path, page, note="回収", decision="close")
    assert r.status_code == 400 and "規則により受け付けられません" in r.text   # the ward closes
    web.client.post("/signout", data={"csrf": web.csrf("/")})
    web.sign_in(w.taro)
    assert _post(web, path, page, note="全件回収、漏えいなし", decision="close").status_code == 303
    shown = reports.show_incident(w.j, incident["incident_id"])
    assert shown["status"] == "closed" and shown["followups"][0]["note"] == "配送業者に調査を依頼"
    assert "全件回収、漏えいなし" in web.client.get(page).text


def test_import_a_print_log_and_explain_the_excess(web):
    w = web.world
    actions.set_print_allowance(w.j, w.taro, w.case_id, pages=200, basis="見本：指定枚数")
    page = f"/cases/{w.case_id}/print-logs"
    web.sign_in(w.ichiro)
    bad = DOCUMENTED_JA + "PRT-PC01,2026/04/12 9:00,x.pdf,P1,-1\n"
    r = _post(web, page, page, files={"log": ("bad.csv", bad.encode(), "text/csv")})
    assert r.status_code == 400 and "line 6" in r.text
    assert reports.print_logs(w.j, w.case_id)["submissions"] == []
    r = _post(web, page, page, files={"log": ("log.csv", DOCUMENTED_JA.encode(), "text/csv")})
    assert r.status_code == 303
    (sub,) = reports.print_logs(w.j, w.case_id)["submissions"]
    assert sub["excess"] == 53
    r = _post(web, page + "/reason", page, submission=sub["submission_id"], reason="刷り直し 53枚")
    assert r.status_code == 303
    assert reports.print_logs(w.j, w.case_id)["submissions"][0]["reason"] == "刷り直し 53枚"
    assert re.search("刷り直し 53枚", web.client.get(page).text)
