"""The auditor's report for one case (issue 10 §5): every handover with its 確認書 fields and
its confirmation, every LGWAN transfer with its receipt, every override with its reason, the
incidents, inspections, erasure certificates, visit rounds (授受簿) and close-out, and the result of a full
ledger verification with the signed checkpoint it was verified against. As JSON, as a PDF
(監査報告書) and as CSV.

Each section is one function from the projection to a `Section`; the PDF and the CSV print
the same sections: handovers, LGWAN transfers with their receipts by hash, overrides,
incidents, inspections, erasure certificates, visit rounds and the close-out.

The CSV is UTF-8 with a byte-order mark. Excel opens it as Japanese text on double-click,
and unlike CP932 it holds every name a person may have (CP932 has no 𠮷 or 﨑 variants of
JIS X 0213, and would need a lossy substitute); LibreOffice and scripts read it as UTF-8.
Cells that Excel would take for a formula (=, +, -, @) are quoted with a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ledger
from handover import ids
from handover.config import Settings
from handover.documents import write_pdf
from handover.documents.words import METHOD_LABELS, MOMENT_LABELS
from handover.documents.audit_report import AuditReport, Section, Verification, render_audit_report
from handover.documents.wareki import format_datetime, format_wareki
from handover.errors import HandoverError
from handover.files import write_bytes_atomically
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal
from handover.model.state import Row, State, overrides_of
from handover.reports import inspection_record
from handover.reports.erasures import erasure_json
from handover.reports.incidents import SOURCE_LABELS, incident_json
from handover.reports.case_status import case_overrides
from handover.reports.confirmation import handover_items
from handover.reports.inspections_due import inspection_status
from handover.reports.verification import verify
from handover.reports.visit_rounds import round_json

_DASH = "—"
_STATUS_JA = {"done": "実施済", "due": "未実施（期限前）", "overdue": "期限超過（未実施）"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditResult:
    data: dict[str, Any]
    verification: ledger.VerifyReport
    pdf: Path | None
    csv: Path | None


def _when(iso: str | None) -> str:
    if not iso:
        return _DASH
    stamp = format_datetime(dt.datetime.fromisoformat(iso))
    return f"{stamp.wareki}\n{stamp.iso}"


def _day(iso: str) -> str:
    return f"{format_wareki(dt.date.fromisoformat(iso))}（{iso}）"


def _person(st: State, person_id: str | None) -> str:
    if not person_id:
        return _DASH
    return f"{st.name(st.person(person_id).org_id)} {st.name(person_id)}"


# --- the sections ---------------------------------------------------------------------------

def handovers_section(st: State, case: Row) -> tuple[list[dict], Section]:
    """Every handover with what its 確認書 says and the receiver's confirmation."""
    data, rows = [], []
    for h in st.handovers(case.case_id):
        items = handover_items(st, h.handover_id)
        data.append({
            "handover_id": h.handover_id, "moment": h.moment, "occurred_at": h.occurred_at,
            "from_person": h.from_person, "from_org": h.from_org, "to_person": h.to_person,
            "to_org": h.to_org, "method": h.method, "courier": h.courier, "content": h.content,
            "items": [{"item_id": i.item_id, "kind": i.kind_label, "content": i.content,
                       "record_count": i.record_count, "sha256": i.package_sha256}
                      for i in items],
            "media_count": h.media_count, "record_count": h.record_count,
            "envelope_count": h.envelope_count, "entry": h.entry_index,
            "confirmed_by": h.confirmed_by, "confirmed_at": h.confirmed_at,
            "condition": h.condition, "confirm_entry": h.confirm_index,
            "override_reason": h.override_reason})
        # As the 確認書 lists them: ID, kind, 情報の内容, and how many.
        what = "\n".join(f"{i.item_id} {i.kind_label}：{i.content}" +
                         (f"（{i.record_count:,}件）" if i.record_count is not None else "") +
                         (f" {i.envelope_count:,}通" if i.envelope_count else "")
                         for i in items)
        confirmed = (f"{_person(st, h.confirmed_by)}\n{_when(h.confirmed_at)}" +
                     (f"\n{h.condition}" if h.condition else "")) if h.confirmed_by else "未確認"
        rows.append((h.handover_id, MOMENT_LABELS.get(h.moment, h.moment),
                     _when(h.occurred_at), _person(st, h.from_person), _person(st, h.to_person),
                     METHOD_LABELS.get(h.method, h.method), what or _DASH, confirmed,
                     f"{h.entry_index}" + (f" / {h.confirm_index}" if h.confirm_index else "")))
    return data, Section(
        "受渡し（確認書）と受領者の確認",
        ("確認書番号", "区分", "日時", "引渡者", "受領者", "方法", "物・件数", "受領者の確認",
         "台帳"), (3.6, 0.9, 2.9, 2.5, 2.5, 1.1, 3.7, 3.5, 1.3), tuple(rows),
        notes=("台帳欄は記録と確認のエントリ番号です。",))


def overrides_section(st: State, case: Row) -> tuple[list[dict], Section]:
    """Every rule overridden, with the reason recorded (handovers, then the closing)."""
    data = case_overrides(st, case)
    rows = tuple((o["handover_id"] or "業務の終了", _when(o["occurred_at"]),
                  _person(st, o["recorded_by"]), o["reason"],
                  "\n".join(f"{policy.RULE_TITLES_JA.get(r['rule'], r['rule'])}（{r['rule']}）"
                            f" {r['item']}" for r in o["rules"]))
                 for o in data)
    return data, Section("例外（規則を理由を記録して適用しなかったもの）",
                         ("対象", "日時", "記録者", "理由", "例外とした規則"),
                         (3.0, 3.6, 2.6, 4.4, 5.2), rows)


def inspections_section(st: State, case: Row, today: dt.date) -> tuple[dict, list[Section]]:
    """Each inspection and its findings; then, per organisation and fiscal year, whether the
    year's inspection was done (年度当たり1回以上)."""
    records, rows = [], []
    for v in st.inspections(case.case_id):
        found = inspection_record.findings(v)
        follow = inspection_record.follow_ups(v)
        records.append({"inspection_id": v.inspection_id, "org_id": v.org_id,
                        "inspected_on": v.inspected_on, "fiscal_year": v.fiscal_year,
                        "inspectors": v.inspectors.split(), "place": v.place,
                        "findings": found, "follow_ups": follow, "entry": v.entry_index})
        results = "\n".join(f"{ev.INSPECTION_CHECKS[f['check']]}：{ev.FINDING_RESULTS[f['result']]}"
                            + (f"（{f['note']}）" if f["result"] == ev.FINDING_DEFICIENT else "")
                            for f in found)
        rows.append((v.inspection_id, _day(v.inspected_on), st.name(v.org_id),
                     "、".join(st.name(i) for i in v.inspectors.split()), v.place, results,
                     "\n".join(follow) or "なし"))
    orgs = st.case_orgs(case.case_id)
    years = inspection_status(case, orgs, st.inspections(case.case_id), today,
                              {o: st.name(o) for o in orgs})
    year_rows = tuple((y["fiscal_year_label"], y["org"], _STATUS_JA[y["status"]], _day(y["due_by"]),
                       "、".join(i["inspection_id"] for i in y["inspections"]) or _DASH)
                      for y in years)
    return {"records": records, "by_fiscal_year": years}, [
        Section("立入調査", ("調査番号", "調査日", "対象", "調査者", "場所", "確認項目と結果",
                         "改善措置"), (3.6, 2.6, 2.4, 2.2, 2.4, 5.0, 3.4), tuple(rows)),
        Section("年度ごとの立入調査（年度当たり1回以上）", ("年度", "対象", "状況", "期限", "調査番号"),
                (4.0, 4.0, 3.0, 4.0, 4.0), year_rows)]


def lgwan_section(st: State, case: Row) -> tuple[list[dict], Section]:
    """Every file sent over LGWAN, its hash, and the receipt the contractor confirmed by
    recomputing that hash on the downloaded file."""
    data, rows = [], []
    for t in st.lgwan_transfers(case_id=case.case_id):
        data.append({"transfer_id": t.transfer_id, "handover_id": t.handover_id,
                     "medium_id": t.medium_id, "package_id": t.package_id,
                     "file_name": t.file_name, "size": t.size, "sha256": t.sha256,
                     "service": t.service, "sender": t.sender,
                     "workstation_id": t.workstation_id, "sent_at": t.sent_at,
                     "entry": t.entry_index, "received_by": t.received_by,
                     "received_at": t.received_at})
        received = (f"{_person(st, t.received_by)}\n{_when(t.received_at)}\nSHA-256一致"
                    if t.received_by else "未受信")
        rows.append((f"{t.transfer_id}\n{t.handover_id}", f"{t.file_name}\n{t.size:,} バイト",
                     # the hash in four lines of 16, broken where a reader can compare it
                     "\n".join(t.sha256[n:n + 16] for n in range(0, 64, 16)), t.service,
                     f"{_person(st, t.sender)}\n{t.workstation_id}", _when(t.sent_at), received,
                     str(t.entry_index)))
    return data, Section(
        "LGWANによる送信と受信の確認（SHA-256照合）",
        ("送信番号\n確認書番号", "ファイル", "SHA-256", "サービス", "送信者・端末", "送信日時",
         "受信の確認", "台帳"), (3.7, 2.6, 3.4, 2.2, 2.8, 3.2, 3.4, 1.0), tuple(rows),
        notes=("受信の確認は、受託者がダウンロードしたファイルのSHA-256を計算し、送信記録と"
               "一致した場合にのみ記録されます。不一致は事故として記録されます。",))


def incidents_section(st: State, case: Row) -> tuple[list[dict], Section]:
    """Every incident on the case, open or closed, with its follow-ups and outcome."""
    data, rows = [], []
    for i in st.incidents(case.case_id):
        followups = st.incident_followups(i.incident_id)
        data.append(incident_json(st, i, followups))
        what = (f"{ev.INCIDENT_CATEGORIES.get(i.category, i.category)}\n{i.description}"
                + (f"\n対象：{'、'.join(i.item_ids.split())}" if i.item_ids else ""))
        reported = (f"{_person(st, i.reported_by)}\n発見 {_when(i.discovered_at)}\n"
                    f"{SOURCE_LABELS.get(i.source, i.source)}")
        notified = _when(i.ward_notified_at) if i.ward_notified_at else "—"
        steps = "\n".join(f"{_when(f.recorded_at).split(chr(10))[-1]} {st.name(f.recorded_by)}："
                          f"{f.note}" for f in followups) or "なし"
        status = (f"完了\n{_when(i.closed_at)}\n{i.outcome}" if i.status == "closed"
                  else "対応中（未完了）")
        rows.append((i.incident_id, what, reported, notified, steps, status, str(i.entry_index)))
    return data, Section(
        "事故報告", ("事故番号", "種別・内容", "報告者・発見", "区への報告", "経過・対応",
                 "状況・結果", "台帳"), (3.6, 4.4, 3.4, 2.4, 4.0, 3.4, 1.0), tuple(rows))


def erasures_section(st: State, case: Row) -> tuple[list[dict], Section]:
    """Every erasure certificate: what was erased where and how, who erased and verified it,
    and whether the ward received (and checked) it."""
    data, rows = [], []
    for c in st.erasures(case.case_id):
        data.append(erasure_json(st, c))
        org = st.org(c.org_id)
        received = [f"区 {_when(c.ward_received_at).replace(chr(10), ' ')}"
                    if c.ward_received_at else "区 未受領"]
        if org.parent_id:
            received.append(f"{st.name(org.parent_id)} "
                            + (_when(c.contractor_received_at).replace(chr(10), " ")
                               if c.contractor_received_at else "未受領"))
        if c.checked_at:
            received.append(f"区の確認 {_when(c.checked_at).split(chr(10))[-1]}：{c.check_note}")
        rows.append((c.certificate_id, st.name(c.org_id),
                     f"{c.erased}\n元：{'、'.join(c.sources.split())}",
                     "、".join(json.loads(c.locations)),
                     f"{ev.ERASURE_METHODS.get(c.method, c.method)}（{c.method}）\n{c.tool}",
                     f"実施 {_person(st, c.performed_by)}\n確認 {_person(st, c.verified_by)}",
                     f"{_day(c.erased_on)}\n{c.place}", "\n".join(received)))
    return data, Section(
        "消去証明書", ("証明書番号", "事業者", "消去したもの・元", "場所（機器）", "方法・ツール",
                  "実施者・確認者", "消去日・場所", "受領・確認"),
        (3.9, 2.2, 3.2, 2.2, 2.8, 3.2, 3.0, 3.6), tuple(rows))


def visit_rounds_section(st: State, case: Row) -> tuple[list[dict], Section]:
    """Every visit round (授受簿, 000 受託事業者 4): the pair, the lists issued and returned
    with times, and any list lost with its incident."""
    data, rows = [], []
    for rnd in st.visit_rounds(case.case_id):
        r = round_json(st, rnd)
        data.append(r)
        issued = "\n".join(f"{x['list_id']}（{x['half']}）→ {x['visitor']}" for x in r["lists"])
        back = "\n".join(
            f"{x['list_id']} {_when(x['returned_at']).split(chr(10))[-1]} "
            f"{ev.RETURN_METHODS.get(x['method'], x['method'])}" for x in r["lists"]
            if x["returned_at"]) or _DASH
        lost = (f"紛失 {'、'.join(r['missing'])}\n事故報告 {r['incident_id']}" if r["missing"]
                else f"未返却 {'、'.join(r['out'])}" if r["out"] else "なし")
        status = (f"終了\n{_when(r['closed_at'])}" if r["status"] == "closed" else "実施中")
        rows.append((r["round_id"], f"{_day(r['visit_date'])}\n{r['area'] or _DASH}",
                     "\n".join(v["name"] for v in r["visitors"]),
                     f"{_person(st, r['issued_by_id'])}\n{_when(r['started_at'])}\n"
                     f"配布 {r['count']} 枚\n{issued}", back, lost, status,
                     str(rnd.entry_index)))
    return data, Section(
        "訪問リスト授受簿（訪問ごとの交付・返却）", ("訪問番号", "訪問日・地区", "訪問者",
                                       "交付（交付者・日時・枚数）", "返却", "紛失・未返却",
                                       "状況", "台帳"),
        (3.8, 2.6, 2.2, 4.6, 4.0, 2.8, 2.4, 1.0), tuple(rows))


def closeout_section(st: State, case: Row) -> tuple[dict, Section]:
    """How the case ended: closed cleanly through the gate, or with an override and its
    reason; while open, what the gate would still refuse today."""
    closing = st.closing_override(case.case_id)
    if case.status == "closed":
        rules = [{"rule": r["rule"], "item": r["item"], "message": r["message"]}
                 for r in (overrides_of(closing) if closing else [])]
        data = {"status": "closed", "closed_at": case.closed_at, "reason": case.close_reason,
                "through_gate": closing is None,
                "override_reason": closing.reason if closing else None,
                "override_recorded_by": closing.recorded_by if closing else None,
                "overridden": rules, "unmet": []}
        how = ("終了の条件をすべて満たして終了" if closing is None
               else f"例外により終了（理由：{closing.reason}、記録者 {_person(st, closing.recorded_by)}）")
        rows = [("終了日時", _when(case.closed_at)), ("終了の方法", how),
                ("終了の理由", case.close_reason or _DASH)]
        rows += [("例外とした規則",
                  f"{policy.RULE_TITLES_JA.get(r['rule'], r['rule'])}（{r['rule']}） {r['item']}")
                 for r in rules]
    else:
        unmet = [{"rule": v.rule, "item": v.item, "message": v.message.split(" [rule:")[0]}
                 for v in policy.unmet_close_out(st, case)]
        data = {"status": "open", "closed_at": None, "reason": None, "through_gate": None,
                "override_reason": None, "override_recorded_by": None, "overridden": [],
                "unmet": unmet}
        rows = [("状態", "実施中（未終了）"),
                ("終了の条件", "現時点ですべて満たしています" if not unmet
                 else f"未充足 {len(unmet)} 件")]
        rows += [(f"{policy.RULE_TITLES_JA.get(u['rule'], u['rule'])}（{u['rule']}）",
                  u["message"].split(" / ")[-1]) for u in unmet]
    return data, Section(
        "業務の終了（返却・確認・事故・消去証明書の条件）", ("項目", "内容"), (5.0, 17.0),
        tuple(rows), notes=("終了の条件：媒体・通知書がすべて区に返却され、すべての受渡しが"
                            "確認され、未完了の事故がなく、LGWANファイルと受託者・再委託先の"
                            "すべてについて区が消去証明書を受領し、すべての訪問が終了している"
                            "こと。",))


def verification_section(settings: Settings, trusted_keys: list[Path]) -> tuple[
        dict, Verification, ledger.VerifyReport]:
    """A full replay of the log against the keys the auditor trusts."""
    report = verify(settings, trusted_keys, None)
    lines = [f"台帳 {report.log}：{report.size} エントリ、チェックポイント "
             f"{report.checkpoints_checked} 件、署名 {report.signatures_checked} 件を検証"]
    lines += [f"問題：{p.failure}" + (f"（エントリ {p.index}）" if p.index is not None else "")
              + f" {p.message}" for p in report.problems]
    lines += [f"注意：{w}" for w in report.warnings]
    checkpoint = report.latest.note if report.latest else None
    return (report.as_json(), Verification(report.ok, tuple(lines), checkpoint), report)


def _sections(st: State, case: Row, today: dt.date) -> tuple[dict, list[Section]]:
    handovers, handover_table = handovers_section(st, case)
    overrides, override_table = overrides_section(st, case)
    transfers, lgwan_table = lgwan_section(st, case)
    incidents, incident_table = incidents_section(st, case)
    inspections, inspection_tables = inspections_section(st, case, today)
    erasures, erasure_table = erasures_section(st, case)
    rounds, rounds_table = visit_rounds_section(st, case)
    closeout, closeout_table = closeout_section(st, case)
    return ({"handovers": handovers, "lgwan_transfers": transfers, "overrides": overrides,
             "incidents": incidents, "inspections": inspections, "erasures": erasures,
             "visit_rounds": rounds, "closeout": closeout},
            [handover_table, lgwan_table, override_table, incident_table, *inspection_tables,
             erasure_table, rounds_table, closeout_table])


# --- assembly and output --------------------------------------------------------------------

def audit_report(journal: Journal, settings: Settings, case_id: str,
                 trusted_keys: list[Path], *, pdf: Path | None = None,
                 csv_path: Path | None = None) -> AuditResult:
    """The report's data; with `pdf` / `csv_path`, the 監査報告書 and its CSV written
    atomically. A failed verification is in the report: call `require_ok` after showing it."""
    case_id = ids.parse_id(case_id, "case")
    now = journal.now()
    for path, what in ((pdf, "PDF"), (csv_path, "CSV")):
        if path is not None and Path(path).is_dir():
            raise HandoverError(f"the report's {what} path {path} is a directory",
                                f"give a file name, e.g. {Path(path) / ('report.' + what.lower())}")
    with journal.reading() as st:
        case = st.case(case_id)
        data, sections = _sections(st, case, now.date())
        orgs = st.case_orgs(case_id)
        summary = (("業務", f"{case.name}（{case.case_id}）"),
                   ("契約期間", f"{_day(case.period_start)} 〜 {_day(case.period_end)}"),
                   ("委託先・再委託先", "、".join(f"{st.name(o)}（{o}）" for o in orgs)),
                   ("状態", "実施中" if case.status == "open"
                    else f"終了 {_when(case.closed_at).replace(chr(10), ' ')}"))
        head = {"case_id": case_id, "name": case.name, "status": case.status,
                "period_start": case.period_start, "period_end": case.period_end,
                "contractors": [{"org_id": o, "name": st.name(o)} for o in orgs],
                "closed_at": case.closed_at}
    verification, checked, report = verification_section(settings, trusted_keys)
    document = AuditReport(case_id, case.name, summary, now, tuple(sections), checked)
    out = {"case": head, "as_of": now.isoformat(), **data, "verification": verification}
    written_pdf = written_csv = None
    try:
        if pdf is not None:
            written_pdf = write_pdf(pdf, render_audit_report(document), mode=0o644)
        if csv_path is not None:
            written_csv = write_bytes_atomically(csv_path, report_csv(document))
    except OSError as e:
        raise HandoverError(f"cannot write the report: {e.strerror or e} ({e.filename})",
                            "give --pdf / --csv paths in a directory you can write to") from None
    out["pdf"] = str(written_pdf) if written_pdf else None
    out["csv"] = str(written_csv) if written_csv else None
    return AuditResult(out, report, written_pdf, written_csv)


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def report_csv(report: AuditReport) -> bytes:
    """The report's sections as blocks (heading, column names, rows, blank line), then the
    verification; UTF-8 with BOM, CRLF line ends, as Excel expects."""
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\r\n")
    w.writerow(["監査報告書", _cell(report.case_name), report.case_id,
                report.generated_at.isoformat()])
    for label, value in report.summary:
        w.writerow([label, _cell(value)])
    for n, section in enumerate(report.sections, 1):
        w.writerow([])
        w.writerow([f"{n}. {section.title}"])
        w.writerow(section.columns)
        for row in section.rows:
            w.writerow([_cell(v) for v in row])
        if not section.rows:
            w.writerow([section.empty])
    v = report.verification
    w.writerow([])
    w.writerow([f"{len(report.sections) + 1}. 台帳の検証", "正常" if v.ok else "異常あり"])
    for line in v.lines:
        w.writerow([_cell(line)])
    if v.checkpoint_text:
        w.writerow(["署名付きチェックポイント", v.checkpoint_text])
    return buffer.getvalue().encode("utf-8-sig")
