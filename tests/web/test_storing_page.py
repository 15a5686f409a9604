"""Storing an item in a locked cabinet from the browser, SQLite and PostgreSQL: the key holder
stores it; someone holding none of the cabinet's keys is refused beside the cabinet, naming
the rule in Japanese, and nothing is recorded."""

from __future__ import annotations

from handover import reports
from handover.model.policy.rule_titles import RULE_TITLES_JA


def _post(web, path, **data):
    return web.client.post(path, data={"csrf": web.csrf(path), **data}, follow_redirects=False)


def _cabinet_of(w, item_id):
    (item,) = [i for i in reports.status(w.j, w.case_id)["cases"][0]["items"]
               if i["item_id"] == item_id]
    return item["cabinet_id"]


def test_the_key_holder_stores_a_medium_and_others_are_refused(web, sealed):
    w = web.world
    page = f"/cases/{w.case_id}/store"
    web.sign_in(w.jiro)                    # holds the notice cabinet's key, not the media's
    assert f'href="{page}"' in web.client.get(f"/cases/{w.case_id}").text
    r = _post(web, page, item=sealed.medium_id, cabinet=w.media_cab)
    assert r.status_code == 400
    refusal = r.text.index(RULE_TITLES_JA["not-key-holder"])
    assert r.text.index('<label for="cabinet">') < refusal < r.text.index('id="cabinet"')
    assert _cabinet_of(w, sealed.medium_id) is None
    r = _post(web, page, item=sealed.medium_id)
    assert r.status_code == 400 and "保管庫を選んでください" in r.text
    web.client.post("/signout", data={"csrf": web.csrf("/")})
    web.sign_in(w.taro)
    r = _post(web, page, item=sealed.medium_id, cabinet=w.media_cab)
    assert r.status_code == 303
    assert _cabinet_of(w, sealed.medium_id) == w.media_cab
    assert "媒体保管庫A（保管庫）" in web.client.get(f"/cases/{w.case_id}").text
