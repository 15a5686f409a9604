"""seeds/004, the vaccination case, end to end on SQLite and PostgreSQL: seal, label, store in
different cabinets, a scanned pickup, the three moments of 区が行う対策 6 (provide the medium
and, on another day, the notice; the contractor delivers sealed notices; the contractor
returns both), each confirmed by the receiving party. Checks the ledger entries, the
projection, the printed 確認書 (text and QR), the labels (QR decoded back), that no password
is stored anywhere, and that `rebuild` reproduces the projection exactly."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

import ledger
from handover import actions, packages, reports
from handover.config import Settings
from handover.model import events as ev
from handover.model import fold, tables
from handover.actions import HandoverRequest
from handover.label_codes import label_payload, load_label_key
from handover.scanners import ScanStatus
from tests.handover.support import needs_poppler, pdf_qr_codes, pdf_text

RECORDS = 120


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@needs_poppler
def test_vaccination_case_004(world, tmp_path):
    w = world
    pdfs = tmp_path / "kakuninsho"
    start = w.size()

    # --- seal: package, medium, notice (own directory), labels ---------------------------------
    s = w.seal(records=RECORDS, labels_dir=tmp_path / "labels", label_key_path=w.label_key)
    assert s.record_count == RECORDS
    assert s.notice_path.parent != s.package_path.parent
    sealed_entries = w.entries()[start:]
    assert [e.kind for e in sealed_entries] == ["PackageSealed", "MediumRegistered", "NoticeIssued"]
    assert sealed_entries[2].payload["notice_id"] == s.notice_id
    assert sealed_entries[2].payload["package_id"] == s.package_id
    assert sealed_entries[2].payload["issued_by"] == w.taro
    assert sealed_entries[0].payload["sha256"] == s.sha256

    # The notice carries the password, the package ID and SHA-256, nothing of the content.
    notice_text = pdf_text(s.notice_path)
    assert s.package_id in notice_text and s.sha256[:8] in notice_text
    assert "見本データ" not in notice_text and "見本 1" not in notice_text
    # The six printed groups are the password: they open the package.
    groups = re.findall(r"(?<![-:\w])[0-9A-Z]{5}(?![-:\w])", notice_text)
    assert len(groups) == 6
    password = "-".join(groups)
    manifest = packages.verify_package(s.package_path, password)
    assert manifest.package_id == s.package_id and manifest.files[0].rows == RECORDS + 1
    # One definition of データ件数: the manifest's data records are the case's record count.
    assert manifest.files[0].header is True
    assert manifest.files[0].records == s.record_count == RECORDS

    # Labels: the QR on the rendered PDF decodes back to the same MAC'd payload.
    key = load_label_key(w.label_key)
    payloads = {i: label_payload(i, key) for i in (s.medium_id, s.notice_id)}
    a4, tape = sorted(s.label_paths)
    assert sorted(pdf_qr_codes(a4, tmp_path / "png-a4")) == sorted(payloads.values())
    assert pdf_qr_codes(tape, tmp_path / "png-tape") == [payloads[s.medium_id]]
    assert "ディスク面に貼らない" in pdf_text(a4)

    # --- store in different cabinets ------------------------------------------------------------
    actions.store_item(w.j, w.taro, s.medium_id, w.media_cab)
    actions.store_item(w.j, w.jiro, s.notice_id, w.notice_cab)

    # --- a scanned pickup: each scan judged at once ----------------------------------------------
    w.clock.advance(days=1, hours=1)              # 2026-04-07 10:00
    practice = actions.open_station(w.j, label_key_path=w.label_key, expected=[s.medium_id])
    medium_payload = payloads[s.medium_id]
    forged = medium_payload[:-1] + ("A" if medium_payload[-1] != "A" else "B")
    verdicts = [practice.scan(t).status for t in (
        _full_width(medium_payload.lower()), medium_payload, payloads[s.notice_id], forged)]
    assert verdicts == [ScanStatus.OK, ScanStatus.DUPLICATE, ScanStatus.NOT_EXPECTED,
                        ScanStatus.FORGED]
    summary = practice.summary()
    assert summary.unexpected == [s.notice_id] and summary.missing == []
    with pytest.raises(Exception):
        practice.require_complete()

    station = actions.open_station(w.j, label_key_path=w.label_key, expected=[s.medium_id])
    assert station.summary().missing == [s.medium_id]
    (scan,) = actions.scan_images(station, sorted((tmp_path / "png-tape").glob("*.png")))
    assert scan.status is ScanStatus.OK
    provide = actions.record_scanned(
        w.j, w.taro, station, HandoverRequest(w.case_id, "provide", w.taro, w.hanako, "hand"),
        pdf_dir=pdfs)
    confirmed = actions.confirm_handover(w.j, w.hanako, provide.handover_id,
                                         condition="ケース封緘異常なし", pdf_dir=pdfs)

    # --- moment 1b: the notice on another day, by registered mail --------------------------------
    w.clock.advance(days=1)                       # 2026-04-08
    notice = w.handover("provide", w.jiro, w.hanako, [s.notice_id], method="registered_mail",
                        actor=w.jiro)
    w.clock.advance(days=1)
    actions.confirm_handover(w.j, w.hanako, notice.handover_id, condition="簡易書留にて受領")

    # --- moment 2: sealed notices delivered ------------------------------------------------------
    w.clock.advance(days=14)
    deliver = w.handover("deliver", w.hanako, w.taro, envelopes=((s.package_id, RECORDS),),
                         pdf_dir=pdfs)
    actions.confirm_handover(w.j, w.taro, deliver.handover_id, condition="数量一致")

    # --- moment 3: media and notice returned, on different days ----------------------------------
    w.clock.advance(days=7)
    ret_m = w.handover("return", w.hanako, w.taro, [s.medium_id])
    w.clock.advance(days=1)
    ret_n = w.handover("return", w.ichiro, w.jiro, [s.notice_id], actor=w.jiro)
    for r, by in ((ret_m, w.taro), (ret_n, w.jiro)):
        actions.confirm_handover(w.j, by, r.handover_id)
    actions.store_item(w.j, w.taro, s.medium_id, w.media_cab)
    actions.store_item(w.j, w.jiro, s.notice_id, w.notice_cab)

    # --- the ledger ------------------------------------------------------------------------------
    kinds = [e.kind for e in w.entries()[start:]]
    assert kinds == (["PackageSealed", "MediumRegistered", "NoticeIssued", "ItemStored",
                      "ItemStored"] + ["HandoverRecorded", "HandoverConfirmed"] * 3
                     + ["HandoverRecorded"] * 2 + ["HandoverConfirmed"] * 2
                     + ["ItemStored", "ItemStored"])
    recorded = {e.payload["handover_id"]: e for e in w.entries() if e.kind == "HandoverRecorded"}
    p = recorded[provide.handover_id].payload
    assert (p["moment"], p["from_person"], p["from_org"], p["to_person"], p["to_org"],
            p["method"]) == ("provide", w.taro, w.ward, w.hanako, w.contractor, "hand")
    assert (p["media_count"], p["record_count"], p["envelope_count"]) == (1, RECORDS, 0)
    assert p["occurred_at"] == "2026-04-07T10:00:00+09:00"
    assert p["scan"]["ok"] == [s.medium_id] and p["scan"]["complete"] is True
    d = recorded[deliver.handover_id].payload
    assert (d["moment"], d["envelope_count"], d["envelopes"][0]["package_id"]) == \
        ("deliver", RECORDS, s.package_id)
    assert recorded[notice.handover_id].payload["method"] == "registered_mail"

    # --- the projection --------------------------------------------------------------------------
    with w.j.reading() as st:
        medium, notice_row = st.item(s.medium_id), st.item(s.notice_id)
        assert (medium.cabinet_id, medium.holder_org, medium.ever_provided) == \
            (w.media_cab, w.ward, True)
        assert (notice_row.cabinet_id, notice_row.holder_org) == (w.notice_cab, w.ward)
        (batch,) = st.items(kind="envelopes")
        assert (batch.count, batch.holder_person, batch.package_id) == (RECORDS, w.taro, s.package_id)
        hs = st.handovers(w.case_id)
        assert [h.moment for h in hs] == ["provide", "provide", "deliver", "return", "return"]
        assert all(h.confirmed_by for h in hs)
        assert st.handover(provide.handover_id).condition == "ケース封緘異常なし"
    status = reports.status(w.j, w.case_id)["cases"][0]
    assert status["out"] == [] and status["overdue"] == [] and status["unconfirmed_handovers"] == []
    chain = reports.history(w.j, s.medium_id)["entries"]
    assert [e["kind"] for e in chain] == ["PackageSealed", "MediumRegistered", "ItemStored", "HandoverRecorded",
                                          "HandoverConfirmed", "HandoverRecorded",
                                          "HandoverConfirmed", "ItemStored"]

    # --- the printed 確認書 ------------------------------------------------------------------------
    text = pdf_text(confirmed.pdf_path)
    squashed = re.sub(r"\s+", "", text)
    # Only the medium moved in this handover (the notice went on another day): the title says so.
    for expected in ("確認書", "（媒体の提供）", "令和8年4月7日10時00分",
                     "2026-04-07T10:00+09:00", "見本太郎", "架空花子", "新宿区健康部保健予防課",
                     "株式会社見本ツーリスト", "ワクチン接種券発送業務（見本）", "手渡し",
                     "DVD-R", str(RECORDS), "ケース封緘異常なし", "記載内容を確認済み",
                     "甲保管用", "乙保管用", "印", f"台帳エントリ番号{confirmed.entry_index}",
                     s.sha256):
        assert expected in squashed, expected
    # IDs never break across lines on the 確認書 (issue 8 §7).
    assert s.medium_id in text.split()
    codes = pdf_qr_codes(confirmed.pdf_path, tmp_path / "png-kakuninsho", dpi=150)
    assert codes, "the checkpoint QR did not decode"
    verifiers = ledger.load_verifiers([w.j.key_path.with_suffix(".pub")])
    cp = ledger.open_checkpoint(codes[0], w.j.log, verifiers)
    assert cp.size == confirmed.checkpoint_size == confirmed.entry_index + 1
    assert cp.note.split("\n")[0] in text
    delivered = re.sub(r"\s+", "", pdf_text(deliver.pdf_path))
    assert "封入封緘された通知書の納品" in delivered and "未確認" in delivered

    # --- the year's inspection of the contractor (立入調査, 004 特記事項 15-16) ----------------------
    inspected = actions.record_inspection(
        w.j, w.taro, w.case_id, w.contractor, w.clock.now.date(), [w.jiro], "受託者 本社作業室",
        {check: ("ok", "") for check in ev.INSPECTION_CHECKS}, pdf_dir=tmp_path / "inspections")
    assert "立入調査記録" in pdf_text(inspected.pdf_path)
    years = reports.status(w.j, w.case_id)["cases"][0]["inspections"]
    assert {(y["org_id"], y["status"]) for y in years} == {(w.contractor, "done"), (w.printer, "due")}

    # --- no password anywhere in the database ----------------------------------------------------
    with w.j.engine.connect() as conn:
        raw = b"".join(r[0] for r in conn.execute(sa.text("SELECT entry FROM ledger_entries")))
        dump = repr(tables.snapshot(conn, w.j.log)).encode()
    for form in (password, "".join(groups), " ".join(groups), password.lower()):
        assert form.encode() not in raw and form.encode() not in dump
    if w.j.engine.dialect.name == "sqlite":
        db_file = w.j.engine.url.database
        for path in (db_file, db_file + "-wal"):
            try:
                data = open(path, "rb").read()
            except FileNotFoundError:
                continue
            assert "".join(groups).encode() not in data and password.encode() not in data

    # --- rebuild reproduces the projection exactly, and repairs a damaged one ---------------------
    before = w.snapshot()
    assert fold.rebuild(w.j.engine, w.j.log) == w.size()
    assert w.snapshot() == before
    with w.j.engine.begin() as conn:
        conn.execute(tables.items.update().values(holder_org=w.contractor))
        conn.execute(tables.handovers.delete())
    assert w.snapshot() != before
    fold.rebuild(w.j.engine, w.j.log)
    assert w.snapshot() == before

    with w.j.engine.connect() as conn:
        assert ledger.verify_log(conn, w.j.log, verifiers).ok

    # --- the auditor's report and the contractor's proof bundle: verified, and no password -------
    settings = Settings(w.j.engine.url.render_as_string(hide_password=False), w.j.key_path, w.j.log)
    pub = [w.j.key_path.with_suffix(".pub")]
    audit = reports.audit_report(w.j, settings, w.case_id, pub, pdf=tmp_path / "audit.pdf",
                                 csv_path=tmp_path / "audit.csv")
    with w.j.reading() as st:
        every = [h.handover_id for h in st.handovers(w.case_id)]
    assert audit.data["verification"]["ok"]
    assert [h["handover_id"] for h in audit.data["handovers"]] == every
    assert [v["inspection_id"] for v in audit.data["inspections"]["records"]] == [inspected.inspection_id]
    bundle = reports.write_bundle(w.j, w.case_id, w.contractor, tmp_path / "bundle.json")
    assert reports.check_proof(tmp_path / "bundle.json", pub).kind == "bundle"
    for text in (pdf_text(audit.pdf), audit.csv.read_text(encoding="utf-8-sig"),
                 (tmp_path / "bundle.json").read_text()):
        for form in (password, "".join(groups), " ".join(groups)):
            assert form not in text
    assert inspected.entry_index in bundle["entries"]
