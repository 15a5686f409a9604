"""The dashboard (reports.waiting_for) and the case page (reports.case_page) read a page at a
time: what waits for each person, each kind of it; nothing of another person's cases; "my
cases" paged; a case's items counted per kind and state, filtered and paged; a page past the
end shows the last one and says so. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from handover import actions, reports
from handover.errors import HandoverError
from handover.reports import case_contents
from handover.reports import dashboard
from tests.handover.actions.test_print_logs import DOCUMENTED_JA, write
from tests.handover.support import HOST, register_person

D = dt.date


def _other_case(w, responsible: str, handlers=(), *, sealed_here: bool = False) -> str:
    case_id = actions.open_case(w.j, w.taro, "別の業務（見本）", [w.contractor], D(2026, 4, 1),
                                D(2026, 9, 30), [responsible], list(handlers)).value
    if sealed_here:
        with w.j.reading() as st:
            here = st.workstation_by_host(HOST).workstation_id
        actions.authorise_workstation(w.j, w.taro, here, case_id)
    return case_id


def test_what_waits_for_each_person_each_kind(world, sealed):
    w = world
    w.provide(sealed.medium_id)
    # Nothing waits for the ward until the contractor receives, then:
    hanako = reports.waiting_for(w.j, w.hanako)
    assert [h["handover_id"] for h in hanako["confirmations"]["rows"]] \
        == [reports.case_handovers(w.j, w.case_id)[0]["handover_id"]]
    assert hanako["confirmations"]["total"] == 1
    taro = reports.waiting_for(w.j, w.taro)
    assert taro["confirmations"]["total"] == 0          # handed over by the ward, not to it
    # the medium is out, due back at the end of the contract, for staff and roster alike
    for waiting in (hanako, taro):
        (due,) = waiting["returns_due"]["rows"]
        assert (due["item_id"], due["return_due"], due["overdue"], due["case_id"]) \
            == (sealed.medium_id, "2026-06-30", False, w.case_id)
    # inspections due: the ward's staff see them, per contractor organisation; a contractor not
    assert {v["org_id"] for v in taro["inspections_due"]["rows"]} == {w.contractor, w.printer}
    assert hanako["inspections_due"]["total"] == 0
    # an open incident and a print log beyond the count without a reason
    incident = actions.report_incident(w.j, w.hanako, w.case_id, "other", "封筒の数が合わない").value
    actions.set_print_allowance(w.j, w.taro, w.case_id, pages=200, basis="接種券 200件")
    sub = actions.import_print_log(w.j, w.ichiro, w.case_id,
                                   write(w.tmp, "log.csv", DOCUMENTED_JA)).value
    for person in (w.taro, w.hanako, w.ichiro):
        waiting = reports.waiting_for(w.j, person)
        assert [i["incident_id"] for i in waiting["open_incidents"]["rows"]] == [incident]
        assert [s["submission_id"] for s in waiting["print_excess"]["rows"]] == [sub.submission_id]
    actions.explain_print_excess(w.j, w.hanako, sub.submission_id, "刷り直し")
    assert reports.waiting_for(w.j, w.taro)["print_excess"]["total"] == 0
    # after the contract ends the medium is overdue, on the list and on the case's row
    w.clock.now = dt.datetime(2026, 7, 2, 9, 0, tzinfo=w.clock.now.tzinfo)
    taro = reports.waiting_for(w.j, w.taro)
    assert taro["returns_due"]["rows"][0]["overdue"] is True
    (case,) = taro["cases"]
    assert (case["case_id"], case["out"], case["overdue"], case["unconfirmed"]) \
        == (w.case_id, 1, 1, 1)


def test_nothing_of_another_persons_cases_is_on_a_dashboard(world, sealed):
    w = world
    other_lead = register_person(w.j, w.taro, "架空 次子", w.contractor, ["responsible_handler"])
    other = _other_case(w, other_lead, [w.outsider], sealed_here=True)
    theirs = w.seal(case_id=other)
    w.provide(theirs.medium_id, to=other_lead, case_id=other)
    actions.report_incident(w.j, other_lead, other, "other", "別の業務の事故")
    hanako = reports.waiting_for(w.j, w.hanako)
    assert [c["case_id"] for c in hanako["cases"]] == [w.case_id]
    assert hanako["returns_due"]["total"] == hanako["open_incidents"]["total"] == 0
    outsider = reports.waiting_for(w.j, w.outsider)
    assert [c["case_id"] for c in outsider["cases"]] == [other]
    assert [i["item_id"] for i in outsider["returns_due"]["rows"]] == [theirs.medium_id]
    # the ward's staff see the open cases of their own section only
    assert {c["case_id"] for c in reports.waiting_for(w.j, w.taro)["cases"]} == {w.case_id, other}
    section = actions.register_org(w.j, w.taro, "見本区 福祉部", "ward").value
    elsewhere = register_person(w.j, w.taro, "別課 職員", section, ["staff"])
    assert reports.waiting_for(w.j, elsewhere)["cases"] == []
    assert reports.waiting_for(w.j, elsewhere)["returns_due"]["total"] == 0
    # a contractor's person on no roster has no cases and nothing waiting
    sakura_free = register_person(w.j, w.taro, "架空 無所属", w.contractor, ["contractor_handler"])
    nothing = reports.waiting_for(w.j, sakura_free)
    assert nothing["cases"] == [] and nothing["cases_page"]["total"] == 0


def test_my_cases_are_paged_open_first(world, monkeypatch):
    w = world
    monkeypatch.setattr(dashboard, "CASES_PER_PAGE", 2)
    opened = sorted([w.case_id] + [_other_case(w, w.hanako) for _ in range(4)])
    closed = opened[1]
    actions.close_case(w.j, w.taro, closed)
    order = [c for c in opened if c != closed] + [closed]      # open cases first, then by ID
    seen, pages = [], []
    for n in (1, 2, 3):
        data = reports.waiting_for(w.j, w.hanako, str(n))
        seen += [c["case_id"] for c in data["cases"]]
        pages.append(data["cases_page"])
    assert seen == order
    assert [(p["page"], p["first"], p["last"], p["total"], p["pages"]) for p in pages] \
        == [(1, 1, 2, 5, 3), (2, 3, 4, 5, 3), (3, 5, 5, 5, 3)]
    assert not any(p["missing"] for p in pages)
    past = reports.waiting_for(w.j, w.hanako, "9")
    assert past["cases_page"]["page"] == 3 and past["cases_page"]["missing"]
    assert [c["case_id"] for c in past["cases"]] == [closed]
    for nonsense in ("0", "-1", "abc", "２"):
        page = reports.waiting_for(w.j, w.hanako, nonsense)["cases_page"]
        assert page["page"] == 1 and page["missing"], nonsense
    # the ward's staff see open cases only: the closed one is not theirs to follow any more
    assert reports.waiting_for(w.j, w.taro)["cases_page"]["total"] == 4


def test_case_page_counts_filters_and_pages(world, monkeypatch):
    w = world
    monkeypatch.setattr(case_contents, "ITEMS_PER_PAGE", 2)
    packages = [w.seal() for _ in range(3)]
    w.provide(packages[0].medium_id)                                   # 持出中
    actions.store_item(w.j, w.jiro, packages[1].notice_id, w.notice_cab)   # 保管中
    w.provide(packages[2].medium_id)
    w.handover("return", w.hanako, w.taro, [packages[2].medium_id])   # 返却済
    view = reports.case_page(w.j, w.case_id)
    assert view["total_items"] == 6
    assert {k["kind"]: (k["out"], k["stored"], k["returned"], k["at_ward"], k["total"])
            for k in view["summary"]} == {"medium": (1, 0, 1, 1, 3), "notice": (0, 1, 0, 2, 3)}
    # every item once, in the order registered, two to a page
    registered = [i.item_id for i in sorted(
        (w.item(p.medium_id) for p in packages), key=lambda r: r.entry_index)]
    shown = []
    for n in (1, 2, 3):
        page = reports.case_page(w.j, w.case_id, page=n)
        assert page["items_page"]["total"] == 6 and len(page["items"]) == 2
        shown += [i["item_id"] for i in page["items"]]
    assert len(set(shown)) == 6 and [s for s in shown if s.startswith("M")] == registered
    # filters, alone and together, and the state each row shows
    out = reports.case_page(w.j, w.case_id, state="out")
    assert [(i["item_id"], i["state_label"]) for i in out["items"]] == [(packages[0].medium_id, "持出中")]
    stored = reports.case_page(w.j, w.case_id, state="stored")
    assert [i["item_id"] for i in stored["items"]] == [packages[1].notice_id]
    returned = reports.case_page(w.j, w.case_id, state="returned", kind="medium")
    assert [i["item_id"] for i in returned["items"]] == [packages[2].medium_id]
    notices = reports.case_page(w.j, w.case_id, kind="notice", page="2")
    p = notices["items_page"]
    assert (p["total"], p["page"], p["first"], p["last"]) == (3, 2, 3, 3)
    assert [i["kind"] for i in notices["items"]] == ["notice"]
    assert reports.case_page(w.j, w.case_id, state="out", kind="notice")["items"] == []
    # a page past the end is the last page, and says so
    past = reports.case_page(w.j, w.case_id, page="7")
    assert (past["items_page"]["page"], past["items_page"]["missing"]) == (3, True)
    with pytest.raises(HandoverError, match="状態「lost」はありません"):
        reports.case_page(w.j, w.case_id, state="lost")
    with pytest.raises(HandoverError, match="種類「disc」はありません"):
        reports.case_page(w.j, w.case_id, kind="disc")


def test_handovers_of_a_case_are_paged(world, monkeypatch):
    w = world
    monkeypatch.setattr(case_contents, "HANDOVERS_PER_PAGE", 2)
    media = [w.seal().medium_id for _ in range(3)]
    for m in media:
        w.provide(m)
    expected = [h["handover_id"] for h in reports.case_handovers(w.j, w.case_id)]
    first = reports.case_page(w.j, w.case_id, handover_page=1)
    second = reports.case_page(w.j, w.case_id, handover_page=2)
    assert [h["handover_id"] for h in first["handovers"] + second["handovers"]] == expected
    assert (second["handovers_page"]["total"], second["handovers_page"]["pages"]) == (3, 2)


def test_every_case_a_page_at_a_time_and_the_choice_of_case(world, monkeypatch):
    from handover.reports import case_status

    w = world
    monkeypatch.setattr(case_status, "CASES_PER_PAGE", 2)
    other = _other_case(w, w.hanako)
    actions.open_case(w.j, w.taro, "三つ目の業務", [w.contractor], D(2026, 4, 1), D(2026, 9, 30),
                      [w.hanako])
    whole = reports.status(w.j)["cases"]
    shown = [reports.ward_cases(w.j, page=n) for n in (1, 2)]
    assert [c for s in shown for c in s["cases"]] == whole       # as status shows each case
    assert [s["page"]["total"] for s in shown] == [3, 3]
    assert [len(s["cases"]) for s in shown] == [2, 1]
    assert reports.ward_cases(w.j, page="9")["page"]["missing"]
    assert reports.case_choices(w.j) == [{"case_id": c["case_id"], "name": c["name"],
                                          "status": c["status"]} for c in whole]
    # closing a case takes it off the open choices (the scanning station's)
    actions.close_case(w.j, w.taro, other, reason="契約の解除")
    assert other not in {c["case_id"] for c in reports.case_choices(w.j, open_only=True)}
    assert other in {c["case_id"] for c in reports.case_choices(w.j)}
