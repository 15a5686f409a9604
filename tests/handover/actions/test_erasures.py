"""Erasure certificates (消去証明書) and the close-out gate (issue 10 §2), on SQLite and
PostgreSQL: recorded by the contractor that erased, received by the ward (a sub-contractor's
also by its contractor), checked by the ward; a case closes only when every LGWAN file and
every organisation that held the data is covered, and a refusal names every unmet condition."""

from __future__ import annotations

import datetime as dt

import pytest

from handover import actions, reports
from handover.errors import HandoverError, PolicyViolation
from tests.handover.support import needs_poppler, pdf_text, refused

DAY = dt.date(2026, 4, 6)


def _erase(w, sources, actor=None, **kw):
    args = dict(erased="復号したデータ、作業用の複製、加工したファイル", sources=sources,
                locations=["作業用PC-01", "ファイルサーバ FS-2"], method="purge",
                tool="見本消去ツール v2", performed_by=w.ichiro, verified_by=w.hanako,
                erased_on=DAY, place="受託者本社 3階 作業室")
    case_id = kw.pop("case_id", w.case_id)
    args.update(kw)
    return actions.record_erasure(w.j, actor or w.hanako, case_id, **args).value


def _sent_lgwan(w):
    s = w.seal(medium="lgwan")
    actions.send_file(w.j, w.taro, s.medium_id, s.package_path, service="ASP", to_person=w.hanako)
    actions.receive_file(w.j, w.hanako, s.package_path)
    return s


def test_the_close_out_gate_names_every_unmet_condition(world):
    w = world
    s = _sent_lgwan(w)
    v = refused(w, "lgwan-file-not-erased", actions.close_case, w.j, w.taro, w.case_id,
                item=s.medium_id)
    assert "erasure-certificate-missing" in v.message and w.contractor in v.message
    x = _erase(w, [s.package_id])
    v = refused(w, "lgwan-file-not-erased", actions.close_case, w.j, w.taro, w.case_id)
    assert "erasure-certificate-missing" in v.message     # recorded, but not yet received
    actions.receive_certificate(w.j, w.taro, x)
    actions.check_erasure(w.j, w.taro, x, "作業用PCの対象フォルダが空であることを確認")
    actions.close_case(w.j, w.taro, w.case_id, "業務終了")
    case = reports.status(w.j, w.case_id)["cases"][0]
    assert case["status"] == "closed" and case["overrides"] == []
    [cert] = case["erasure_certificates"]
    assert cert["ward_received_at"] and cert["checked_at"]
    shown = reports.show_erasure(w.j, x)
    assert shown["locations"] == ["作業用PC-01", "ファイルサーバ FS-2"]
    assert shown["method_label"] == "暗号化消去・完全消去"


def test_an_override_records_every_unmet_condition(world):
    w = world
    s = _sent_lgwan(w)
    actions.close_case(w.j, w.taro, w.case_id, override_reason="委託先倒産のため")
    [closing] = reports.status(w.j, w.case_id)["cases"][0]["overrides"]
    assert [r["rule"] for r in closing["rules"]] == ["lgwan-file-not-erased",
                                                      "erasure-certificate-missing"]
    assert closing["rules"][0]["item"] == s.medium_id


def test_a_subcontractor_that_held_data_certifies_to_the_ward_and_its_contractor(world):
    w = world
    boss = actions.register_person(w.j, w.taro, "架空 印刷長", w.printer,
                                   ["responsible_handler"]).value
    actions.change_roster(w.j, w.taro, w.case_id, add_responsible=[boss])
    s = w.seal()
    h = w.provide(s.medium_id)
    actions.confirm_handover(w.j, w.hanako, h.handover_id)
    w.clock.advance(hours=1)
    t = w.handover("transfer", w.hanako, w.sakura, [s.medium_id], actor=w.hanako)
    actions.confirm_handover(w.j, w.sakura, t.handover_id)
    w.clock.advance(hours=1)
    r = w.handover("return", w.sakura, w.taro, [s.medium_id])
    actions.confirm_handover(w.j, w.taro, r.handover_id)
    v = refused(w, "erasure-certificate-missing", actions.close_case, w.j, w.taro, w.case_id,
                item=w.contractor)
    assert w.printer in v.message
    mine = _erase(w, [s.medium_id])
    theirs = _erase(w, [s.package_id], actor=w.sakura, performed_by=w.sakura, verified_by=boss)
    actions.receive_certificate(w.j, w.hanako, theirs)             # the contractor's copy
    refused(w, "certificate-already-received", actions.receive_certificate, w.j, w.hanako,
            theirs, item=theirs)
    refused(w, "not-receiving-party", actions.receive_certificate, w.j, w.hanako, mine,
            item=w.contractor)
    actions.receive_certificate(w.j, w.taro, mine)
    v = refused(w, "erasure-certificate-missing", actions.close_case, w.j, w.taro, w.case_id,
                item=w.printer)
    actions.receive_certificate(w.j, w.taro, theirs)
    actions.close_case(w.j, w.taro, w.case_id, "業務終了")
    got = reports.show_erasure(w.j, theirs)
    assert got["ward_received_at"] and got["contractor_received_at"]


def test_erasure_refusals(world, sealed):
    w = world
    refused(w, "erasure-other-org", _erase, w, [sealed.package_id], performed_by=w.sakura,
            item=w.sakura)
    refused(w, "verifier-not-responsible", _erase, w, [sealed.package_id], verified_by=w.ichiro,
            item=w.ichiro)
    refused(w, "not-on-roster", _erase, w, [sealed.package_id], actor=w.outsider, item=w.outsider)
    refused(w, "erasure-other-org", _erase, w, [sealed.package_id], actor=w.taro, item=w.ward)
    other = actions.open_case(w.j, w.taro, "別業務", [w.contractor], dt.date(2026, 4, 1),
                              dt.date(2026, 5, 1), [w.hanako]).value
    refused(w, "wrong-case", _erase, w, [sealed.package_id], case_id=other, performed_by=w.hanako,
            item=sealed.package_id)
    x = _erase(w, [sealed.package_id])
    refused(w, "certificate-not-received", actions.check_erasure, w.j, w.taro, x, "確認", item=x)
    actions.receive_certificate(w.j, w.taro, x)
    refused(w, "certificate-already-received", actions.receive_certificate, w.j, w.jiro, x, item=x)
    refused(w, "role-required", actions.check_erasure, w.j, w.hanako, x, "確認", item=w.hanako)


@pytest.mark.parametrize("kw, says", [
    ({"method": "shred"}, "unknown erasure method"),
    ({"sources": []}, "name the packages or media"),
    ({"locations": []}, "computers and servers"),
    ({"tool": " "}, "the erasure tool is empty"),
    ({"erased_on": dt.date(2026, 4, 7)}, "in the future"),
])
def test_bad_erasure_input_is_a_plain_error(world, sealed, kw, says):
    size, kw = world.size(), dict(kw)
    with pytest.raises(HandoverError) as info:
        _erase(world, kw.pop("sources", [sealed.package_id]), **kw)
    assert not isinstance(info.value, PolicyViolation)
    assert says in info.value.message and world.size() == size


@needs_poppler
def test_the_shokyo_shomeisho_prints_what_the_ledger_holds(world, sealed, tmp_path):
    w = world
    x = _erase(w, [sealed.package_id, sealed.medium_id])
    actions.receive_certificate(w.j, w.taro, x)
    pdf = reports.print_erasure(w.j, x, tmp_path / "pdf")
    text = pdf_text(pdf).replace("\n", "")
    for want in ("消去証明書", x, "復号したデータ", sealed.package_id, sealed.medium_id,
                 "作業用PC-01", "ファイルサーバ FS-2", "暗号化消去・完全消去", "purge",
                 "見本消去ツール v2", "架空 一郎", "架空 花子", "令和8年4月6日", "2026-04-06",
                 "受託者本社 3階 作業室", "株式会社見本ツーリスト", "取扱責任者", "区受領"):
        assert want in text, want
