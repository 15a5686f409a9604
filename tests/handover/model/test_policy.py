"""Every custody refusal, on SQLite and PostgreSQL: the rule and the item are named, nothing is
appended, and the projection is unchanged. Overridable rules pass with a recorded reason,
which lands in the entry and the projection."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from handover import actions, ids, reports
from handover.errors import HandoverError, NotFound, PolicyViolation
from handover.model.journal import Journal
from tests.handover.support import HOST, refused, register_person


def test_only_rostered_people_receive_media_and_are_named(world, sealed):
    v = refused(world, "not-on-roster", world.provide, sealed.medium_id, to=world.outsider,
                item=world.outsider)
    assert "架空 三郎" in v.message and "名簿" in v.message


def test_only_rostered_people_return_media(world, sealed):
    world.provide(sealed.medium_id)
    refused(world, "not-on-roster", world.handover, "return", world.outsider, world.taro,
            [sealed.medium_id], item=world.outsider)


def test_roster_change_lets_a_new_handler_receive(world, sealed):
    actions.change_roster(world.j, world.taro, world.case_id, add_handlers=[world.outsider],
                        reason="増員")
    world.provide(sealed.medium_id, to=world.outsider)
    assert world.item(sealed.medium_id).holder_person == world.outsider
    actions.change_roster(world.j, world.taro, world.case_id, remove=[world.ichiro])
    world.clock.advance(days=1)
    refused(world, "not-on-roster", world.provide, sealed.notice_id, to=world.ichiro)


def test_contractor_cannot_record_a_provision(world, sealed):
    refused(world, "role-required", world.provide, sealed.medium_id, actor=world.hanako,
            item=world.hanako)


def test_unknown_actor_is_refused_by_id(world, sealed):
    ghost = ids.new_id("U")
    with pytest.raises(NotFound) as info:
        world.provide(sealed.medium_id, actor=ghost)
    assert ghost in info.value.message


def test_staff_are_not_rostered_but_need_the_staff_role(world):
    auditor = register_person(world.j, world.taro, "監査 一子", world.ward,
                                       ["auditor"])
    s = world.seal()
    refused(world, "role-required", world.provide, s.medium_id, from_person=auditor,
            item=auditor)


# --- cases ---------------------------------------------------------------------------------

def test_closed_case_refuses_everything(world, sealed):
    actions.close_case(world.j, world.taro, world.case_id, "業務終了")
    refused(world, "case-closed", world.provide, sealed.medium_id, item=world.case_id)
    refused(world, "case-closed", actions.store_item, world.j, world.taro, sealed.medium_id,
            world.media_cab)
    refused(world, "case-closed", world.seal)
    refused(world, "case-closed", actions.change_roster, world.j, world.taro, world.case_id,
            add_handlers=[world.outsider])


def test_closing_with_items_out_needs_a_reason(world, sealed):
    world.provide(sealed.medium_id)
    refused(world, "items-outstanding", actions.close_case, world.j, world.taro, world.case_id,
            item=sealed.medium_id)
    actions.close_case(world.j, world.taro, world.case_id, "契約解除",
                     override_reason="媒体は受託者が紛失届を提出済み")
    closed = world.entries()[-1]
    assert closed.kind == "CaseClosed"
    assert closed.payload["override_reason"] == "媒体は受託者が紛失届を提出済み"


# --- sealing -------------------------------------------------------------------------------

def test_sealing_only_on_a_designated_workstation(world, tmp_path):
    other = Journal(world.j.engine, world.j.log, world.j.key_path, clock=world.clock,
                    host="home-laptop", os_user="tester")
    src = tmp_path / "x.csv"
    src.write_text("a\n1\n")
    refused(world, "workstation-not-registered", actions.seal_extract, other, world.taro,
            world.case_id, [src], medium_kind="cd-r", content="見本", out_dir=tmp_path / "o2",
            notice_dir=tmp_path / "n2", item="home-laptop")
    # Refused before any work: no package, no notice.
    assert not (tmp_path / "o2").exists() and not (tmp_path / "n2").exists()


def test_workstation_designated_for_another_case_is_refused(world):
    other = actions.open_case(world.j, world.taro, "がん検診受診勧奨（見本）", [world.contractor],
                            dt.date(2026, 4, 1), dt.date(2027, 3, 31), [world.hanako]).value
    refused(world, "workstation-not-registered", world.seal, case_id=other, item=HOST)


def test_notice_never_lands_beside_the_package(world, tmp_path):
    for notice_dir in (tmp_path / "out", tmp_path / "out" / "notices"):
        refused(world, "separate-locations", world.seal, out_dir=tmp_path / "out",
                notice_dir=notice_dir)


def test_failed_recording_leaves_no_package_or_notice(world, tmp_path, monkeypatch):
    def boom(*a, **k):
        raise HandoverError("database went away")
    from handover.actions import sealing
    monkeypatch.setattr(sealing, "record", boom)
    with pytest.raises(HandoverError):
        world.seal(out_dir=tmp_path / "o3", notice_dir=tmp_path / "n3")
    # Not even the directories it made are left.
    assert not (tmp_path / "o3").exists() and not (tmp_path / "n3").exists()


# --- cabinets ------------------------------------------------------------------------------

def test_notice_never_in_the_cabinet_of_its_medium(world, sealed):
    actions.store_item(world.j, world.taro, sealed.medium_id, world.media_cab)
    actions.change_key_holders(world.j, world.taro, world.media_cab, [world.taro, world.jiro], "")
    refused(world, "same-cabinet", actions.store_item, world.j, world.jiro, sealed.notice_id,
            world.media_cab, item=sealed.notice_id)
    actions.store_item(world.j, world.jiro, sealed.notice_id, world.notice_cab)
    # …and the other way round.
    actions.change_key_holders(world.j, world.taro, world.notice_cab, [world.jiro, world.taro], "")
    refused(world, "same-cabinet", actions.store_item, world.j, world.taro, sealed.medium_id,
            world.notice_cab, item=sealed.medium_id)


def test_only_key_holders_store(world, sealed):
    refused(world, "not-key-holder", actions.store_item, world.j, world.jiro, sealed.medium_id,
            world.media_cab, item=world.jiro)


def test_cannot_store_what_another_organisation_holds(world, sealed):
    refused(world, "not-in-possession", actions.store_item, world.j, world.hanako,
            sealed.medium_id, world.contractor_cab, item=sealed.medium_id)
    world.provide(sealed.medium_id)
    actions.store_item(world.j, world.hanako, sealed.medium_id, world.contractor_cab)
    assert world.item(sealed.medium_id).cabinet_id == world.contractor_cab


# --- separate occasions --------------------------------------------------------------------

def test_medium_and_notice_never_in_one_handover(world, sealed):
    refused(world, "separate-occasions", world.handover, "provide", world.taro, world.hanako,
            [sealed.medium_id, sealed.notice_id], item=sealed.notice_id)


def test_notice_to_the_same_recipient_on_the_same_day_is_refused(world, sealed):
    world.provide(sealed.medium_id)
    world.clock.advance(hours=8)
    # Another person of the same contractor is the same recipient.
    refused(world, "same-recipient-interval", world.provide, sealed.notice_id, to=world.ichiro,
            item=sealed.notice_id)
    world.clock.advance(hours=8)       # 2026-04-07 01:00 JST: the next day
    world.provide(sealed.notice_id, to=world.ichiro)


def test_medium_after_its_notice_is_checked_too(world, sealed):
    world.provide(sealed.notice_id, from_person=world.jiro)
    refused(world, "same-recipient-interval", world.provide, sealed.medium_id,
            item=sealed.medium_id)


def test_same_day_with_a_reason_is_recorded_as_an_override(world, sealed):
    world.provide(sealed.medium_id)
    r = world.provide(sealed.notice_id, override_reason="至急対応（課長承認）")
    assert [o["rule"] for o in r.overrides] == ["same-recipient-interval"]
    entry = world.entries()[-1]
    assert entry.payload["override_reason"] == "至急対応（課長承認）"
    assert entry.payload["overrides"][0]["item"] == sealed.notice_id
    listed = reports.overrides(world.j)
    assert [o["handover_id"] for o in listed] == [r.handover_id]


def test_a_reason_is_not_recorded_when_nothing_needed_it(world, sealed):
    r = world.provide(sealed.medium_id, override_reason="念のため")
    assert r.overrides == []
    assert world.entries()[-1].payload["override_reason"] is None


def test_separation_interval_in_minutes(world):
    case = actions.open_case(world.j, world.taro, "見本業務（間隔指定）", [world.contractor],
                           dt.date(2026, 4, 1), dt.date(2026, 9, 30), [world.hanako],
                           separation_minutes=120).value
    actions.authorise_workstation(world.j, world.taro,
                                   world.snapshot()["proj_workstations"][0][1], case)
    s = world.seal(case_id=case)
    world.provide(s.medium_id, case_id=case)
    world.clock.advance(minutes=119)
    refused(world, "same-recipient-interval", world.provide, s.notice_id, case_id=case)
    world.clock.advance(minutes=1)
    world.provide(s.notice_id, case_id=case)


def test_same_courier_is_refused_unless_a_reason_is_given(world, sealed):
    world.provide(sealed.medium_id, courier=world.courier)
    world.clock.advance(days=2)
    refused(world, "same-courier", world.provide, sealed.notice_id, courier=world.courier,
            item=sealed.notice_id)
    r = world.provide(sealed.notice_id, courier=world.courier, override_reason="代替者不在")
    assert [o["rule"] for o in r.overrides] == ["same-courier"]


def test_courier_must_be_rostered(world, sealed):
    refused(world, "not-on-roster", world.provide, sealed.medium_id, courier=world.outsider,
            item=world.outsider)


# --- lifecycle -----------------------------------------------------------------------------

def test_providing_what_is_already_out(world, sealed):
    world.provide(sealed.medium_id)
    world.clock.advance(days=1)
    refused(world, "already-out", world.provide, sealed.medium_id, item=sealed.medium_id)


def test_returning_what_was_never_provided(world, sealed):
    refused(world, "never-provided", world.handover, "return", world.hanako, world.taro,
            [sealed.medium_id], item=sealed.medium_id)


def test_returning_twice(world, sealed):
    world.provide(sealed.medium_id)
    world.handover("return", world.hanako, world.taro, [sealed.medium_id])
    refused(world, "already-returned", world.handover, "return", world.hanako, world.taro,
            [sealed.medium_id], item=sealed.medium_id)


def test_only_the_holder_hands_over(world, sealed):
    world.provide(sealed.medium_id)
    world.handover("transfer", world.hanako, world.sakura, [sealed.medium_id])
    refused(world, "not-holder", world.handover, "return", world.hanako, world.taro,
            [sealed.medium_id], item=sealed.medium_id)
    world.handover("return", world.sakura, world.taro, [sealed.medium_id])


def test_handovers_go_the_right_way(world, sealed):
    refused(world, "wrong-direction", world.handover, "provide", world.hanako, world.taro,
            [sealed.medium_id])
    refused(world, "wrong-direction", world.handover, "transfer", world.taro, world.hanako,
            [sealed.medium_id])


def test_items_of_another_case_are_refused(world):
    other = actions.open_case(world.j, world.taro, "別業務（見本）", [world.contractor],
                            dt.date(2026, 4, 1), dt.date(2027, 3, 31), [world.hanako]).value
    s = world.seal()
    refused(world, "wrong-case", world.provide, s.medium_id, case_id=other, item=s.medium_id)


def test_method_must_fit_the_item(world, sealed):
    refused(world, "method-mismatch", world.provide, sealed.medium_id, method="lgwan",
            item=sealed.medium_id)
    lgwan = world.seal(medium="lgwan")
    refused(world, "method-mismatch", world.provide, lgwan.medium_id, method="hand",
            item=lgwan.medium_id)
    actions.send_file(world.j, world.taro, lgwan.medium_id, lgwan.package_path,
                      service="LGWAN-ASP", to_person=world.hanako)


def test_envelopes_beyond_the_record_count(world):
    s = world.seal(records=100)
    deliver = dict(envelopes=((s.package_id, 60),))
    world.handover("deliver", world.hanako, world.taro, **deliver)
    refused(world, "envelopes-exceed-records", world.handover, "deliver", world.hanako,
            world.taro, envelopes=((s.package_id, 41),), item=s.package_id)
    r = world.handover("deliver", world.hanako, world.taro, envelopes=((s.package_id, 41),),
                       override_reason="再印刷分1通を含む")
    assert [o["rule"] for o in r.overrides] == ["envelopes-exceed-records"]
    world.handover("deliver", world.hanako, world.taro, envelopes=((s.package_id, 1),),
                   override_reason="追加")


# --- confirmation --------------------------------------------------------------------------

def test_only_the_receiving_party_confirms_once(world, sealed):
    r = world.provide(sealed.medium_id)
    refused(world, "not-receiving-party", actions.confirm_handover, world.j, world.jiro,
            r.handover_id, item=world.jiro)
    actions.confirm_handover(world.j, world.ichiro, r.handover_id, condition="異常なし")
    refused(world, "already-confirmed", actions.confirm_handover, world.j, world.hanako,
            r.handover_id, item=r.handover_id)


# --- concurrency ---------------------------------------------------------------------------

@pytest.mark.slow
def test_two_staff_cannot_both_provide_the_same_medium(world, sealed):
    """Both check under the log's lock: exactly one provision is recorded."""
    results: list = []
    barrier = threading.Barrier(2)

    def provide(to):
        barrier.wait()
        try:
            results.append(world.provide(sealed.medium_id, to=to))
        except PolicyViolation as e:
            results.append(e)

    threads = [threading.Thread(target=provide, args=(p,)) for p in (world.hanako, world.ichiro)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rules = sorted(r.rule if isinstance(r, PolicyViolation) else "ok" for r in results)
    assert rules == ["already-out", "ok"]
    assert [e.kind for e in world.entries()].count("HandoverRecorded") == 1
