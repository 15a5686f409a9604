"""Visit rounds (訪問リストの授受) from the browser, SQLite and PostgreSQL: a round started with
the pair picked by name and the lists ticked, lists returned by a scanned label and by a
tick, the round closed, the day's 授受簿 printed; a pair of one person refused beside the
field, and a round with a list out refused to close, each naming the rule in Japanese."""

from __future__ import annotations

import re

from handover import actions, label_codes, reports
from handover.model.policy.rule_titles import RULE_TITLES_JA
from tests.handover.actions.test_visit_lists import write_extract
from tests.handover.support import needs_poppler, pdf_text


def _post(web, path, page, **data):
    return web.client.post(path, data={"csrf": web.csrf(page), **data}, follow_redirects=False)


def _split(w) -> dict[str, str]:
    done = actions.split_visit_list(w.j, w.hanako, w.case_id, write_extract(w.tmp, rows=12),
                                    w.tmp / "lists", label_key_path=w.label_key).value
    return {lst["half"]: lst["list_id"] for lst in done.lists}


@needs_poppler
def test_start_return_close_and_print_the_days_register(web, tmp_path):
    w = web.world
    halves = _split(w)
    page = f"/cases/{w.case_id}/visits"
    web.sign_in(w.hanako)
    assert f'href="{page}"' in web.client.get(f"/cases/{w.case_id}").text
    r = _post(web, page, page, visitor_a=w.ichiro, visitor_b=w.courier, area="新宿一丁目",
              lists=[halves["A"], halves["B"]])
    assert r.status_code == 303
    day = r.headers["location"].split("date=")[1]
    (rnd,) = reports.visit_rounds(w.j, w.case_id, day)["rounds"]
    assert [(x["list_id"], x["visitor_id"]) for x in rnd["lists"]] == [
        (halves["A"], w.ichiro), (halves["B"], w.courier)]
    base = f"{page}/{rnd['round_id']}"
    scanned = label_codes.label_payload(halves["A"], label_codes.load_key(w.label_key))
    w.clock.advance(hours=3)
    assert _post(web, f"{base}/return", page, scans=scanned + "\r\n", day=day).status_code == 303
    r = _post(web, f"{base}/close", page, day=day)
    assert r.status_code == 400 and RULE_TITLES_JA["lists-out"] in r.text    # B is still out
    assert _post(web, f"{base}/return", page, lists=[halves["B"]], day=day).status_code == 303
    assert _post(web, f"{base}/close", page, day=day).status_code == 303
    shown = reports.show_round(w.j, rnd["round_id"])
    assert shown["status"] == "closed"
    assert [x["method"] for x in shown["lists"]] == ["scanned", "counted"]
    r = _post(web, f"{page}/register", page, day=day)
    assert r.status_code == 303
    link = re.search(r'href="(/downloads/[^"]+)"', web.client.get(r.headers["location"]).text)
    (tmp_path / "j.pdf").write_bytes(web.client.get(link.group(1)).content)
    text = pdf_text(tmp_path / "j.pdf")
    for field in ("授受簿", halves["A"], halves["B"], "架空 一郎", "架空 運太", "新宿一丁目"):
        assert field in text


def test_a_pair_of_one_person_is_refused_beside_the_field(web):
    w = web.world
    halves = _split(w)
    page = f"/cases/{w.case_id}/visits"
    web.sign_in(w.hanako)
    r = _post(web, page, page, visitor_a=w.ichiro, visitor_b=w.ichiro, lists=[halves["A"]])
    assert r.status_code == 400
    refusal = r.text.index(RULE_TITLES_JA["visitor-pair"])
    assert r.text.index('id="visitor_a"') < refusal < r.text.index('<label for="visitor_b">')
    assert reports.visit_rounds(w.j, w.case_id)["rounds"] == []
