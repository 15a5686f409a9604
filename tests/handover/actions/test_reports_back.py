"""Encrypted reports from the contractor back to the ward (issue 11 §4, 004 受託事業者 6):
sealed on the contractor's designated computer by a rostered handler, medium and notice
handed to the ward by hand on separate occasions, each with a 確認書 titled 報告データの納品
that a ward person confirms. Every refusal on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import subprocess

from handover import actions
from handover.errors import EXIT_REFUSED
from tests.handover.support import TINY_KDF, needs_poppler, pdf_text, refused

CONTRACTOR_HOST = "tourist-pc-07"


def _contractor_pc(w, *, designated: bool = True):
    """The contractor's computer, registered for the contractor (and the case, when
    `designated`), and a journal that runs on it."""
    actions.register_workstation(w.j, w.taro, CONTRACTOR_HOST, "受託者暗号化PC",
                                 [w.case_id] if designated else [], org_id=w.contractor)
    return dataclasses.replace(w.j, host=CONTRACTOR_HOST)


def _seal_report(w, j, actor=None, *, medium="usb", **kw):
    src = w.tmp / "report.csv"
    src.write_text("番号,氏名,結果\n" + "".join(f"{i},見本 {i},未着\n" for i in range(7)),
                   encoding="utf-8")
    return actions.seal_report(j, actor or w.hanako, w.case_id, [src], medium_kind=medium,
                               content="不着返戻者一覧（報告）", out_dir=w.tmp / "rout",
                               notice_dir=w.tmp / "rnotices", kdf_params=TINY_KDF, **kw)


def _report(w, items, *, method="hand", actor=None, **kw):
    return w.handover("report", kw.pop("from_person", w.hanako), kw.pop("to", w.taro), items,
                      method=method, actor=actor or w.hanako, **kw)


def _left_no_files(w):
    for d in ("rout", "rnotices"):
        assert not (w.tmp / d).exists() or not any((w.tmp / d).iterdir())


@needs_poppler
def test_a_report_is_sealed_by_the_contractor_and_handed_to_the_ward_on_two_days(world):
    w = world
    j = _contractor_pc(w)
    r = _seal_report(w, j, labels_dir=w.tmp / "rlabels", label_key_path=w.label_key)
    assert r.record_count == 7 and r.medium_kind == "usb"
    with w.j.reading() as st:
        assert st.package(r.package_id).report
        medium, notice = st.item(r.medium_id), st.item(r.notice_id)
    # Both start with the contractor, who sealed them.
    assert (medium.holder_org, notice.holder_org) == (w.contractor, w.contractor)
    assert r.package_path.exists() and r.notice_path.exists()
    assert r.notice_path.parent != r.package_path.parent
    # Its own notice says it is a report, goes to the ward by hand, and is not "returned".
    notice = "".join(pdf_text(r.notice_path).split())
    for field in ("パスワード通知書（区への報告データ）", r.notice_id, r.package_id, r.sha256,
                  "手渡しで区の職員に納品", "発行者（委託先）", "株式会社見本ツーリスト架空花子"):
        assert field in notice, field
    assert "返却してください" not in notice
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(r.notice_path), "/tmp/rb/report-notice"],
                   check=True)
    # Kept in the contractor's locked cabinets, apart from each other.
    second = actions.register_cabinet(w.j, w.taro, "受託者金庫2", w.contractor, [w.hanako]).value
    actions.store_item(w.j, w.hanako, r.medium_id, w.contractor_cab)
    refused(w, "same-cabinet", actions.store_item, w.j, w.hanako, r.notice_id, w.contractor_cab)
    actions.store_item(w.j, w.hanako, r.notice_id, second)

    w.clock.advance(hours=1)
    pdfs = w.tmp / "kakuninsho"
    first = _report(w, [r.medium_id], pdf_dir=pdfs)
    w.clock.advance(days=1)
    second_h = _report(w, [r.notice_id], to=w.jiro, courier=w.courier, pdf_dir=pdfs)
    with w.j.reading() as st:
        assert st.item(r.medium_id).holder_org == w.ward
        assert st.item(r.notice_id).holder_person == w.jiro
        assert st.handover(first.handover_id).moment == "report"

    # A ward person confirms; the contractor cannot confirm its own report.
    refused(w, "not-receiving-party", actions.confirm_handover, w.j, w.hanako,
            first.handover_id)
    done = actions.confirm_handover(w.j, w.taro, first.handover_id, condition="封緘異常なし",
                                    pdf_dir=pdfs)
    actions.confirm_handover(w.j, w.jiro, second_h.handover_id, pdf_dir=pdfs)

    text = pdf_text(done.pdf_path)
    for field in ("報告データの納品（媒体）", "不着返戻者一覧（報告）", first.handover_id,
                  r.medium_id, "手渡し", "株式会社見本ツーリスト", "架空 花子", "見本 太郎",
                  "封緘異常なし", "令和8年", "2026"):
        assert field in text, field
    notice_text = pdf_text(second_h.pdf_path)
    assert "報告データの納品（パスワード通知書）" in notice_text and r.notice_id in notice_text
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(done.pdf_path),
                    "/tmp/rb/report-kakuninsho"], check=True)


def test_mail_is_refused_for_a_report(world):
    w = world
    r = _seal_report(w, _contractor_pc(w))
    v = refused(w, "report-by-hand", _report, w, [r.medium_id], method="registered_mail",
                item="registered_mail")
    assert v.exit_code == EXIT_REFUSED and "手渡し" in v.message
    refused(w, "report-by-hand", _report, w, [r.notice_id], method="lgwan", item="lgwan")


def test_a_report_is_not_an_lgwan_file(world):
    w = world
    j = _contractor_pc(w)
    refused(w, "report-by-hand", _seal_report, w, j, medium="lgwan", item="lgwan")
    _left_no_files(w)


def test_medium_and_notice_of_a_report_never_reach_the_ward_together_or_the_same_day(world):
    w = world
    r = _seal_report(w, _contractor_pc(w))
    refused(w, "separate-occasions", _report, w, [r.medium_id, r.notice_id], item=r.notice_id)
    _report(w, [r.medium_id])
    w.clock.advance(hours=3)
    refused(w, "same-recipient-interval", _report, w, [r.notice_id], to=w.jiro,
            item=r.notice_id)


def test_the_same_courier_does_not_carry_a_reports_medium_and_notice(world):
    w = world
    r = _seal_report(w, _contractor_pc(w))
    _report(w, [r.medium_id], courier=w.courier)
    w.clock.advance(days=1)
    refused(w, "same-courier", _report, w, [r.notice_id], courier=w.courier, item=r.notice_id)


def test_a_report_is_sealed_only_on_the_contractors_designated_computer(world):
    w = world
    # The ward's computer, designated for the case, is not the contractor's.
    v = refused(w, "workstation-not-registered", _seal_report, w, w.j, item="ward-pc-01")
    assert "registered for the ward" in v.message
    # The contractor's computer, not designated for this case.
    j = _contractor_pc(w, designated=False)
    refused(w, "workstation-not-registered", _seal_report, w, j, item=CONTRACTOR_HOST)
    # A computer no one registered.
    stray = dataclasses.replace(w.j, host="home-laptop")
    refused(w, "workstation-not-registered", _seal_report, w, stray, item="home-laptop")
    _left_no_files(w)


def test_the_ward_does_not_seal_its_own_data_on_a_contractors_computer(world):
    w = world
    j = _contractor_pc(w)
    src = w.tmp / "extract.csv"
    src.write_text("番号,氏名\n1,見本\n", encoding="utf-8")
    v = refused(w, "workstation-not-registered", actions.seal_extract, j, w.taro, w.case_id,
                [src], medium_kind="dvd-r", content="見本データ", out_dir=w.tmp / "rout",
                notice_dir=w.tmp / "rnotices", kdf_params=TINY_KDF, item=CONTRACTOR_HOST)
    assert "株式会社見本ツーリスト" in v.message
    _left_no_files(w)


def test_only_a_rostered_handler_of_the_contractor_seals_and_hands_over_a_report(world):
    w = world
    j = _contractor_pc(w)
    refused(w, "not-on-roster", _seal_report, w, j, w.outsider, item=w.outsider)
    r = _seal_report(w, j)
    refused(w, "not-on-roster", _report, w, [r.medium_id], actor=w.outsider, item=w.outsider)
    refused(w, "not-on-roster", _report, w, [r.medium_id], from_person=w.outsider,
            item=w.outsider)


def test_the_ward_does_not_seal_a_report(world):
    w = world
    j = _contractor_pc(w)
    v = refused(w, "report-by-contractor", _seal_report, w, j, w.taro, item=w.taro)
    assert "区への報告データは委託先が暗号化します" in v.message
    _left_no_files(w)


def test_a_report_moves_only_as_a_report_and_a_report_carries_only_reports(world, sealed):
    w = world
    r = _seal_report(w, _contractor_pc(w))
    # The ward's own medium, provided to the contractor, does not come back as a "report".
    w.provide(sealed.medium_id)
    refused(w, "report-moment", _report, w, [sealed.medium_id], item=sealed.medium_id)
    # The report's medium is not "returned" nor "transferred" to the printer.
    refused(w, "report-moment", w.handover, "return", w.hanako, w.taro, [r.medium_id],
            item=r.medium_id)
    refused(w, "report-moment", w.handover, "transfer", w.hanako, w.sakura, [r.medium_id],
            actor=w.hanako, item=r.medium_id)
    # A report goes to the ward, nowhere else.
    refused(w, "wrong-direction", _report, w, [r.medium_id], to=w.sakura)
    _report(w, [r.medium_id])
    w.clock.advance(days=1)
    # Once delivered it is the ward's: the contractor cannot hand it over again.
    refused(w, "not-holder", _report, w, [r.medium_id], item=r.medium_id)
