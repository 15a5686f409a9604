"""Trying to break the ward's promises, on SQLite and PostgreSQL: roster bypasses by every path,
the separate-occasions rules by other routes, cabinet keys, envelope counts, IDs of the wrong
kind, handover times, failures in the middle of sealing, the password's absence, catch-up
after another process appended, overdue returns and history completeness. Every refusal
leaves the ledger and the projection unchanged (`refused`), and the world fixture checks at
teardown that `rebuild` reproduces the live projection."""

from __future__ import annotations

import datetime as dt
import os
import tempfile

import pytest
import sqlalchemy as sa

import crypto
import ledger
from handover import actions, ids, packages, reports
from handover.model import fold, tables
from handover import actions
from handover.config import Settings
from handover.actions import HandoverRequest
from handover.model.database import open_database
from handover.errors import HandoverError, NotFound, PolicyViolation
from handover.ids import InvalidID
from handover.clock import JST
from handover.model.journal import Journal, open_journal
from handover.label_codes import label_payload, load_label_key
from tests.handover.support import (HOST, capture_passwords, needs_poppler, pdf_text, refused,
                                    register_person)


def unchanged(w, fn, *args, error=HandoverError, **kwargs) -> HandoverError:
    """Call fn, expect `error` (not a rule refusal), and check that nothing changed."""
    size, snap = w.size(), w.snapshot()
    with pytest.raises(error) as info:
        fn(*args, **kwargs)
    assert w.size() == size and w.snapshot() == snap
    return info.value


def confirm(w, person, handover_id):
    return actions.confirm_handover(w.j, person, handover_id)


# --- the roster, by every path -------------------------------------------------------------

def test_someone_off_the_roster_cannot_confirm_a_receipt(world, sealed):
    r = world.provide(sealed.medium_id)
    v = refused(world, "not-on-roster", confirm, world, world.outsider, r.handover_id,
                item=world.outsider)
    assert "架空 三郎" in v.message


def test_a_ward_auditor_cannot_confirm_a_return(world, sealed):
    auditor = register_person(world.j, world.taro, "監査 一子", world.ward,
                                       ["auditor"])
    world.provide(sealed.medium_id)
    r = world.handover("return", world.hanako, world.taro, [sealed.medium_id])
    refused(world, "role-required", confirm, world, auditor, r.handover_id, item=auditor)
    confirm(world, world.jiro, r.handover_id)


def test_someone_removed_from_the_roster_can_no_longer_confirm_return_or_store(world, sealed):
    r = world.provide(sealed.medium_id, to=world.ichiro)
    actions.change_key_holders(world.j, world.taro, world.contractor_cab,
                                [world.hanako, world.ichiro], "")
    actions.change_roster(world.j, world.taro, world.case_id, remove=[world.ichiro], reason="退職")
    refused(world, "not-on-roster", confirm, world, world.ichiro, r.handover_id, item=world.ichiro)
    refused(world, "not-on-roster", actions.store_item, world.j, world.ichiro, sealed.medium_id,
            world.contractor_cab, item=world.ichiro)
    refused(world, "not-on-roster", world.handover, "return", world.ichiro, world.taro,
            [sealed.medium_id], item=world.ichiro)
    # Someone still on the roster returns it on the contractor's behalf.
    world.handover("return", world.hanako, world.taro, [sealed.medium_id])


def test_transfer_only_to_rostered_people_of_the_cases_contractors(world, sealed):
    world.provide(sealed.medium_id)
    stranger_org = actions.register_org(world.j, world.taro, "無関係印刷（架空）",
                                         "subcontractor", world.contractor).value
    stranger = register_person(world.j, world.taro, "架空 四郎", stranger_org,
                                        ["contractor_handler"])
    refused(world, "wrong-direction", world.handover, "transfer", world.hanako, stranger,
            [sealed.medium_id], item=stranger_org)
    printer_new = register_person(world.j, world.taro, "架空 五郎", world.printer,
                                           ["contractor_handler"])
    refused(world, "not-on-roster", world.handover, "transfer", world.hanako, printer_new,
            [sealed.medium_id], item=printer_new)
    # A contractor's handler may record a transfer, but not one to someone off the roster.
    refused(world, "not-on-roster", world.handover, "transfer", world.hanako, printer_new,
            [sealed.medium_id], actor=world.hanako, item=printer_new)
    refused(world, "not-on-roster", world.handover, "transfer", world.hanako, world.sakura,
            [sealed.medium_id], actor=world.outsider, item=world.outsider)
    world.handover("transfer", world.hanako, world.sakura, [sealed.medium_id], actor=world.hanako)


def test_staff_of_another_ward_section_do_not_act_on_the_case(world, sealed):
    other = actions.register_org(world.j, world.taro, "新宿区 福祉部（見本）", "ward").value
    stranger = register_person(world.j, world.taro, "見本 三子", other, ["staff"])
    actions.register_cabinet(world.j, world.taro, "福祉部書庫", other, [stranger])
    refused(world, "not-on-roster", world.provide, sealed.medium_id, from_person=stranger,
            item=stranger)
    refused(world, "not-on-roster", world.provide, sealed.medium_id, actor=stranger, item=stranger)
    refused(world, "not-on-roster", world.seal, actor=stranger, item=stranger)
    r = world.provide(sealed.medium_id)
    world.clock.advance(days=1)
    ret = world.handover("return", world.hanako, world.taro, [sealed.medium_id])
    refused(world, "not-receiving-party", confirm, world, stranger, ret.handover_id, item=stranger)
    refused(world, "not-on-roster", world.handover, "return", world.hanako, stranger,
            [sealed.notice_id], item=stranger)
    assert r


# --- separate occasions by other routes ----------------------------------------------------

def test_same_day_is_the_day_in_japan_not_in_utc(world):
    world.clock.now = dt.datetime(2026, 4, 5, 20, 0, tzinfo=JST)
    s1, s2 = world.seal(), world.seal()
    world.clock.now = dt.datetime(2026, 4, 9, 12, 0, tzinfo=JST)
    utc = dt.timezone.utc
    # 23:30 JST and 00:10 JST the next day: the same UTC day, different days in Japan.
    world.provide(s1.medium_id, occurred_at=dt.datetime(2026, 4, 6, 23, 30, tzinfo=JST))
    world.provide(s1.notice_id, occurred_at=dt.datetime(2026, 4, 6, 15, 10, tzinfo=utc))
    # 00:10 JST and 23:00 JST: different UTC days, the same day in Japan.
    world.provide(s2.medium_id, occurred_at=dt.datetime(2026, 4, 6, 0, 10, tzinfo=JST))
    refused(world, "same-recipient-interval", world.provide, s2.notice_id,
            occurred_at=dt.datetime(2026, 4, 6, 14, 0, tzinfo=utc), item=s2.notice_id)


def test_scanned_pickup_obeys_the_separate_occasions_rules(world, sealed):
    key = load_label_key(world.label_key)
    world.provide(sealed.medium_id)
    station = actions.open_station(world.j, label_key_path=world.label_key,
                                       expected=[sealed.notice_id])
    station.scan(label_payload(sealed.notice_id, key))
    req = HandoverRequest(world.case_id, "provide", world.jiro, world.ichiro, "hand")
    refused(world, "same-recipient-interval", actions.record_scanned, world.j, world.jiro,
            station, req, item=sealed.notice_id)

    s2 = world.seal()
    both = actions.open_station(world.j, label_key_path=world.label_key)
    for item in (s2.medium_id, s2.notice_id):
        both.scan(label_payload(item, key))
    refused(world, "separate-occasions", actions.record_scanned, world.j, world.taro, both,
            HandoverRequest(world.case_id, "provide", world.taro, world.hanako, "hand"),
            item=s2.notice_id)


def test_same_courier_on_another_route_notice_first(world, sealed):
    world.provide(sealed.notice_id, courier=world.courier)
    world.clock.advance(days=3)
    refused(world, "same-courier", world.provide, sealed.medium_id, courier=world.courier,
            item=sealed.medium_id)


# --- what a handover may carry -------------------------------------------------------------

@pytest.mark.parametrize("kind", ["package", "case", "cabinet"])
def test_ids_of_the_wrong_kind_are_refused_by_kind(world, sealed, kind):
    wrong = {"package": sealed.package_id, "case": world.case_id, "cabinet": world.media_cab}[kind]
    e = unchanged(world, world.provide, wrong, error=InvalidID)
    assert e.reason == "kind" and wrong in e.message and "medium" in e.message
    assert "not registered" not in e.message
    if kind == "package":
        assert sealed.medium_id in e.hint and sealed.notice_id in e.hint
    e = unchanged(world, actions.store_item, world.j, world.taro, wrong, world.media_cab,
                  error=InvalidID)
    assert e.reason == "kind"


def test_unknown_and_mistyped_ids_name_the_id(world, sealed):
    ghost_medium, ghost_case, ghost_h = ids.new_id("M"), ids.new_id("C"), ids.new_id("H")
    e = unchanged(world, world.provide, ghost_medium, error=NotFound)
    assert ghost_medium in e.message and e.hint
    e = unchanged(world, world.provide, sealed.medium_id, case_id=ghost_case, error=NotFound)
    assert ghost_case in e.message
    e = unchanged(world, confirm, world, world.hanako, ghost_h, error=NotFound)
    assert ghost_h in e.message
    e = unchanged(world, world.provide, sealed.medium_id, to=ids.new_id("U"), error=NotFound)
    e = unchanged(world, actions.store_item, world.j, world.taro, sealed.medium_id,
                  ids.new_id("K"), error=NotFound)
    typo = sealed.medium_id[:-1] + ("0" if sealed.medium_id[-1] != "0" else "1")
    e = unchanged(world, world.provide, typo, error=InvalidID)
    assert e.reason == "check"
    e = unchanged(world, confirm, world, world.hanako, sealed.notice_id, error=InvalidID)
    assert e.reason == "kind" and "handover" in e.message


def test_a_delivery_carries_only_sealed_envelopes(world, sealed):
    world.provide(sealed.medium_id)
    e = unchanged(world, world.handover, "deliver", world.hanako, world.taro, [sealed.medium_id],
                  envelopes=((sealed.package_id, 5),))
    assert "return" in e.hint


def test_envelopes_listed_twice_cannot_exceed_the_record_count(world):
    s = world.seal(records=100)
    unchanged(world, world.handover, "deliver", world.hanako, world.taro,
              envelopes=((s.package_id, 60), (s.package_id, 60)))


def test_envelopes_of_another_cases_package_name_the_rule(world):
    other = actions.open_case(world.j, world.taro, "別業務（見本）", [world.contractor],
                            dt.date(2026, 4, 1), dt.date(2027, 3, 31), [world.hanako]).value
    s = world.seal()
    refused(world, "wrong-case", world.handover, "deliver", world.hanako, world.taro,
            envelopes=((s.package_id, 5),), case_id=other, item=s.package_id)


@pytest.mark.parametrize("count", [0, -3, 10**12])
def test_implausible_envelope_counts_are_refused(world, count):
    s = world.seal(records=10)
    e = unchanged(world, world.handover, "deliver", world.hanako, world.taro,
                  envelopes=((s.package_id, count),), override_reason="念のため")
    assert str(count) in e.message or "positive" in e.message


# --- cabinets and keys ---------------------------------------------------------------------

def test_taking_an_item_out_of_a_cabinet_needs_its_key(world, sealed):
    actions.store_item(world.j, world.taro, sealed.medium_id, world.media_cab)
    # 次郎 holds no key of the media cabinet: he can neither move the medium nor hand it out.
    extra = actions.register_cabinet(world.j, world.taro, "予備庫", world.ward, [world.jiro]).value
    refused(world, "not-key-holder", actions.store_item, world.j, world.jiro, sealed.medium_id,
            extra, item=world.jiro)
    refused(world, "not-key-holder", world.provide, sealed.medium_id, from_person=world.jiro,
            item=world.jiro)
    world.provide(sealed.medium_id)          # 太郎 holds the key


def test_a_counterpart_that_is_out_does_not_free_its_cabinet_forever(world, sealed):
    actions.store_item(world.j, world.jiro, sealed.notice_id, world.notice_cab)
    world.provide(sealed.notice_id, from_person=world.jiro)
    actions.change_key_holders(world.j, world.taro, world.notice_cab, [world.jiro, world.taro], "")
    # The notice is out, so its old cabinet may take the medium…
    actions.store_item(world.j, world.taro, sealed.medium_id, world.notice_cab)
    world.clock.advance(days=1)
    world.handover("return", world.hanako, world.jiro, [sealed.notice_id])
    # …and then the returning notice may not join it there.
    refused(world, "same-cabinet", actions.store_item, world.j, world.jiro, sealed.notice_id,
            world.notice_cab, item=sealed.notice_id)
    actions.store_item(world.j, world.taro, sealed.notice_id, world.media_cab)


# --- the claimed time ----------------------------------------------------------------------

def test_a_handover_time_in_the_future_is_refused(world, sealed):
    # Claiming tomorrow would slip the notice past the same-day rule.
    world.provide(sealed.medium_id)
    e = unchanged(world, world.provide, sealed.notice_id,
                  occurred_at=world.clock.now + dt.timedelta(days=1))
    assert "future" in e.message


def test_a_handover_before_the_item_got_where_it_is_is_refused(world, sealed):
    world.clock.advance(days=2)
    refused(world, "out-of-order", world.provide, sealed.medium_id,
            occurred_at=world.clock.now - dt.timedelta(days=3), item=sealed.medium_id)
    world.provide(sealed.medium_id, occurred_at=world.clock.now - dt.timedelta(days=1))


# --- closed cases --------------------------------------------------------------------------

def test_closed_case_refuses_confirmation_scan_and_workstations(world, sealed):
    r = world.provide(sealed.medium_id)
    world.clock.advance(days=1)
    world.handover("return", world.hanako, world.taro, [sealed.medium_id])
    actions.close_case(world.j, world.taro, world.case_id, "業務終了", override_reason="確認書は紙で回収済み")
    refused(world, "case-closed", confirm, world, world.hanako, r.handover_id)
    key = load_label_key(world.label_key)
    station = actions.open_station(world.j, label_key_path=world.label_key)
    station.scan(label_payload(sealed.notice_id, key))
    refused(world, "case-closed", actions.record_scanned, world.j, world.taro, station,
            HandoverRequest(world.case_id, "provide", world.taro, world.hanako, "hand"))
    refused(world, "case-closed", actions.register_workstation, world.j, world.taro, "pc-2",
            cases=[world.case_id])
    refused(world, "case-closed", actions.close_case, world.j, world.taro, world.case_id)


# --- scanning station manifests --------------------------------------------------------------

def test_scanning_against_an_unknown_handover_or_item_is_refused(world, sealed):
    with pytest.raises(NotFound) as info:
        actions.open_station(world.j, label_key_path=world.label_key,
                                 handover_id=ids.new_id("H"))
    assert "handover" in info.value.message
    ghost = ids.new_id("M")
    with pytest.raises(NotFound) as info:
        actions.open_station(world.j, label_key_path=world.label_key, expected=[ghost])
    assert ghost in info.value.message
    with pytest.raises(InvalidID):
        actions.open_station(world.j, label_key_path=world.label_key,
                                 expected=[sealed.package_id])


# --- sealing fails part-way: nothing is left, nothing recorded -------------------------------

def _nothing_left(w, out, notices, labels=None):
    for d in (out, notices, labels):
        if d is not None and d.is_dir():
            assert list(d.iterdir()) == [], d


def test_seal_of_a_missing_file_leaves_nothing(world, tmp_path):
    out, notices = tmp_path / "o", tmp_path / "n"
    unchanged(world, actions.seal_extract, world.j, world.taro, world.case_id,
              [tmp_path / "nope.csv"], medium_kind="cd-r", content="見本", out_dir=out,
              notice_dir=notices)
    _nothing_left(world, out, notices)


def test_seal_too_big_for_the_medium_leaves_nothing(world, tmp_path, monkeypatch):
    monkeypatch.setitem(crypto.media.MEDIA, "cd-r", 512)
    out, notices = tmp_path / "o", tmp_path / "n"
    e = unchanged(world, world.seal, records=50, medium="cd-r", out_dir=out, notice_dir=notices)
    assert "CD-R" in e.message or "cd-r" in e.message
    _nothing_left(world, out, notices)


def test_seal_into_an_unusable_notice_directory_is_a_clear_error(world, tmp_path):
    blocker = tmp_path / "printer-share"
    blocker.write_text("not a directory")
    out = tmp_path / "o"
    e = unchanged(world, world.seal, out_dir=out, notice_dir=blocker / "notices")
    assert str(blocker / "notices") in e.message and e.hint
    _nothing_left(world, out, None)


def test_seal_whose_notice_cannot_be_written_leaves_no_package(world, tmp_path, monkeypatch):
    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(crypto, "stage_bytes", disk_full)   # the notice's staging write
    out, notices = tmp_path / "o", tmp_path / "n"
    e = unchanged(world, world.seal, out_dir=out, notice_dir=notices)
    assert "No space left" in e.message and "notice" in e.message
    _nothing_left(world, out, notices)


def test_seal_whose_labels_cannot_be_written_records_nothing(world, tmp_path):
    blocker = tmp_path / "labels-file"
    blocker.write_text("x")
    out, notices = tmp_path / "o", tmp_path / "n"
    unchanged(world, world.seal, out_dir=out, notice_dir=notices, labels_dir=blocker / "l",
              label_key_path=world.label_key)
    _nothing_left(world, out, notices)


def test_the_password_is_nowhere_but_on_the_notice(world, tmp_path, monkeypatch):
    seen = capture_passwords(monkeypatch)
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    s = world.seal(labels_dir=tmp_path / "labels", label_key_path=world.label_key)
    world.provide(s.medium_id)
    (password,) = seen
    forms = {password, password.replace("-", ""), password.lower(),
             password.replace("-", " ")}
    with world.j.engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        dump = []
        for name in tables:
            for row in conn.execute(sa.text(f"SELECT * FROM {name}")):
                dump += [bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode()
                         for v in row]
    blob = b"\n".join(dump)
    for form in forms:
        assert form.encode() not in blob
    for root, _, files in os.walk(tmp_path):
        for name in files:
            path = os.path.join(root, name)
            if path == str(s.notice_path):
                continue
            data = open(path, "rb").read()
            for form in forms:
                assert form.encode() not in data, path
    assert os.listdir(scratch) == []


# --- the projection --------------------------------------------------------------------------

def test_entries_appended_by_another_process_are_folded_in_first(world, sealed, db_url):
    other_engine = open_database(db_url, create=True)
    try:
        settings = Settings(db_url, world.j.key_path, world.j.log)
        actions.record_remark(open_journal(settings).unlocked(world.j.signers[world.taro]),
                              world.taro, "立入検査（見本）")
        other = Journal(other_engine, world.j.log, world.j.key_path, clock=world.clock,
                        host=HOST, os_user="someone-else", signers=world.j.signers)
        actions.store_item(other, world.taro, sealed.medium_id, world.media_cab)
    finally:
        other_engine.dispose()
    # Our journal's reads and writes see what the other process recorded.
    assert reports.status(world.j)["cases"][0]["items"][0]["cabinet_id"] == world.media_cab
    refused(world, "same-cabinet", actions.store_item, world.j, world.taro, sealed.notice_id,
            world.media_cab)
    with world.j.engine.connect() as conn:
        assert fold.applied_size(conn, world.j.log) == ledger.log_size(conn, world.j.log)


# --- reports -----------------------------------------------------------------------------------

def test_overdue_starts_on_the_day_after_the_period_in_japan(world, sealed):
    world.provide(sealed.medium_id)
    world.clock.now = dt.datetime(2026, 6, 30, 23, 59, tzinfo=JST)   # period_end 2026-06-30
    case = reports.status(world.j, world.case_id)["cases"][0]
    assert case["out"] == [sealed.medium_id] and case["overdue"] == []
    world.clock.now = dt.datetime(2026, 6, 30, 15, 0, tzinfo=dt.timezone.utc)  # 7/1 0:00 JST
    case = reports.status(world.j, world.case_id)["cases"][0]
    assert case["overdue"] == [sealed.medium_id]
    assert reports.history(world.j, sealed.medium_id)["current"]["overdue"] is True
    world.handover("return", world.hanako, world.taro, [sealed.medium_id])
    assert reports.status(world.j, world.case_id)["cases"][0]["overdue"] == []


def test_history_is_complete(world, sealed):
    kinds = [e["kind"] for e in reports.history(world.j, sealed.medium_id)["entries"]]
    assert kinds == ["PackageSealed", "MediumRegistered"]
    world.handover("deliver", world.hanako, world.taro, envelopes=((sealed.package_id, 3),))
    kinds = [e["kind"] for e in reports.history(world.j, sealed.package_id)["entries"]]
    assert kinds == ["PackageSealed", "MediumRegistered", "NoticeIssued", "HandoverRecorded"]
    actions.change_roster(world.j, world.taro, world.case_id, add_handlers=[world.outsider])
    actions.change_key_holders(world.j, world.taro, world.media_cab, [world.jiro], "異動")
    person = [e["kind"] for e in reports.history(world.j, world.outsider)["entries"]]
    assert person == ["PersonRegistered", "CredentialRegistered", "RosterChanged"]
    taro = [e["kind"] for e in reports.history(world.j, world.taro)["entries"]]
    assert "CabinetKeyHoldersChanged" in taro and "CabinetRegistered" in taro
    hanako = [e["kind"] for e in reports.history(world.j, world.hanako)["entries"]]
    assert "CaseOpened" in hanako


# --- overrides reach the 確認書 and the audit reports ----------------------------------------

def test_closing_with_items_out_is_listed_among_the_overrides(world, sealed):
    r0 = world.provide(sealed.medium_id)
    actions.close_case(world.j, world.taro, world.case_id, "契約解除",
                     override_reason="媒体紛失届受理済み")
    (o,) = reports.overrides(world.j)
    assert (o["case_id"], o["reason"]) == (world.case_id, "媒体紛失届受理済み")
    assert [(r["rule"], r["item"]) for r in o["rules"]] == [
        ("items-outstanding", sealed.medium_id), ("unconfirmed-handovers", r0.handover_id),
        ("erasure-certificate-missing", world.contractor)]
    assert [x["reason"] for x in reports.status(world.j)["cases"][0]["overrides"]] == [o["reason"]]
    kinds = [e["kind"] for e in reports.history(world.j, sealed.medium_id)["entries"]]
    assert kinds[-1] == "CaseClosed"


@needs_poppler
def test_the_override_reason_is_printed_on_the_kakuninsho(world, sealed, tmp_path):
    world.provide(sealed.medium_id)
    r = world.provide(sealed.notice_id, override_reason="至急対応（課長承認）", pdf_dir=tmp_path)
    text = pdf_text(r.pdf_path).replace("\n", "")
    assert "至急対応（課長承認）" in text and "same-recipient-interval" in text


def test_a_person_cannot_hand_over_to_themselves(world, sealed):
    world.provide(sealed.medium_id)
    e = unchanged(world, world.handover, "transfer", world.hanako, world.hanako,
                  [sealed.medium_id])
    assert world.hanako in e.message


# --- 確認書 and label output that cannot be written ------------------------------------------

def test_an_unusable_pdf_directory_refuses_before_recording(world, sealed, tmp_path):
    blocker = tmp_path / "share"
    blocker.write_text("x")
    e = unchanged(world, world.provide, sealed.medium_id, pdf_dir=blocker / "pdf")
    assert str(blocker / "pdf") in e.message and e.hint


def test_a_kakuninsho_that_fails_after_recording_says_it_was_recorded(world, sealed, tmp_path,
                                                                      monkeypatch):
    from handover.reports import confirmation as confirmations

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(confirmations, "write_pdf", disk_full)
    size = world.size()
    with pytest.raises(HandoverError) as info:
        world.provide(sealed.medium_id, pdf_dir=tmp_path / "pdf")
    assert world.size() == size + 1            # recorded, and it says so
    (h,) = [e.payload["handover_id"] for e in world.entries()[size:]]
    assert h in info.value.message and "recorded" in info.value.message
    assert f"handover print {h}" in info.value.hint


def test_labels_into_an_unusable_directory_are_a_clear_error(world, sealed, tmp_path):
    from handover import label_codes, reports
    blocker = tmp_path / "labels"
    blocker.write_text("x")
    with pytest.raises(HandoverError) as info:
        reports.print_labels(world.j, [sealed.medium_id], case_id=None,
                               key_path=world.label_key, out_dir=blocker / "x")
    assert str(blocker / "x") in info.value.message


def test_a_case_with_unconfirmed_handovers_closes_only_with_a_reason(world, sealed):
    r = world.provide(sealed.medium_id)
    world.clock.advance(days=1)
    world.handover("return", world.hanako, world.taro, [sealed.medium_id])
    # Closing would leave the provision unconfirmed for ever (a closed case accepts nothing).
    refused(world, "unconfirmed-handovers", actions.close_case, world.j, world.taro,
            world.case_id, item=r.handover_id)
    actions.close_case(world.j, world.taro, world.case_id, "業務終了",
                     override_reason="受託者倒産により確認不能")
    (o,) = reports.overrides(world.j)
    assert [x["rule"] for x in o["rules"]] == ["unconfirmed-handovers", "unconfirmed-handovers",
                                               "erasure-certificate-missing"]
