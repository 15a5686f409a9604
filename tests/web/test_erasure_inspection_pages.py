"""Erasure certificates (消去証明書) and inspections (立入調査) from the browser, SQLite and
PostgreSQL: recorded with the electronic 押印, received and checked by the ward, printed; a
refusal shown beside the field it concerns, naming the rule in Japanese, nothing recorded."""

from __future__ import annotations

import re

from handover import reports
from tests.handover.support import PASSPHRASE, needs_poppler, pdf_text

CHECKS = ("locked-storage", "roster-current", "entry-exit-records", "print-logs", "erasure")


def _post(web, path, page, **data):
    return web.client.post(path, data={"csrf": web.csrf(page), **data}, follow_redirects=False)


def _download(web, r, tmp_path, name):
    """Follow the page a POST redirected to, and its one-time PDF link."""
    assert r.status_code == 303, r.text
    page = web.client.get(r.headers["location"]).text
    link = re.search(r'href="(/downloads/[^"]+)"', page).group(1)
    pdf = web.client.get(link)
    assert pdf.headers["content-type"] == "application/pdf"
    assert web.client.get(link).status_code == 404          # offered once
    (tmp_path / name).write_bytes(pdf.content)
    return tmp_path / name


def _erasure(w, sealed, **kw):
    return {"erased": "復号したデータ、作業用の複製", "sources": [sealed.package_id],
            "locations": "作業用PC-01\nファイルサーバ FS-2", "method": "purge",
            "tool": "見本消去ツール v2", "performed_by": w.ichiro, "verified_by": w.hanako,
            "erased_on": "2026-04-06", "place": "受託者本社 3階 作業室",
            "passphrase": PASSPHRASE, **kw}


@needs_poppler
def test_certify_receive_check_and_print_an_erasure(web, sealed, tmp_path):
    w = web.world
    page = f"/cases/{w.case_id}/erasures"
    web.sign_in(w.hanako)
    r = _post(web, page, page, **_erasure(w, sealed, passphrase=""))
    assert r.status_code == 400 and "押印のため" in r.text
    assert _post(web, page, page, **_erasure(w, sealed)).status_code == 303
    (cert,) = reports.list_erasures(w.j, w.case_id)
    assert cert["locations"] == ["作業用PC-01", "ファイルサーバ FS-2"]
    assert cert["method"] == "purge" and cert["performed_by"] == w.ichiro
    web.client.post("/signout", data={"csrf": web.csrf("/")})
    web.sign_in(w.taro)
    shown = web.client.get(page).text
    assert "暗号化消去・完全消去" in shown and "未受領" in shown
    x = cert["certificate_id"]
    r = _post(web, f"{page}/{x}/check", page, note="作業用PCの対象フォルダが空")
    assert r.status_code == 400 and "規則により受け付けられません" in r.text  # not yet received
    assert _post(web, f"{page}/{x}/receive", page).status_code == 303
    assert _post(web, f"{page}/{x}/check", page, note="作業用PCの対象フォルダが空").status_code == 303
    cert = reports.show_erasure(w.j, x)
    assert cert["ward_received_at"] and cert["check_note"] == "作業用PCの対象フォルダが空"
    text = pdf_text(_download(web, _post(web, f"{page}/{x}/print", page), tmp_path, "x.pdf"))
    for field in ("消去証明書", x, "見本消去ツール v2", "作業用PC-01", "架空 一郎", "令和8年"):
        assert field in text
    assert "消去証明書（1件）" in web.client.get(f"/cases/{w.case_id}").text


def test_an_erasure_by_someone_not_on_the_roster_is_refused_beside_the_field(web, sealed):
    w = web.world
    page = f"/cases/{w.case_id}/erasures"
    web.sign_in(w.hanako)
    r = _post(web, page, page, **_erasure(w, sealed, performed_by=w.outsider))
    assert r.status_code == 400
    refusal = r.text.index("規則により受け付けられません")
    assert r.text.index('id="performed_by"') < refusal < r.text.index('<label for="verified_by">')
    assert "取扱者名簿に登載されていない" in r.text or "not-on-roster" in r.text
    assert reports.list_erasures(w.j, w.case_id) == []
    # the form keeps what was typed
    assert "見本消去ツール v2" in r.text and "受託者本社 3階 作業室" in r.text


def _inspection(w, **kw):
    data = {"org": w.contractor, "inspected_on": "2026-04-06", "inspectors": [w.taro, w.jiro],
            "place": "株式会社見本ツーリスト 本社", "follow_ups": "", "passphrase": PASSPHRASE}
    for c in CHECKS:
        data[f"result-{c}"], data[f"note-{c}"] = "ok", ""
    data.update(kw)
    return data


@needs_poppler
def test_record_and_print_an_inspection(web, tmp_path):
    w = web.world
    page = f"/cases/{w.case_id}/inspections"
    web.sign_in(w.taro)
    assert "未実施" in web.client.get(page).text
    assert f'href="{page}"' in web.client.get("/").text       # the dashboard's inspections due
    r = _post(web, page, page, **_inspection(
        w, **{"result-print-logs": "deficient", "note-print-logs": "3月分の印刷ログが未提出",
              "follow_ups": "4月末までに提出させる\n次回調査で確認"}))
    text = pdf_text(_download(web, r, tmp_path, "v.pdf"))
    for field in ("立入調査記録", "株式会社見本ツーリスト", "要改善", "3月分の印刷ログが未提出",
                  "4月末までに提出させる", "見本 次郎"):
        assert field in text
    (year,) = [y for y in reports.status(w.j, w.case_id)["cases"][0]["inspections"]
               if y["org_id"] == w.contractor]
    assert year["status"] == "done"
    (v,) = year["inspections"]
    shown = web.client.get(page).text
    assert "実施済み" in shown
    again = _post(web, f"{page}/{v['inspection_id']}/print", page)
    assert "立入調査記録" in pdf_text(_download(web, again, tmp_path, "again.pdf"))


def test_a_deficient_finding_without_a_follow_up_is_refused_beside_the_follow_ups(web):
    w = web.world
    page = f"/cases/{w.case_id}/inspections"
    web.sign_in(w.taro)
    r = _post(web, page, page, **_inspection(
        w, **{"result-print-logs": "deficient", "note-print-logs": "3月分の印刷ログが未提出"}))
    assert r.status_code == 400
    refusal = r.text.index("規則により受け付けられません")
    assert r.text.index('<label for="follow_ups">') < refusal < r.text.index('id="follow_ups"')
    assert "follow-up-required" in r.text and "3月分の印刷ログが未提出" in r.text
    years = reports.status(w.j, w.case_id)["cases"][0]["inspections"]
    assert all(y["status"] != "done" for y in years)
