"""The erasure, inspection, storing, visit and closing pages in Debian's chromium: an inspection
recorded by mouse and keyboard with the electronic 押印, its 立入調査記録 downloaded, a medium
stored, and the close-out gate's unmet conditions in Japanese; a screenshot of each page."""

from __future__ import annotations

import pytest

from handover import actions, reports
from tests.handover.support import PASSPHRASE, needs_poppler, pdf_text

pytestmark = pytest.mark.web


@needs_poppler
def test_inspection_storing_erasure_and_closing_pages(site, sealed, tmp_path):
    w, page = site.web_world, site.page
    case = w.case_id
    site.sign_in("見本 太郎")
    page.goto(f"{site.url}/")
    page.get_by_role("link", name="ワクチン接種券発送業務（見本）の立入調査").first.click()
    page.wait_for_url(f"{site.url}/cases/{case}/inspections")
    site.shot("inspections")
    page.get_by_label("調査場所（所在地）").fill("株式会社見本ツーリスト 本社")
    page.locator("#r-print-logs-2").check()                      # 要改善
    page.locator("#note-print-logs").fill("3月分の印刷ログが未提出")
    page.get_by_label("改善のための措置（1行に1件。要改善があるときは必須）").fill("4月末までに提出させる")
    page.get_by_label("パスフレーズ（電子押印）").fill(PASSPHRASE)
    page.get_by_role("button", name="記録して立入調査記録を印刷する").click()
    link = page.get_by_role("link", name="立入調査記録（PDF）をダウンロード")
    with page.expect_download() as got:
        link.click()
    pdf = tmp_path / "inspection.pdf"
    got.value.save_as(pdf)
    assert "3月分の印刷ログが未提出" in pdf_text(pdf)
    assert page.get_by_text("実施済み").first.is_visible()
    site.shot("inspections-recorded")

    page.goto(f"{site.url}/cases/{case}")
    page.get_by_role("link", name="保管庫に保管する").click()
    page.locator(f"#item-{sealed.medium_id}").check()
    page.get_by_label("保管庫").select_option(w.media_cab)
    page.get_by_role("button", name="保管を記録する").click()
    assert page.get_by_role("status").inner_text().endswith("を保管しました。")
    site.shot("store")

    # an open incident keeps the case from closing
    actions.report_incident(w.j, w.hanako, case, "other", "封筒の破損を確認中")
    page.goto(f"{site.url}/cases/{case}/erasures")
    site.shot("erasures")
    page.goto(f"{site.url}/cases/{case}")
    page.get_by_role("link", name="訪問リストの授受").click()
    page.wait_for_url(f"{site.url}/cases/{case}/visits")
    assert page.get_by_role("heading", name="訪問リストを交付する（訪問の開始）").is_visible()
    site.shot("visits")
    page.goto(f"{site.url}/cases/{case}")
    page.get_by_role("link", name="業務を終了する").click()
    page.get_by_role("button", name="業務を終了する").click()
    page.wait_for_load_state()
    assert page.locator(".refusal-heading").inner_text().startswith("規則により受け付けられません")
    unmet = page.locator("#unmet").inner_text()
    assert "満たしていない条件（1件）" in unmet
    site.shot("close-refused")
    assert reports.status(w.j, case)["cases"][0]["status"] == "open"
