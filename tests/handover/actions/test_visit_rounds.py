"""Visit rounds and the 授受簿 (000 受託事業者 4, 002 受託事業者 5): split lists issued to a
pair of rostered visitors, returned by label or by ID, a round that cannot close while a list
is out, a missing list that opens an incident, and the day's register. SQLite and PostgreSQL
(the `world` fixture also checks rebuild equality and the rule replay after each test)."""

from __future__ import annotations

import datetime as dt

import pytest

from handover import actions, label_codes, reports
from handover.errors import HandoverError, NotFound, VerificationFailed
from handover.model import events as ev
from handover.model import policy
from tests.handover.actions.test_visit_lists import write_extract
from tests.handover.support import needs_poppler, pdf_text, refused

DAY = dt.date(2026, 4, 6)


def split(w, rows: int = 12):
    done = actions.split_visit_list(w.j, w.hanako, w.case_id, write_extract(w.tmp, rows=rows),
                                    w.tmp / "lists", label_key_path=w.label_key).value
    return {lst["half"]: lst["list_id"] for lst in done.lists}


def start(w, lists, visitors=None, **kw):
    return actions.start_visit_round(w.j, kw.pop("actor", w.hanako), w.case_id,
                                     kw.pop("day", DAY), visitors or [w.ichiro, w.courier],
                                     lists, **kw).value


def labels(w, *list_ids):
    key = label_codes.load_key(w.label_key)
    return [label_codes.label_payload(i, key) for i in list_ids]


def test_a_round_issues_the_halves_apart_and_takes_them_back(world):
    w = world
    halves = split(w)
    w.clock.advance(minutes=30)
    round_id = start(w, [halves["A"], halves["B"]], area="新宿一丁目")
    shown = reports.show_round(w.j, round_id)
    assert [(lst["list_id"], lst["visitor_id"], lst["state"]) for lst in shown["lists"]] == [
        (halves["A"], w.ichiro, "out"), (halves["B"], w.courier, "out")]
    assert (shown["count"], shown["status"], shown["issued_by_id"]) == (2, "open", w.hanako)
    # Custody shows in status and history: who holds it, since when.
    status = {lst["list_id"]: lst for lst in
              reports.status(w.j, w.case_id)["cases"][0]["visit_lists"]}
    a = status[halves["A"]]
    assert (a["state"], a["holder_person_id"], a["round_id"], a["since"]) == (
        "out", w.ichiro, round_id, shown["started_at"])
    history = reports.history(w.j, halves["A"])
    assert history["current"]["holder_person_id"] == w.ichiro
    assert f"visit round {round_id} on {DAY} started" in history["entries"][-1]["summary"]
    assert "out on visit round" in reports.where_text(history["current"])

    w.clock.advance(hours=4)
    back = actions.return_visit_lists(w.j, w.hanako, round_id,
                                      scans=labels(w, halves["A"]), label_key_path=w.label_key).value
    assert (back.lists, back.method, back.still_out) == ((halves["A"],), "scanned",
                                                         (halves["B"],))
    refused(w, policy.LISTS_OUT, actions.close_visit_round, w.j, w.hanako, round_id,
            item=halves["B"])
    w.clock.advance(minutes=10)
    actions.return_visit_lists(w.j, w.hanako, round_id, lists=[halves["B"]])
    closed = actions.close_visit_round(w.j, w.hanako, round_id).value
    assert closed.missing == () and closed.incident_id is None
    shown = reports.show_round(w.j, round_id)
    assert shown["status"] == "closed" and shown["returned"] == 2 and shown["out"] == []
    assert [lst["method"] for lst in shown["lists"]] == ["scanned", "counted"]
    b = reports.history(w.j, halves["B"])["current"]
    assert (b["state"], b["holder_person_id"], b["round_id"]) == ("held", w.hanako, None)
    # Closed: nothing more on it.
    refused(w, policy.ROUND_CLOSED, actions.return_visit_lists, w.j, w.hanako, round_id,
            lists=[halves["B"]], item=round_id)
    # Back with the contractor, the lists may go out again on a new round.
    again = start(w, [halves["A"], halves["B"]])
    assert reports.visit_rounds(w.j, w.case_id, DAY)["rounds"][1]["round_id"] == again


def test_a_list_is_not_issued_to_two_open_rounds(world):
    w = world
    halves = split(w)
    first = start(w, [halves["A"]])
    v = refused(w, policy.LIST_ALREADY_ISSUED, start, w, [halves["A"]], item=halves["A"])
    assert first in v.message


def test_the_pair_is_two_rostered_people_each_with_one_half(world):
    w = world
    halves = split(w)
    refused(w, policy.VISITOR_PAIR, start, w, [halves["A"]], visitors=[w.ichiro, w.ichiro])
    refused(w, policy.VISITOR_PAIR, start, w, [halves["A"]], visitors=[w.ichiro])
    refused(w, policy.NOT_ON_ROSTER, start, w, [halves["A"]], visitors=[w.ichiro, w.outsider],
            item=w.outsider)
    refused(w, policy.NOT_ON_ROSTER, start, w, [halves["A"]], actor=w.outsider, item=w.outsider)
    refused(w, policy.HALVES_TO_ONE_VISITOR, start, w,
            {halves["A"]: w.ichiro, halves["B"]: w.ichiro})
    refused(w, policy.LIST_TO_VISITOR, start, w, {halves["A"]: w.hanako}, item=halves["A"])
    refused(w, policy.VISIT_DATE, start, w, [halves["A"]], day=dt.date(2026, 3, 31))
    refused(w, policy.VISIT_DATE, start, w, [halves["A"]], day=DAY + dt.timedelta(days=1))
    with pytest.raises(NotFound):
        start(w, [_unknown_list()])


def _unknown_list() -> str:
    from handover import ids
    return ids.new_id("L")


def test_a_list_of_another_case_is_refused(world):
    w = world
    halves = split(w)
    other = actions.open_case(w.j, w.taro, "別業務（見本）", [w.contractor], dt.date(2026, 4, 1),
                              dt.date(2026, 6, 30), [w.hanako], [w.ichiro, w.courier]).value
    refused(w, policy.WRONG_CASE, actions.start_visit_round, w.j, w.hanako, other, DAY,
            [w.ichiro, w.courier], [halves["A"]], item=halves["A"])


def test_returns_refuse_forged_unknown_and_lists_not_out(world):
    w = world
    halves = split(w)
    round_id = start(w, [halves["A"]])
    # A list not out on this round, by ID or by its genuine label.
    refused(w, policy.LIST_NOT_OUT, actions.return_visit_lists, w.j, w.hanako, round_id,
            lists=[halves["B"]], item=halves["B"])
    refused(w, policy.LIST_NOT_OUT, actions.return_visit_lists, w.j, w.hanako, round_id,
            scans=labels(w, halves["B"]), label_key_path=w.label_key, item=halves["B"])
    # A valid label of an ID nobody registered: refused by name, nothing recorded.
    size = w.size()
    stranger = _unknown_list()
    with pytest.raises(HandoverError, match=f"{stranger} is not a registered visit list"):
        actions.return_visit_lists(w.j, w.hanako, round_id, scans=labels(w, stranger), label_key_path=w.label_key)
    assert w.size() == size
    # A forged label: an incident is opened, no list is returned.
    forged = labels(w, halves["A"])[0][:-4] + "AAAA"
    with pytest.raises(VerificationFailed, match="forged"):
        actions.return_visit_lists(w.j, w.hanako, round_id, scans=[forged], label_key_path=w.label_key)
    [incident] = reports.list_incidents(w.j, w.case_id, open_only=True)
    assert incident["category"] == ev.LABEL_FORGED and round_id in incident["description"]
    assert reports.show_round(w.j, round_id)["out"] == [halves["A"]]
    with pytest.raises(HandoverError, match="either scanned or by ID"):
        actions.return_visit_lists(w.j, w.hanako, round_id, lists=[halves["A"]],
                                   scans=labels(w, halves["A"]), label_key_path=w.label_key)


def test_a_missing_list_opens_a_loss_incident(world):
    w = world
    halves = split(w)
    round_id = start(w, [halves["A"], halves["B"]])
    w.clock.advance(hours=5)
    actions.return_visit_lists(w.j, w.hanako, round_id, lists=[halves["A"]])
    closed = actions.close_visit_round(w.j, w.hanako, round_id, missing=True,
                                       note="訪問先から戻る途中で所在不明").value
    assert closed.missing == (halves["B"],)
    incident = reports.show_incident(w.j, closed.incident_id)
    assert incident["category"] == ev.LOSS and incident["items"] == [halves["B"]]
    assert "所在不明" in incident["description"] and "架空 運太" in incident["description"]
    b = reports.history(w.j, halves["B"])
    assert b["current"]["state"] == "missing" and b["current"]["holder_person_id"] == w.courier
    assert [i["incident_id"] for i in b["open_incidents"]] == [closed.incident_id]
    assert "MISSING" in reports.where_text(b["current"])
    # A lost list is never issued again; --missing with every list back is a mistake.
    refused(w, policy.LIST_MISSING, start, w, [halves["B"]], item=halves["B"])
    other = start(w, [halves["A"]])
    actions.return_visit_lists(w.j, w.hanako, other, lists=[halves["A"]])
    with pytest.raises(HandoverError, match="nothing is missing"):
        actions.close_visit_round(w.j, w.hanako, other, missing=True)


@needs_poppler
def test_the_days_register_prints_issue_and_return_with_signature_boxes(world):
    w = world
    halves = split(w)
    w.clock.advance(minutes=30)             # 09:30
    round_id = start(w, [halves["A"], halves["B"]], area="新宿一丁目・二丁目")
    w.clock.advance(hours=6, minutes=15)    # 15:45
    actions.return_visit_lists(w.j, w.hanako, round_id, scans=labels(w, halves["A"]), label_key_path=w.label_key)
    closed = actions.close_visit_round(w.j, w.hanako, round_id, missing=True).value
    pdf = reports.print_visit_register(w.j, w.case_id, DAY, w.tmp / "pdf")
    text = pdf_text(pdf)
    for expected in ("訪問リスト授受簿", "令和8年4月6日", "2026-04-06", "ワクチン接種券発送業務（見本）",
                     round_id, halves["A"], halves["B"], "09:30", "15:45", "架空 一郎", "架空 運太",
                     "交付者 架空 花子", "開始時", "終了時", "署名・印", "ラベル読取", "返却済", "紛失",
                     "配布枚数 2 枚", closed.incident_id, "新宿一丁目・二丁目", "1/1"):
        assert expected in text, expected
    empty = pdf_text(reports.print_visit_register(w.j, w.case_id, DAY + dt.timedelta(days=1),
                                                  w.tmp / "pdf"))
    assert "この日の訪問の記録はありません" in empty
    # A directory that cannot be made is a clear error, not a traceback.
    (w.tmp / "a-file").write_text("")
    with pytest.raises(HandoverError, match="cannot create the 授受簿 directory .*a-file/pdf"):
        reports.print_visit_register(w.j, w.case_id, DAY, w.tmp / "a-file" / "pdf")


@needs_poppler
def test_the_register_fits_the_widest_ids_and_continues_on_new_pages(tmp_path):
    """Pure rendering: an ID of the widest characters is printed whole; many rounds go onto
    numbered pages, each round's signature boxes with it."""
    from handover.clock import JST
    from handover.documents.visit_register import (RegisterList, RegisterRound, VisitRegister,
                                                   render_visit_register)
    at = dt.datetime(2026, 4, 6, 9, 5, tzinfo=JST)
    wide = "L-MMMM-WWWW-MMMM-M"
    lists = (RegisterList(wide, "A", 60, "架空 一郎", None, None, None, False),
             RegisterList("L-0000-0000-0001-X", "B", 60, "架空 運太",
                          at + dt.timedelta(days=1), "架空 花子", "counted", False))
    rounds = tuple(RegisterRound(f"R-0000-0000-000{i}-X", "", ("架空 一郎", "架空 運太"),
                                 "架空 花子", at, lists, None, None, None) for i in range(6))
    pdf = tmp_path / "register.pdf"
    pdf.write_bytes(render_visit_register(VisitRegister(
        "C-0000-0000-0000-X", "見本業務", "見本株式会社", DAY, rounds, at)))
    text = pdf_text(pdf)
    assert text.count(wide) == 6 and "1/3" in text and "3/3" in text
    assert text.count("開始時") == 6 and "未返却" in text and "訪問 6 回" in text
    assert "4/7 09:05" in text and "目視確認" in text     # returned the next morning


def test_a_case_does_not_close_while_a_round_is_open(world):
    w = world
    halves = split(w)
    round_id = start(w, [halves["A"]])
    refused(w, policy.VISIT_ROUNDS_OPEN, actions.close_case, w.j, w.taro, w.case_id, "終了",
            item=round_id)
    actions.return_visit_lists(w.j, w.hanako, round_id, lists=[halves["A"]])
    actions.close_visit_round(w.j, w.hanako, round_id)
    actions.close_case(w.j, w.taro, w.case_id, "終了")
    # A closed case takes no new round.
    refused(w, policy.CASE_CLOSED, start, w, [halves["B"]])


@needs_poppler
def test_the_incident_report_of_a_lost_list_names_it(world):
    w = world
    halves = split(w)
    round_id = start(w, [halves["A"]])
    closed = actions.close_visit_round(w.j, w.hanako, round_id, missing=True).value
    text = pdf_text(reports.print_incident(w.j, closed.incident_id, w.tmp / "pdf"))
    assert f"{halves['A']} 訪問リストA" in text and "紛失" in text
