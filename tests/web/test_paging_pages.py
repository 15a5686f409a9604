"""The dashboard's "my cases" and the case page's items and handovers, paged in the browser's
terms: 全 N 件中 a–b 件, 前へ / 次へ keeping the filter, a page past the end shown as the last
with a Japanese message, an unknown filter refused in Japanese."""

from __future__ import annotations

import datetime as dt
import re

from handover import actions
from handover.reports import case_contents, dashboard


def _links(page: str, rel: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(rf'<a href="([^"]+)" rel="{rel}">', page)]


def test_my_cases_are_paged_on_the_dashboard(web, monkeypatch):
    w = web.world
    monkeypatch.setattr(dashboard, "CASES_PER_PAGE", 2)
    for n in range(2):
        actions.open_case(w.j, w.taro, f"追加の業務{n}", [w.contractor], dt.date(2026, 4, 1),
                          dt.date(2026, 9, 30), [w.hanako])
    web.sign_in(w.hanako)
    first = web.client.get("/").text
    assert "全 3 件中 1–2 件（1/2ページ）" in first
    assert _links(first, "prev") == [] and _links(first, "next") == ["/?page=2"]
    second = web.client.get("/?page=2").text
    assert "全 3 件中 3–3 件" in second and _links(second, "prev") == ["/?page=1"]
    assert _links(second, "next") == []
    past = web.client.get("/?page=5")
    assert past.status_code == 200
    assert "ページ「5」はありません（全2ページ）。2ページ目を表示しています。" in past.text
    assert "全 3 件中 3–3 件" in past.text


def test_the_case_page_filters_and_pages_its_items(web, sealed, monkeypatch):
    w = web.world
    monkeypatch.setattr(case_contents, "ITEMS_PER_PAGE", 1)
    second = w.seal()
    w.provide(sealed.medium_id)
    web.sign_in(w.taro)
    page = web.client.get(f"/cases/{w.case_id}").text
    assert "全 4 件中 1–1 件" in page
    for label in ("持出中", "保管中", "返却済", "区で保有"):
        assert label in page
    out = web.client.get(f"/cases/{w.case_id}?state=out").text
    assert "全 1 件中 1–1 件" in out and sealed.medium_id in out and second.medium_id not in out
    notices = web.client.get(f"/cases/{w.case_id}?kind=notice&page=2").text
    assert "全 2 件中 2–2 件" in notices
    # the pager keeps the filter; the filter's links start again at page 1
    assert _links(notices, "prev") == [f"/cases/{w.case_id}?kind=notice&page=1"]
    assert f'href="/cases/{w.case_id}?kind=notice&amp;state=out"' in notices
    past = web.client.get(f"/cases/{w.case_id}?kind=notice&page=9").text
    assert "ページ「9」はありません（全2ページ）。2ページ目を表示しています。" in past
    bad = web.client.get(f"/cases/{w.case_id}?state=lost")
    assert bad.status_code == 400
    assert "状態「lost」はありません" in bad.text and "持出中、保管中、返却済、区で保有" in bad.text


def test_the_case_page_pages_its_handovers(web, monkeypatch):
    w = web.world
    monkeypatch.setattr(case_contents, "HANDOVERS_PER_PAGE", 1)
    media = [w.seal().medium_id for _ in range(2)]
    handovers = [w.provide(m).handover_id for m in media]
    web.sign_in(w.taro)
    def section(page: str) -> str:      # the handovers' table (the timeline names them too)
        return page[page.index('id="h-handovers"'):page.index('id="h-timeline"')]

    first = section(web.client.get(f"/cases/{w.case_id}").text)
    assert "全 2 件中 1–1 件" in first
    assert f"/cases/{w.case_id}?hpage=2" in _links(first, "next")
    second = section(web.client.get(f"/cases/{w.case_id}?hpage=2").text)
    shown = [h for h in handovers if h in second]
    assert [h for h in handovers if h in first] + shown == handovers


def test_the_list_of_every_case_is_paged(web, monkeypatch):
    """業務の一覧 reads a page of cases (and their items), never the whole ward's status."""
    from handover import reports
    from handover.reports import case_status

    w = web.world
    monkeypatch.setattr(case_status, "CASES_PER_PAGE", 2)
    for n in range(2):
        actions.open_case(w.j, w.taro, f"追加の業務{n}", [w.contractor], dt.date(2026, 4, 1),
                          dt.date(2026, 9, 30), [w.hanako])
    every = [c["case_id"] for c in reports.case_choices(w.j)]
    assert len(every) == 3 and every == sorted(every)
    asked = []
    status = case_status.status
    monkeypatch.setattr(case_status, "status",
                        lambda j, *a, **k: asked.append(k) or status(j, *a, **k))
    web.sign_in(w.taro)
    first = web.client.get("/cases").text
    assert "全 3 件中 1–2 件（1/2ページ）" in first and _links(first, "next") == ["/cases?page=2"]
    assert all(f"<code>{c}</code>" in first for c in every[:2]) and every[2] not in first
    second = web.client.get("/cases?page=2").text
    assert "全 3 件中 3–3 件" in second and f"<code>{every[2]}</code>" in second
    assert every[0] not in second and _links(second, "prev") == ["/cases?page=1"]
    assert asked == [{"after": None, "limit": 2}, {"after": every[1], "limit": 2}]
    past = web.client.get("/cases?page=4").text
    assert "ページ「4」はありません（全2ページ）。2ページ目を表示しています。" in past
