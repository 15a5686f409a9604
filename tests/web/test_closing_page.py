"""Closing a case from its page, SQLite and PostgreSQL: through the close-out gate when every
condition is met; otherwise every unmet condition listed in Japanese beside the button, the
gate's refusal shown there, and an override only with a typed reason."""

from __future__ import annotations

from handover import reports
from handover.model.policy.rule_titles import RULE_TITLES_JA


def _post(web, path, **data):
    return web.client.post(path, data={"csrf": web.csrf(path), **data}, follow_redirects=False)


def _status(w):
    return reports.status(w.j, w.case_id)["cases"][0]


def test_a_case_with_every_condition_met_closes_through_the_gate(web):
    w = web.world
    page = f"/cases/{w.case_id}/close"
    web.sign_in(w.taro)
    assert f'href="{page}"' in web.client.get(f"/cases/{w.case_id}").text
    assert "終了の条件をすべて満たしています" in web.client.get(page).text
    r = _post(web, page, reason="業務終了", decision="close")
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{w.case_id}"
    case = _status(w)
    assert case["status"] == "closed" and case["overrides"] == []
    assert "この業務は終了しています" in web.client.get(page).text


def test_the_gate_lists_every_unmet_condition_and_an_override_needs_a_reason(web, sealed):
    w = web.world
    w.provide(sealed.medium_id)            # out with the contractor, and not yet confirmed
    page = f"/cases/{w.case_id}/close"
    web.sign_in(w.taro)
    shown = web.client.get(page).text
    titles = [RULE_TITLES_JA["items-outstanding"], RULE_TITLES_JA["unconfirmed-handovers"]]
    for title in titles:
        assert title in shown
    r = _post(web, page, reason="業務終了", decision="close")
    assert r.status_code == 400 and "規則により受け付けられません" in r.text
    unmet = r.text.index('id="unmet"')
    for title in titles:                   # every condition, beside the button
        assert unmet < r.text.index(title, unmet) < r.text.index('value="close"')
    r = _post(web, page, reason="業務終了", decision="override", override_reason="  ")
    assert r.status_code == 400 and "理由を入力してください" in r.text
    assert _status(w)["status"] == "open"
    r = _post(web, page, reason="業務終了", decision="override",
              override_reason="委託先倒産のため媒体を回収できない")
    assert r.status_code == 303
    case = _status(w)
    assert case["status"] == "closed"
    [closing] = case["overrides"]
    assert {r["rule"] for r in closing["rules"]} >= {"items-outstanding", "unconfirmed-handovers"}
