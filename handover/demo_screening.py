"""`handover demo --case screening`: seeds/000's year, the cancer-screening reminders, end to
end in a fresh directory (issue 10 §6).

Until 2022-10-31 the ward hands the contractor a password-encrypted CD-R in a locked case, by
hand (区が行う対策 5), and it comes back; from 2022-11-01 (令和4年11月1日) the extract goes over
the contractor's LGWAN-ASP service instead, its receipt confirmed by SHA-256, the password
notice by registered mail on another day. The first download does not match (a transfer cut
short): nothing is received, an incident opens by itself, is followed up and closed, and the
second download matches. In November the contractor splits its visit list into halves A and B
(受託事業者 6) and sends a pair of visitors out with them, issued and taken back by label on the
day's 授受簿 (受託事業者 4). The ward inspects the contractor once in the fiscal year; at the end
the notice comes back, the contractor certifies the erasure (消去証明書), the ward receives and
checks it, and the case closes cleanly through the gate. Then the auditor's report (監査報告書,
PDF and CSV), a projection rebuild and a full ledger verification.

Everything is fictional (見本・架空), the clock simulated, the KDF modest (see demo.py).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Callable

from handover import actions, reports
from handover.actions import HandoverRequest
from handover.clock import JST
from handover.demo import DEMO_KDF, DemoResult, _rebuild_identical, start_ward, synthetic_extract
from handover.errors import HandoverError, VerificationFailed
from handover.label_codes import label_payload, load_key
from handover.model import events as ev

START = dt.datetime(2022, 6, 20, 9, 30, tzinfo=JST)
PERIOD = (dt.date(2022, 6, 15), dt.date(2023, 3, 31))
LGWAN_FROM = dt.date(2022, 11, 1)
CASE_NAME = "特定健康診査・がん検診未受診者に対する受診勧奨等事業（見本）"
CONTENT = "受診勧奨対象者データ（見本）"
SERVICE = "見本LGWAN-ASPファイル授受サービス（架空）"


def run(directory: Path | str, say: Callable[[str], None] = print) -> DemoResult:
    w = start_ward(directory, START, "新宿区 健康部健康づくり課（見本）",
                   "handover demo (screening, seeds/000)", say)
    directory, result, j, clock, label_key = w.result.directory, w.result, w.j, w.clock, w.label_key
    settings, ward, taro, person = result.settings, w.ward, w.taro, w.person
    out, notices, labels, pdfs, reports_dir = (
        directory / d for d in ("out", "notices", "labels", "pdf", "report"))

    def pdf(kind: str, path: Path | None) -> None:
        if path is not None and path not in result.pdfs:
            result.pdfs.append(path)
            say(f"  {kind}: {path}")

    # --- who and what ------------------------------------------------------------------------
    jiro = person("見本 次郎", ward, ["staff"])
    contractor = actions.register_org(j, taro, "株式会社見本ヘルスケア（架空）", "contractor").value
    lead = person("架空 責任者", contractor, ["responsible_handler"])
    caller = person("架空 勧奨員", contractor, ["contractor_handler"])
    visitor = person("架空 訪問員", contractor, ["contractor_handler"])
    media_cab = actions.register_cabinet(j, taro, "媒体保管庫A（鍵付）", ward, [taro],
                                         "健康づくり課 書庫").value
    notice_cab = actions.register_cabinet(j, taro, "通知書保管庫B（鍵付）", ward, [jiro],
                                          "健康づくり課 執務室").value
    case_id = actions.open_case(j, taro, CASE_NAME, [contractor], *PERIOD, [lead],
                                [caller, visitor]).value
    ws = actions.register_workstation(j, taro, j.host, "健康づくり課 暗号化専用PC（見本）",
                                      [case_id]).value
    result.case_id = case_id
    say(f"step 2: registered the ward section {ward}, staff {taro} {jiro}, contractor "
        f"{contractor} with 架空 責任者 {lead} (取扱責任者), 架空 勧奨員 {caller} and 架空 訪問員 "
        f"{visitor}; opened "
        f"case {case_id} 「{CASE_NAME}」 ({PERIOD[0]} to {PERIOD[1]}); this computer is {ws}; "
        "each person enrolled a passphrase credential and signs what they record")
    for form in result.forms:
        pdf("登録票", form)

    # --- until October: the CD-R by hand in a locked case, and back ----------------------------
    extract = synthetic_extract(directory / "extract" / "kanshotaisho.csv", 120, seed=0)
    cdr = actions.seal_extract(j, taro, case_id, [extract], medium_kind="cd-r", content=CONTENT,
                               out_dir=out, notice_dir=notices, labels_dir=labels,
                               label_key_path=label_key, kdf_params=DEMO_KDF)
    shutil.rmtree(extract.parent)
    result.package_id, result.medium_id, result.notice_id = \
        cdr.package_id, cdr.medium_id, cdr.notice_id
    say(f"step 3: sealed package {cdr.package_id} ({cdr.record_count} fictional residents) "
        f"for CD-R {cdr.medium_id}, password notice {cdr.notice_id}; the plaintext was deleted "
        f"(demo KDF: Argon2id {DEMO_KDF.memory_kib // 1024} MiB, {DEMO_KDF.iterations} passes)")
    pdf("password notice", cdr.notice_path)
    for path in cdr.label_paths:
        pdf("labels", path)
    actions.store_item(j, taro, cdr.medium_id, media_cab)
    actions.store_item(j, jiro, cdr.notice_id, notice_cab)

    clock.at(1, 10)
    h = actions.record_handover(j, taro, HandoverRequest(
        case_id, ev.PROVIDE, taro, lead, ev.HAND, items=(cdr.medium_id,),
        content="受診勧奨対象者データ（CD-R・鍵付ケース）"))
    done = actions.confirm_handover(j, lead, h.handover_id, condition="鍵付ケース施錠確認",
                                    pdf_dir=pdfs)
    result.handovers["provide-cdr"] = h.handover_id
    clock.at(3, 14)
    n = actions.record_handover(j, jiro, HandoverRequest(
        case_id, ev.PROVIDE, jiro, lead, ev.REGISTERED_MAIL, items=(cdr.notice_id,)))
    clock.at(4, 10)
    done_n = actions.confirm_handover(j, lead, n.handover_id, condition="簡易書留にて受領、封緘異常なし",
                                      pdf_dir=pdfs)
    result.handovers["provide-cdr-notice"] = n.handover_id
    say(f"step 4: CD-R {h.handover_id} by hand in a locked case (2022-06-21), its notice "
        f"{n.handover_id} by registered mail two days later; both confirmed by 架空 責任者")
    pdf("確認書", done.pdf_path)
    pdf("確認書", done_n.pdf_path)

    clock.on(dt.date(2022, 10, 24), 15)
    back = actions.record_handover(j, taro, HandoverRequest(
        case_id, ev.RETURN, lead, taro, ev.HAND, items=(cdr.medium_id,)))
    done = actions.confirm_handover(j, taro, back.handover_id, condition="媒体異常なし", pdf_dir=pdfs)
    clock.on(dt.date(2022, 10, 26), 11)
    back_n = actions.record_handover(j, jiro, HandoverRequest(
        case_id, ev.RETURN, lead, jiro, ev.HAND, items=(cdr.notice_id,)))
    done_n = actions.confirm_handover(j, jiro, back_n.handover_id, condition="通知書異常なし",
                                      pdf_dir=pdfs)
    actions.store_item(j, taro, cdr.medium_id, media_cab)
    actions.store_item(j, jiro, cdr.notice_id, notice_cab)
    result.handovers.update({"return-cdr": back.handover_id, "return-cdr-notice": back_n.handover_id})
    say(f"step 5: before November the CD-R came back ({back.handover_id}, 2022-10-24) and its "
        f"notice on another day ({back_n.handover_id}, 2022-10-26)")
    pdf("確認書", done.pdf_path)
    pdf("確認書", done_n.pdf_path)

    # --- from 2022-11-01: over LGWAN, receipt by hash ----------------------------------------
    clock.on(LGWAN_FROM, 9, 30)
    extract = synthetic_extract(directory / "extract" / "kanshotaisho-11.csv", 150, seed=11)
    lg = actions.seal_extract(j, taro, case_id, [extract], medium_kind=ev.LGWAN_FILE,
                              content=CONTENT, out_dir=out, notice_dir=notices,
                              kdf_params=DEMO_KDF)
    shutil.rmtree(extract.parent)
    actions.store_item(j, jiro, lg.notice_id, notice_cab)
    sent = actions.send_file(j, taro, lg.medium_id, lg.package_path, service=SERVICE,
                             to_person=lead, pdf_dir=pdfs)
    result.handovers["provide-lgwan"] = sent.handover.handover_id
    say(f"step 6: from 2022-11-01 over LGWAN: sealed {lg.package_id} ({lg.record_count} "
        f"records) and uploaded {lg.package_path.name} ({sent.size:,} bytes, SHA-256 "
        f"{sent.sha256[:16]}…) to {SERVICE}: transfer {sent.transfer_id}, handover "
        f"{sent.handover.handover_id}")
    pdf("password notice", lg.notice_path)
    pdf("確認書 (sent, awaiting receipt)", sent.handover.pdf_path)

    # The contractor's first download is cut short: it does not match what was sent.
    clock.on(LGWAN_FROM, 11)
    download = directory / "contractor-download" / lg.package_path.name
    download.parent.mkdir()
    download.write_bytes(lg.package_path.read_bytes()[: sent.size // 2])
    try:
        actions.receive_file(j, lead, download)
    except VerificationFailed as e:
        say(f"step 7: 架空 責任者 checks the first download: {e.message}")
    else:
        raise HandoverError("demo: a download that does not match was received",
                            "this is a bug in handover; please report it")
    download.unlink()
    [incident] = reports.list_incidents(j, case_id, open_only=True)
    incident_id = incident["incident_id"]
    clock.on(LGWAN_FROM, 11, 20)
    actions.follow_up_incident(j, lead, incident_id, "受信ファイルを開かずに削除し、区に電話で報告",
                               ward_notified_at=clock.now)
    clock.on(LGWAN_FROM, 13)
    got = actions.receive_file(j, lead, _download(lg.package_path, download), pdf_dir=pdfs)
    received = reports.list_transfers(j, case_id)[0]
    download.unlink()
    actions.follow_up_incident(j, taro, incident_id, "同じファイルを再度ダウンロードさせ、SHA-256の一致を確認")
    clock.on(LGWAN_FROM, 16)
    actions.close_incident(j, taro, incident_id, "転送の中断による不一致。ファイルは開かれておらず漏えいなし")
    say(f"  incident {incident_id} ({ev.INCIDENT_CATEGORIES[ev.HASH_MISMATCH]}) opened by the "
        f"system; the second download matched (received by 架空 責任者 at "
        f"{received['received_at']}); the incident was followed up and closed by 見本 太郎")
    pdf("事故報告書", reports.print_incident(j, incident_id, pdfs))
    pdf("確認書 (receipt confirmed by SHA-256)", got.handover.pdf_path)

    clock.on(dt.date(2022, 11, 2), 14)
    n = actions.record_handover(j, jiro, HandoverRequest(
        case_id, ev.PROVIDE, jiro, lead, ev.REGISTERED_MAIL, items=(lg.notice_id,)))
    clock.on(dt.date(2022, 11, 4), 10)
    done = actions.confirm_handover(j, lead, n.handover_id, condition="簡易書留にて受領、封緘異常なし",
                                    pdf_dir=pdfs)
    result.handovers["provide-lgwan-notice"] = n.handover_id
    say(f"step 8: the LGWAN package's password notice {n.handover_id} by registered mail "
        f"(2022-11-02, another day), confirmed 2022-11-04")
    pdf("確認書", done.pdf_path)

    # --- November's visits: split lists, one round, its 授受簿 (000 受託事業者 4, 6) -----------
    visit_day = dt.date(2022, 11, 10)
    clock.on(visit_day, 9)
    visit_extract = _visit_extract(directory / "extract" / "houmon-taisho.csv", 24)
    split = actions.split_visit_list(j, lead, case_id, visit_extract, directory / "visit-lists",
                                     label_key_path=label_key).value
    shutil.rmtree(visit_extract.parent)
    list_a, list_b = (lst["list_id"] for lst in split.lists)
    clock.on(visit_day, 9, 30)
    round_id = actions.start_visit_round(j, lead, case_id, visit_day, [caller, visitor],
                                         [list_a, list_b], area="架空町一丁目〜三丁目").value
    clock.on(visit_day, 16, 10)
    key = load_key(label_key)
    actions.return_visit_lists(j, lead, round_id, label_key_path=label_key,
                               scans=[label_payload(i, key) for i in (list_a, list_b)])
    actions.close_visit_round(j, lead, round_id)
    say(f"step 9: 架空 責任者 split a visit list of {split.count} fictional residents into list A "
        f"{list_a} (住所・方書) and list B {list_b} (氏名・カナ・生年月日…), joined only by "
        f"random pairing codes; round {round_id} on {visit_day} issued A to 架空 勧奨員 and B to "
        "架空 訪問員 at 09:30, both labels scanned back at 16:10, the round closed")
    for lst in split.lists:
        pdf(f"visit list {lst['half']} (fictional residents)", Path(lst["pdf"]))
    pdf("授受簿", reports.print_visit_register(j, case_id, visit_day, pdfs))

    # --- the year's inspection ------------------------------------------------------------------
    clock.on(dt.date(2022, 12, 8), 16)
    checks = {c: (ev.FINDING_OK, "") for c in ev.INSPECTION_CHECKS}
    checks["print-logs"] = (ev.FINDING_NA, "")     # the reminders are printed by the ward's vendor
    inspected = actions.record_inspection(
        j, taro, case_id, contractor, dt.date(2022, 12, 8), [taro, jiro], "受託者本社 作業室（架空）",
        checks, pdf_dir=pdfs)
    say(f"step 10: on-site inspection {inspected.inspection_id} of the contractor on 2022-12-08 "
        f"(令和4年度), every check 適 or 該当なし")
    pdf("立入調査記録", inspected.pdf_path)

    # --- the end: the notice back, the erasure certified, the case closed ---------------------
    clock.on(dt.date(2023, 3, 22), 10)
    back_n = actions.record_handover(j, jiro, HandoverRequest(
        case_id, ev.RETURN, lead, jiro, ev.HAND, items=(lg.notice_id,)))
    done = actions.confirm_handover(j, jiro, back_n.handover_id, condition="通知書異常なし",
                                    pdf_dir=pdfs)
    actions.store_item(j, jiro, lg.notice_id, notice_cab)
    result.handovers["return-lgwan-notice"] = back_n.handover_id
    clock.on(dt.date(2023, 3, 24), 15)
    cert = actions.record_erasure(
        j, lead, case_id, erased="復号した対象者データ、作業用の複製、分析用に加工したファイル",
        sources=[cdr.package_id, lg.package_id], locations=["勧奨作業PC-01", "分析サーバ AS-1"],
        method="purge", tool="見本データ消去ツール v3（架空）", performed_by=caller,
        verified_by=lead, erased_on=dt.date(2023, 3, 24), place="受託者本社 作業室（架空）").value
    clock.on(dt.date(2023, 3, 27), 10)
    actions.receive_certificate(j, taro, cert)
    actions.check_erasure(j, taro, cert, "作業用PCと分析サーバの対象フォルダが空であることを確認")
    say(f"step 11: the LGWAN notice came back ({back_n.handover_id}, 2023-03-22); the LGWAN "
        f"file is erased, not returned: erasure certificate {cert} (暗号化消去, both packages), "
        "received and checked by the ward on 2023-03-27")
    pdf("確認書", done.pdf_path)
    pdf("消去証明書", reports.print_erasure(j, cert, pdfs))

    clock.on(dt.date(2023, 3, 31), 17)
    actions.close_case(j, taro, case_id, "契約期間満了により業務終了")
    case = reports.status(j, case_id)["cases"][0]
    say(f"step 12: case {case_id} closed through the gate (every medium and notice back, every "
        f"handover confirmed, no open incident, the LGWAN file and the contractor certified): "
        f"{case['status']}, overrides {len(case['overrides'])}")

    # --- the auditor's report, rebuild and verify -------------------------------------------
    result.rebuild_identical = _rebuild_identical(j)
    say(f"step 13: projection rebuilt from the ledger: "
        f"{'identical' if result.rebuild_identical else 'DIFFERENT'}")
    audit = reports.audit_report(j, settings, case_id, [settings.public_key_path],
                                 pdf=reports_dir / f"kansa-hokokusho-{case_id}.pdf",
                                 csv_path=reports_dir / f"kansa-hokokusho-{case_id}.csv")
    say(f"step 14: auditor's report: {len(audit.data['handovers'])} handovers, "
        f"{len(audit.data['lgwan_transfers'])} LGWAN transfer, "
        f"{len(audit.data['incidents'])} incident, "
        f"{len(audit.data['inspections']['records'])} inspection, "
        f"{len(audit.data['erasures'])} erasure certificate")
    pdf("監査報告書", audit.pdf)
    say(f"  CSV (UTF-8 with BOM): {audit.csv}")
    report = audit.verification
    result.verified = report.ok
    say(f"step 15: ledger verification with {settings.public_key_path}: {report.size} entries, "
        f"{report.checkpoints_checked} signed checkpoint(s), {report.entry_signatures_checked} "
        f"entries signed by the person who acted: {'ok' if report.ok else 'FAILED'}")
    reports.require_ok(report)
    say(f"done: {len(result.pdfs)} PDFs; try: handover --db {settings.db_url} report {case_id}")
    w.offer_web_sign_in(say)
    return result


def _visit_extract(path: Path, records: int) -> Path:
    """A fictional visit-list extract (見本 names, 架空 addresses and phone numbers)."""
    given = ["一郎", "花子", "次郎", "桜", "三郎", "葵"]
    lines = ["宛名番号,氏名,カナ氏名,生年月日,性別,住所,方書,電話番号"]
    for n in range(records):
        lines.append(f"{700000 + n},見本 {given[n % 6]},ミホン {n},195{n % 10}-0{1 + n % 9}-1{n % 10},"
                     f"{'男女'[n % 2]},東京都新宿区架空町{1 + n % 3}-{n + 1}-1,"
                     f"見本荘{100 + n}号室,03-0000-{n:04d}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _download(package: Path, to: Path) -> Path:
    """The contractor's download of what was uploaded: the same bytes, in its own folder."""
    shutil.copyfile(package, to)
    return to
