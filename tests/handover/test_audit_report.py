"""The auditor's report (監査報告書, CSV, JSON) and the per-contractor proof bundle, on SQLite
and PostgreSQL: every section present, the CSV readable as Excel reads it, the verification
with its checkpoint QR, and a bundle that proves exactly one contractor's entries offline."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import subprocess

import pytest
import sqlalchemy as sa

import ledger
from handover import actions, reports
from handover.config import Settings
from handover.errors import EXIT_VERIFY_FAILED, HandoverError
from handover.model import events as ev
from tests.handover.actions.test_inspections import ALL_OK, _inspect
from tests.handover.support import needs_poppler, pdf_qr_codes, pdf_text
from tests.ledger.conftest import tamper


def _settings(w) -> Settings:
    return Settings(w.j.engine.url.render_as_string(hide_password=False),
                    w.tmp / "keys" / "sign.key", w.j.log)


def _pub(w):
    return [w.tmp / "keys" / "sign.pub"]


@pytest.fixture
def lived(world, sealed):
    """A case with a confirmed provide, an overridden one, an unconfirmed return and two
    inspections (the contractor's with a deficiency, the printer's)."""
    w = world
    first = w.provide(sealed.medium_id)
    actions.confirm_handover(w.j, w.hanako, first.handover_id, condition="封緘異常なし")
    # The notice the same day: allowed only with a recorded reason.
    second = w.provide(sealed.notice_id, override_reason="急ぎの発送のため課長承認済み")
    w.clock.advance(days=1)
    back = w.handover("return", w.hanako, w.taro, [sealed.medium_id])
    insp = _inspect(w, results=dict(ALL_OK, **{"print-logs": ("deficient", "3月分が未提出")}),
                    follow_ups=["4月末までに提出"], on=dt.date(2026, 4, 7))
    other = _inspect(w, w.printer, inspectors=[w.taro], place="見本印刷 工場",
                     on=dt.date(2026, 4, 7))
    return dict(first=first.handover_id, second=second.handover_id, back=back.handover_id,
                insp=insp.inspection_id, other=other.inspection_id, sealed=sealed)


def test_the_report_holds_every_section(world, lived):
    r = reports.audit_report(world.j, _settings(world), world.case_id, _pub(world))
    d = r.data
    assert [h["handover_id"] for h in d["handovers"]] == [lived["first"], lived["second"], lived["back"]]
    first = d["handovers"][0]
    assert (first["confirmed_by"], first["condition"]) == (world.hanako, "封緘異常なし")
    assert first["items"][0]["item_id"] == lived["sealed"].medium_id
    with world.j.reading() as st:
        assert first["items"][0]["sha256"] == st.package(lived["sealed"].package_id).sha256
    assert d["handovers"][2]["confirmed_by"] is None
    [o] = d["overrides"]
    assert o["handover_id"] == lived["second"] and o["reason"] == "急ぎの発送のため課長承認済み"
    assert [r_["rule"] for r_ in o["rules"]] == ["same-recipient-interval"]
    assert {v["inspection_id"] for v in d["inspections"]["records"]} == {lived["insp"], lived["other"]}
    assert {(y["org_id"], y["status"]) for y in d["inspections"]["by_fiscal_year"]} == {
        (world.contractor, "done"), (world.printer, "done")}
    v = d["verification"]
    assert v["ok"] and v["size"] == world.size()
    assert r.verification.latest.size == world.size()


@needs_poppler
def test_the_pdf_and_csv(world, lived, tmp_path):
    r = reports.audit_report(world.j, _settings(world), world.case_id, _pub(world),
                             pdf=tmp_path / "out" / "report.pdf", csv_path=tmp_path / "out" / "report.csv")
    text = pdf_text(r.pdf)
    flat = text.replace("\n", "").replace(" ", "")
    for field in ("監査報告書", "ワクチン接種券発送業務（見本）", "受渡し（確認書）と受領者の確認",
                  lived["first"], lived["second"], lived["back"], "封緘異常なし", "未確認",
                  "急ぎの発送のため課長承認済み", "同じ受領者への媒体と通知書の受渡しは別の日に行う",
                  "same-recipient-interval", lived["insp"], lived["other"], "3月分が未提出",
                  "4月末までに提出", "令和8年度（2026年度）", "実施済", "台帳の検証", "正常",
                  "署名付き"):
        assert field.replace(" ", "") in flat, field
    latest = r.verification.latest.note
    pages = int(subprocess.run(["pdfinfo", str(r.pdf)], capture_output=True, text=True)
                .stdout.split("Pages:")[1].split()[0])
    assert latest in pdf_qr_codes(r.pdf, tmp_path / "png", first=1, last=pages)
    raw = r.csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["監査報告書", "ワクチン接種券発送業務（見本）", world.case_id]
    flat_csv = [c for row in rows for c in row]
    assert lived["first"] in flat_csv and lived["insp"] in flat_csv
    assert "急ぎの発送のため課長承認済み" in flat_csv
    assert ["署名付きチェックポイント", latest] in rows


def test_csv_cells_never_start_a_formula(world, tmp_path):
    w = world
    v = _inspect(w, place="=HYPERLINK(\"http://x\")")
    r = reports.audit_report(w.j, _settings(w), w.case_id, _pub(w), csv_path=tmp_path / "r.csv")
    cells = [c for row in csv.reader(io.StringIO(r.csv.read_text(encoding="utf-8-sig"))) for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert not any(c.startswith("=") for c in cells)
    assert v.inspection_id in cells


def test_a_tampered_ledger_is_reported_as_such(world, lived, tmp_path):
    with world.j.engine.connect() as conn:
        original = conn.execute(sa.text("SELECT hash FROM ledger_entries WHERE idx = 5")).scalar_one()
    update = "UPDATE ledger_entries SET hash = :h WHERE idx = 5"
    tamper(world.j.engine, update, params={"h": bytes(32)})
    try:
        r = reports.audit_report(world.j, _settings(world), world.case_id, _pub(world),
                                 pdf=tmp_path / "bad.pdf")
    finally:    # put it back, so the fixture's rebuild check reads the real ledger
        tamper(world.j.engine, update, params={"h": original})
    assert not r.data["verification"]["ok"]
    with pytest.raises(HandoverError) as info:
        reports.require_ok(r.verification)
    assert info.value.exit_code == EXIT_VERIFY_FAILED
    assert "異常あり" in pdf_text(r.pdf)


def test_the_report_of_an_unknown_case_and_to_a_directory(world, tmp_path):
    from handover.ids import new_id
    with pytest.raises(HandoverError, match="not registered"):
        reports.audit_report(world.j, _settings(world), new_id("C"), _pub(world))
    with pytest.raises(HandoverError, match="is a directory"):
        reports.audit_report(world.j, _settings(world), world.case_id, _pub(world), pdf=tmp_path)


# --- the per-contractor proof bundle ---------------------------------------------------------

def _kinds(world, indexes):
    by_index = {e.index: e for e in world.entries()}
    return [by_index[i].kind for i in indexes]


def test_a_bundle_proves_exactly_the_contractors_entries(world, lived, tmp_path):
    w = world
    done = reports.write_bundle(w.j, w.case_id, w.contractor, tmp_path / "c.json")
    entries = {e.index: e for e in w.entries()}
    expected = sorted(
        e.index for e in entries.values()
        if (e.kind == "CaseOpened" and e.payload["case_id"] == w.case_id)
        or (e.kind == "HandoverRecorded" and w.contractor in (e.payload["from_org"], e.payload["to_org"]))
        or (e.kind == "HandoverConfirmed" and e.actor == w.hanako)
        or (e.kind == "InspectionRecorded" and e.payload["org_id"] == w.contractor))
    assert done["entries"] == expected
    result = reports.check_proof(tmp_path / "c.json", _pub(w))
    assert result.kind == "bundle" and [e.index for e in result.entries] == expected
    printer = reports.write_bundle(w.j, w.case_id, w.printer, tmp_path / "p.json")
    assert _kinds(w, printer["entries"]) == ["CaseOpened", "InspectionRecorded"]


def test_a_bundle_reveals_nothing_of_other_entries(world, lived, tmp_path):
    w = world
    reports.write_bundle(w.j, w.case_id, w.printer, tmp_path / "p.json")
    text = (tmp_path / "p.json").read_text()
    doc = json.loads(text)
    carried = {item["index"] for item in doc["entries"]}
    for e in w.entries():
        if e.index not in carried:
            assert base64.b64encode(e.raw).decode() not in text
    decoded = "".join(json.dumps(ledger.decode_entry(base64.b64decode(item["entry"])).payload,
                                 ensure_ascii=False) for item in doc["entries"])
    assert lived["insp"] not in decoded and "3月分が未提出" not in decoded
    assert lived["first"] not in decoded and lived["other"] in decoded


def test_a_bundle_needs_a_contractor_of_the_case(world, tmp_path):
    stranger = actions.register_org(world.j, world.taro, "別件株式会社", "contractor").value
    with pytest.raises(HandoverError, match="not a contractor or sub-contractor"):
        reports.write_bundle(world.j, world.case_id, stranger, tmp_path / "x.json")
    with pytest.raises(HandoverError, match="not a contractor or sub-contractor"):
        reports.write_bundle(world.j, world.case_id, world.ward, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


# --- LGWAN transfers, incidents, erasures and the close-out ------------------------------------

@pytest.fixture
def ended(world, tmp_path):
    """A case whose extract went over LGWAN: a first download that did not match (an
    incident, followed up and closed), the matching one, the notice by hand on another day and
    back, the contractor's erasure certificate received and checked, and the case closed
    through the gate."""
    w = world
    s = w.seal(records=30, medium="lgwan")
    sent = actions.send_file(w.j, w.taro, s.medium_id, s.package_path, service="LGWAN-ASP（見本）",
                             to_person=w.hanako)
    bad = tmp_path / "download" / s.package_path.name
    bad.parent.mkdir()
    bad.write_bytes(s.package_path.read_bytes()[:-1] + b"\0")
    with pytest.raises(HandoverError, match="does not match"):
        actions.receive_file(w.j, w.hanako, bad)
    [incident] = reports.list_incidents(w.j, w.case_id)
    actions.follow_up_incident(w.j, w.hanako, incident["incident_id"], "ダウンロードをやり直した")
    actions.close_incident(w.j, w.taro, incident["incident_id"], "再受信で一致、開封なし")
    actions.receive_file(w.j, w.hanako, s.package_path)
    w.clock.advance(days=1)
    notice = w.handover("provide", w.jiro, w.hanako, [s.notice_id], actor=w.jiro)
    actions.confirm_handover(w.j, w.hanako, notice.handover_id)
    w.clock.advance(days=1)
    back = w.handover("return", w.hanako, w.jiro, [s.notice_id], actor=w.jiro)
    actions.confirm_handover(w.j, w.jiro, back.handover_id)
    cert = actions.record_erasure(
        w.j, w.hanako, w.case_id, erased="復号したデータ、作業用の複製", sources=[s.package_id],
        locations=["作業用PC-01"], method="purge", tool="見本消去ツール v2",
        performed_by=w.ichiro, verified_by=w.hanako, erased_on=w.clock.now.date(),
        place="受託者本社 作業室").value
    actions.receive_certificate(w.j, w.taro, cert)
    actions.check_erasure(w.j, w.taro, cert, "作業用PCの対象フォルダが空であることを確認")
    actions.close_case(w.j, w.taro, w.case_id, "業務終了")
    return dict(sealed=s, transfer=sent.transfer_id, handover=sent.handover.handover_id,
                sha256=sent.sha256, incident=incident["incident_id"], cert=cert)


def test_the_report_holds_lgwan_incidents_erasures_and_the_close_out(world, ended):
    d = reports.audit_report(world.j, _settings(world), world.case_id, _pub(world)).data
    [t] = d["lgwan_transfers"]
    assert (t["transfer_id"], t["handover_id"], t["sha256"], t["received_by"]) == (
        ended["transfer"], ended["handover"], ended["sha256"], world.hanako)
    assert t["file_name"] == f"{ended['sealed'].package_id}.hop"
    [i] = d["incidents"]
    assert (i["incident_id"], i["category"], i["source"], i["status"], i["outcome"]) == (
        ended["incident"], "hash-mismatch", "receipt", "closed", "再受信で一致、開封なし")
    assert [f["note"] for f in i["followups"]] == ["ダウンロードをやり直した"]
    [x] = d["erasures"]
    assert (x["certificate_id"], x["method"], x["org_id"]) == (ended["cert"], "purge", world.contractor)
    assert x["ward_received_at"] and x["checked_at"]
    c = d["closeout"]
    assert (c["status"], c["through_gate"], c["override_reason"], c["reason"], c["unmet"]) == (
        "closed", True, None, "業務終了", [])


@needs_poppler
def test_the_pdf_and_csv_show_them(world, ended, tmp_path):
    r = reports.audit_report(world.j, _settings(world), world.case_id, _pub(world),
                             pdf=tmp_path / "r.pdf", csv_path=tmp_path / "r.csv")
    flat = pdf_text(r.pdf).replace("\n", "").replace(" ", "")
    for field in ("LGWANによる送信と受信の確認", ended["transfer"],
                  *(ended["sha256"][n:n + 16] for n in range(0, 64, 16)), "SHA-256一致", "LGWAN-ASP（見本）",
                  "事故報告", ended["incident"], "受信ファイルのハッシュ不一致",
                  "受信時のハッシュ照合で自動起票", "ダウンロードをやり直した", "完了",
                  "再受信で一致、開封なし", "消去証明書", ended["cert"], "暗号化消去・完全消去",
                  "見本消去ツールv2", "作業用PC-01", "作業用PCの対象フォルダが空であることを確認",
                  "業務の終了", "終了の条件をすべて満たして終了", "業務終了"):
        assert field.replace(" ", "") in flat, field
    cells = [c for row in csv.reader(io.StringIO(r.csv.read_text(encoding="utf-8-sig")))
             for c in row]
    for field in (ended["incident"], ended["cert"], "終了の条件をすべて満たして終了"):
        assert field in cells, field
    assert any(ended["sha256"][48:] in c for c in cells)


def test_an_open_case_shows_what_the_gate_still_refuses(world, tmp_path):
    w = world
    s = w.seal(medium="lgwan")
    actions.send_file(w.j, w.taro, s.medium_id, s.package_path, service="ASP", to_person=w.hanako)
    incident = actions.report_incident(w.j, w.hanako, w.case_id, "loss", "封筒1通の所在不明").value
    d = reports.audit_report(w.j, _settings(w), w.case_id, _pub(w)).data
    assert d["lgwan_transfers"][0]["received_by"] is None
    c = d["closeout"]
    assert c["status"] == "open" and c["through_gate"] is None
    assert [(u["rule"], u["item"]) for u in c["unmet"]] == [
        ("unconfirmed-handovers", d["lgwan_transfers"][0]["handover_id"]),
        ("incidents-open", incident), ("lgwan-file-not-erased", s.medium_id),
        ("erasure-certificate-missing", w.contractor)]
    r = reports.audit_report(w.j, _settings(w), w.case_id, _pub(w), csv_path=tmp_path / "r.csv")
    cells = [c for row in csv.reader(io.StringIO(r.csv.read_text(encoding="utf-8-sig")))
             for c in row]
    assert "未受信" in cells and "対応中（未完了）" in cells and "未充足 4 件" in cells


def test_a_case_closed_by_override_shows_its_reason_and_rules(world):
    w = world
    s = w.seal(medium="lgwan")
    actions.send_file(w.j, w.taro, s.medium_id, s.package_path, service="ASP", to_person=w.hanako)
    actions.receive_file(w.j, w.hanako, s.package_path)
    actions.close_case(w.j, w.taro, w.case_id, override_reason="委託先倒産のため")
    c = reports.audit_report(w.j, _settings(w), w.case_id, _pub(w)).data["closeout"]
    assert (c["status"], c["through_gate"], c["override_reason"]) == (
        "closed", False, "委託先倒産のため")
    assert [r["rule"] for r in c["overridden"]] == ["lgwan-file-not-erased",
                                                    "erasure-certificate-missing"]


def test_no_id_column_is_too_narrow_for_the_widest_id(world, lived):
    """An ID never breaks across lines (issue 8 §7): every column that lists IDs holds the
    widest one an ID can be (W and M are the widest Crockford letters) on one line. A
    handover ID of wide letters used to wrap in its column, and pdftotext then lost it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from handover.documents.audit_report import WIDTH
    from handover.documents.fonts import japanese_fonts
    from handover.reports.audit_report import _sections

    fonts = japanese_fonts()
    widest = stringWidth("H-WMWM-WMWM-WMWM-W", fonts.mincho, 7.5)     # the cells' font, 7.5 pt
    with world.j.reading() as st:
        _, sections = _sections(st, st.case(world.case_id), world.clock().date())
    checked = 0
    for s in sections:
        for n, title in enumerate(s.columns):
            if title.split("\n")[0].endswith("番号"):
                available = WIDTH * s.widths[n] / sum(s.widths) - 12   # the table's padding
                assert available >= widest, (s.title, title, available, widest)
                checked += 1
    assert checked >= 5
