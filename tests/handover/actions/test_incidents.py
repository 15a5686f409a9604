"""事故報告 (issue 10 §3): reported, followed up, closed, printed; opened by the system on a
forged label at a recording station and on returns overdue beyond the grace period; shown
in status and history; and the case does not close over an open one. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from handover import actions, reports
from handover.errors import HandoverError, VerificationFailed
from handover.model import events as ev
from tests.handover.support import needs_poppler, pdf_text, refused


def _report(w, **kw):
    kw.setdefault("items", [])
    return actions.report_incident(w.j, kw.pop("actor", w.hanako), w.case_id,
                                   kw.pop("category", "loss"),
                                   kw.pop("description", "封筒1通の所在が確認できない"), **kw).value


def test_an_incident_is_reported_followed_up_and_closed(world, sealed):
    w = world
    w.provide(sealed.medium_id)
    w.clock.advance(hours=2)
    found = w.clock.now - dt.timedelta(hours=1)
    a = _report(w, items=[sealed.medium_id], discovered_at=found)
    st = reports.status(w.j, w.case_id)["cases"][0]
    assert [i["incident_id"] for i in st["open_incidents"]] == [a]
    assert st["open_incidents"][0]["discovered_at"] == found.isoformat()
    hist = reports.history(w.j, sealed.medium_id)
    assert [i["incident_id"] for i in hist["open_incidents"]] == [a]
    assert any(f"incident {a} reported" in e["summary"] for e in hist["entries"])
    w.clock.advance(minutes=30)
    actions.follow_up_incident(w.j, w.hanako, a, "区へ電話で報告", ward_notified_at=w.clock.now)
    actions.close_incident(w.j, w.taro, a, "媒体を回収、漏えいなし")
    shown = reports.show_incident(w.j, a)
    assert shown["status"] == "closed" and shown["outcome"] == "媒体を回収、漏えいなし"
    assert shown["ward_notified_at"] == w.clock.now.isoformat()
    assert [f["note"] for f in shown["followups"]] == ["区へ電話で報告"]
    assert reports.status(w.j, w.case_id)["cases"][0]["open_incidents"] == []
    assert reports.history(w.j, sealed.medium_id)["open_incidents"] == []
    assert any("closed: 媒体を回収" in e["summary"]
               for e in reports.history(w.j, sealed.medium_id)["entries"])


def test_incident_refusals(world, sealed):
    w = world
    refused(w, "not-on-roster", _report, w, actor=w.outsider, item=w.outsider)
    a = _report(w)
    refused(w, "role-required", actions.close_incident, w.j, w.hanako, a, "終了", item=w.hanako)
    actions.close_incident(w.j, w.taro, a, "誤報")
    refused(w, "incident-closed", actions.follow_up_incident, w.j, w.hanako, a, "追記", item=a)
    refused(w, "incident-closed", actions.close_incident, w.j, w.taro, a, "再度", item=a)


def test_an_item_of_another_case_is_refused(world, sealed):
    w = world
    other = actions.open_case(w.j, w.taro, "別業務", [w.contractor], dt.date(2026, 4, 1),
                              dt.date(2026, 5, 1), [w.hanako]).value
    refused(w, "wrong-case", actions.report_incident, w.j, w.hanako, other, "loss", "紛失",
            items=[sealed.medium_id], item=sealed.medium_id)


@pytest.mark.parametrize("kw, says", [
    ({"category": "stolen"}, "unknown kind of incident"),
    ({"description": "  "}, "is empty"),
    ({"discovered_at": dt.datetime(2026, 4, 6, 9, 0)}, "time zone"),
    ({"discovered_at": dt.datetime(2026, 4, 9, 9, 0, tzinfo=dt.timezone.utc)}, "in the future"),
    ({"discovered_at": dt.datetime(2026, 4, 6, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))),
      "ward_notified_at": dt.datetime(2026, 4, 6, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))},
     "before the incident was discovered"),
])
def test_bad_reports_say_what_is_wrong_and_record_nothing(world, kw, says):
    size = world.size()
    with pytest.raises(HandoverError) as info:
        _report(world, **kw)
    assert says in info.value.message
    assert world.size() == size


def test_a_case_does_not_close_over_an_open_incident(world):
    w = world
    a = _report(w)
    v = refused(w, "incidents-open", actions.close_case, w.j, w.taro, w.case_id, item=a)
    assert "--override-reason" in v.hint
    actions.close_case(w.j, w.taro, w.case_id, override_reason="警察へ届出済み、調査継続")
    closing = reports.status(w.j, w.case_id)["cases"][0]["overrides"][0]
    assert [r["rule"] for r in closing["rules"]] == ["incidents-open"]


def test_overdue_returns_open_an_incident_once(world, sealed):
    w = world
    w.provide(sealed.medium_id)
    w.clock.now = dt.datetime(2026, 7, 7, 10, 0, tzinfo=w.clock.now.tzinfo)   # period ended 6-30
    assert actions.open_overdue_incidents(w.j, w.taro, days=7).value == []
    w.clock.advance(days=1)
    opened = actions.open_overdue_incidents(w.j, w.taro, days=7).value
    assert len(opened) == 1
    i = reports.show_incident(w.j, opened[0])
    assert i["source"] == ev.BY_OVERDUE and i["items"] == [sealed.medium_id]
    assert actions.open_overdue_incidents(w.j, w.taro, days=7).value == []   # already named
    refused(w, "role-required", actions.open_overdue_incidents, w.j, w.hanako, days=7,
            item=w.hanako)


def test_overdue_days_come_from_the_environment(monkeypatch):
    from handover.actions.incidents import overdue_days
    monkeypatch.setenv("HANDOVER_OVERDUE_DAYS", "3")
    assert overdue_days() == 3 and overdue_days(10) == 10
    monkeypatch.setenv("HANDOVER_OVERDUE_DAYS", "x")
    with pytest.raises(HandoverError, match="not a number"):
        overdue_days()
    with pytest.raises(HandoverError, match="negative"):
        overdue_days(-1)


def test_a_forged_label_at_a_recording_station_opens_an_incident(world, sealed):
    w = world
    station = actions.open_station(w.j, label_key_path=w.label_key, expected=[sealed.medium_id])
    station.scan(sealed.medium_id + "-AAAAAAAAAAAAA")   # an ID with a made-up MAC
    size = w.size()
    req = actions.HandoverRequest(w.case_id, "provide", w.taro, w.hanako, "hand")
    with pytest.raises(VerificationFailed) as info:
        actions.record_scanned(w.j, w.taro, station, req)
    assert w.size() == size + 1           # the incident, and no handover
    [inc] = reports.list_incidents(w.j, w.case_id)
    assert inc["category"] == ev.LABEL_FORGED and inc["source"] == ev.BY_SCAN
    assert inc["incident_id"] in info.value.message
    assert w.item(sealed.medium_id).holder_org == w.ward


@needs_poppler
def test_the_jikohokokusho_prints_what_the_ledger_holds(world, sealed, tmp_path):
    w = world
    a = _report(w, items=[sealed.medium_id], category="seal-broken",
                description="受領時に封緘シールが破れていた。" * 12)
    actions.follow_up_incident(w.j, w.hanako, a, "区の指示により媒体を返送")
    actions.close_incident(w.j, w.taro, a, "内容を確認し異常なし")
    pdf = reports.print_incident(w.j, a, tmp_path / "pdf")
    text = pdf_text(pdf).replace("\n", "")
    for want in ("事故報告書", a, "受領時の封緘破損", sealed.medium_id, "令和8年4月6日",
                 "2026-04-06T09:00+09:00", "架空 花子", "区の指示により媒体を返送",
                 "内容を確認し異常なし", "取扱責任者", "ワクチン接種券発送業務"):
        assert want in text, want
    # the long description wraps rather than being cut: its every sentence is there
    assert text.count("封緘シールが破れていた") == 12
