"""The auditor's report for one case (issue 10 §5): every handover with its 確認書 fields and
its confirmation, every override with its reason, the inspections, and the result of a full
ledger verification with the signed checkpoint it was verified against. As JSON, as a PDF
(監査報告書) and as CSV.

Each section is one function from the projection to a `Section`; the PDF and the CSV print
the same sections. Incidents, erasure certificates and the close-out (issue 10 §2-3) join
`_sections` as functions of their own once those events exist.

The CSV is UTF-8 with a byte-order mark. Excel opens it as Japanese text on double-click,
and unlike CP932 it holds every name a person may have (CP932 has no 𠮷 or 﨑 variants of
JIS X 0213, and would need a lossy substitute); LibreOffice and scripts read it as UTF-8.
Cells that Excel would take for a formula (=, +, -, @) are quoted with a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ledger
from handover import ids
from handover.config import Settings
from handover.documents import METHOD_LABELS, MOMENT_VERBS, write_pdf
from handover.documents.audit_report import AuditReport, Section, Verification, render_audit_report
from handover.documents.wareki import format_datetime, format_wareki
from handover.errors import HandoverError
from handover.files import write_bytes_atomically
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal
from handover.model.state import Row, State
from handover.reports import inspection_record
from handover.reports.case_status import case_overrides
from handover.reports.confirmation import handover_items
from handover.reports.inspections_due import inspection_status
from handover.reports.verification import verify

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
        rows.append((h.handover_id, MOMENT_VERBS.get(h.moment, "再委託先への引渡し"),
                     _when(h.occurred_at), _person(st, h.from_person), _person(st, h.to_person),
                     METHOD_LABELS.get(h.method, h.method), what or _DASH, confirmed,
                     f"{h.entry_index}" + (f" / {h.confirm_index}" if h.confirm_index else "")))
    return data, Section(
        "受渡し（確認書）と受領者の確認",
        ("確認書番号", "区分", "日時", "引渡者", "受領者", "方法", "物・件数", "受領者の確認",
         "台帳"), (2.9, 0.9, 3.6, 2.5, 2.5, 1.1, 3.7, 3.5, 1.3), tuple(rows),
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
                         "改善措置"), (3.0, 2.6, 2.4, 2.2, 2.4, 5.6, 3.4), tuple(rows)),
        Section("年度ごとの立入調査（年度当たり1回以上）", ("年度", "対象", "状況", "期限", "調査番号"),
                (4.0, 4.0, 3.0, 4.0, 4.0), year_rows)]


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
    inspections, inspection_tables = inspections_section(st, case, today)
    # Incidents, erasure certificates and the close-out gate (issue 10 §2-3) go here.
    return ({"handovers": handovers, "overrides": overrides, "inspections": inspections},
            [handover_table, override_table, *inspection_tables])


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
