"""seeds/000, cancer-screening reminders, end to end on SQLite and PostgreSQL.

Until 2022-10-31 the ward hands the contractor a password-encrypted CD-R in a locked case,
by hand (区が行う対策 5); from 2022-11-01 the same data goes over LGWAN instead, still
encrypted, with the password notice on paper by another route. At the end the CD-R comes
back (受託事業者 8); the LGWAN file is erased, not returned, so it is never overdue (issue
10 §1), while its password notice still out after the contract period is."""

from __future__ import annotations

import datetime as dt

from handover import actions, reports
from handover.model import fold, tables
from handover.clock import JST
from tests.handover.support import HOST, register_person


def test_screening_case_000_cdr_then_lgwan(world):
    w = world
    w.clock.now = dt.datetime(2022, 6, 20, 10, 0, tzinfo=JST)
    cancer = actions.register_org(w.j, w.taro, "株式会社見本スキャン（架空）", "contractor").value
    lead = register_person(w.j, w.taro, "架空 責任者", cancer, ["responsible_handler"])
    caller = register_person(w.j, w.taro, "架空 電話員", cancer, ["contractor_handler"])
    cab = actions.register_cabinet(w.j, w.taro, "受託者 施錠金庫", cancer, [lead]).value
    case = actions.open_case(w.j, w.taro, "特定健診・がん検診受診勧奨（見本）", [cancer],
                           dt.date(2022, 6, 15), dt.date(2023, 3, 31), [lead], [caller]).value
    ws = [r for r in w.snapshot()["proj_workstations"] if r[2] == HOST][0][1]
    actions.authorise_workstation(w.j, w.taro, ws, case)
    start = w.size()

    # --- CD-R by hand, notice by registered mail on another day ---------------------------------
    cdr = w.seal(records=50, medium="cd-r", case_id=case)
    actions.store_item(w.j, w.taro, cdr.medium_id, w.media_cab)
    actions.store_item(w.j, w.jiro, cdr.notice_id, w.notice_cab)
    w.clock.advance(days=1)
    h1 = w.handover("provide", w.taro, lead, [cdr.medium_id], case_id=case,
                    content="受診勧奨対象者データ（CD-R・鍵付ケース）")
    actions.confirm_handover(w.j, lead, h1.handover_id, condition="鍵付ケース施錠確認")
    actions.store_item(w.j, lead, cdr.medium_id, cab)
    w.clock.advance(days=2)
    h2 = w.handover("provide", w.jiro, caller, [cdr.notice_id], case_id=case,
                    method="registered_mail", actor=w.jiro)
    actions.confirm_handover(w.j, caller, h2.handover_id)

    # --- from 2022-11-01: LGWAN file, notice on paper ------------------------------------------
    w.clock.now = dt.datetime(2022, 11, 1, 9, 30, tzinfo=JST)
    lg = w.seal(records=80, medium="lgwan", case_id=case)
    h3 = actions.send_file(w.j, w.taro, lg.medium_id, lg.package_path, service="LGWAN-ASP（見本）",
                           to_person=lead).handover
    actions.receive_file(w.j, lead, lg.package_path)
    w.clock.advance(days=1)
    h4 = w.handover("provide", w.jiro, lead, [lg.notice_id], case_id=case, method="hand",
                    actor=w.jiro)
    actions.confirm_handover(w.j, lead, h4.handover_id)

    # --- end of work: the CD-R and its notice come back, on different days ---------------------
    w.clock.now = dt.datetime(2023, 3, 27, 14, 0, tzinfo=JST)
    h5 = w.handover("return", lead, w.taro, [cdr.medium_id], case_id=case)
    w.clock.advance(days=1)
    h6 = w.handover("return", caller, w.jiro, [cdr.notice_id], case_id=case, actor=w.jiro)
    for h, by in ((h5, w.taro), (h6, w.jiro)):
        actions.confirm_handover(w.j, by, h.handover_id)

    # --- ledger ------------------------------------------------------------------------------
    entries = w.entries()[start:]
    handovers = [e.payload for e in entries if e.kind == "HandoverRecorded"]
    assert [(p["moment"], p["method"], p["items"]) for p in handovers] == [
        ("provide", "hand", [cdr.medium_id]), ("provide", "registered_mail", [cdr.notice_id]),
        ("provide", "lgwan", [lg.medium_id]), ("provide", "hand", [lg.notice_id]),
        ("return", "hand", [cdr.medium_id]), ("return", "hand", [cdr.notice_id])]
    assert handovers[0]["content"] == "受診勧奨対象者データ（CD-R・鍵付ケース）"
    assert handovers[2]["record_count"] == 80 and handovers[0]["record_count"] == 50
    assert [e.payload["medium_kind"] for e in entries if e.kind == "MediumRegistered"] == \
        ["cd-r", "lgwan"]
    assert sum(e.kind == "HandoverConfirmed" for e in entries) == 6

    # --- projection and status ----------------------------------------------------------------
    with w.j.reading() as st:
        assert st.item(cdr.medium_id).holder_org == w.ward
        assert st.item(lg.medium_id).holder_org == cancer
        assert st.item(lg.notice_id).holder_person == lead
    during = reports.status(w.j, case)["cases"][0]
    assert sorted(during["out"]) == sorted([lg.medium_id, lg.notice_id])
    assert during["overdue"] == []

    w.clock.now = dt.datetime(2023, 4, 5, 9, 0, tzinfo=JST)      # after the contract period
    after = reports.status(w.j, case)["cases"][0]
    assert after["overdue"] == [lg.notice_id]
    lgwan_file = {i["item_id"]: i for i in after["items"]}[lg.medium_id]
    assert (lgwan_file["kind_label"], lgwan_file["holder_org"], lgwan_file["return_due"],
            lgwan_file["lgwan_file"]) == ("LGWANファイル", "株式会社見本スキャン（架空）", None, True)

    history = reports.history(w.j, cdr.medium_id)
    assert [e["kind"] for e in history["entries"]].count("HandoverRecorded") == 2
    assert history["current"]["holder_person_id"] == w.taro

    before = w.snapshot()
    fold.rebuild(w.j.engine, w.j.log)
    assert w.snapshot() == before
