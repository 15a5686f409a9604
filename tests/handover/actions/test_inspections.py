"""On-site inspections (立入調査): recording, every refusal, the 立入調査記録 PDF, and the
per-fiscal-year done / due / overdue in `status`, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from handover import actions, reports
from handover.clock import JST, fiscal_year, fiscal_year_bounds
from handover.documents.wareki import format_fiscal_year
from handover.errors import EXIT_REFUSED, HandoverError
from handover.model import events as ev
from tests.handover.support import needs_poppler, pdf_qr_codes, pdf_text, refused

ALL_OK = {check: ("ok", "") for check in ev.INSPECTION_CHECKS}


def _inspect(w, org=None, *, on=dt.date(2026, 4, 6), inspectors=None, results=None,
             follow_ups=(), actor=None, case_id=None, **kw):
    return actions.record_inspection(w.j, actor or w.taro, case_id or w.case_id,
                                     org or w.contractor, on, inspectors or [w.jiro],
                                     kw.pop("place", "株式会社見本ツーリスト 本社作業室"),
                                     results or ALL_OK, follow_ups, **kw)


def _case_status(w):
    return reports.status(w.j, w.case_id)["cases"][0]


def _inspection_rows(w, org):
    return [r for r in _case_status(w)["inspections"] if r["org_id"] == org]


def test_fiscal_years_run_april_to_march_named_in_both_calendars():
    assert fiscal_year(dt.date(2027, 3, 31)) == 2026
    assert fiscal_year(dt.date(2026, 4, 1)) == 2026
    assert fiscal_year_bounds(2026) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert format_fiscal_year(2026) == "令和8年度（2026年度）"
    # 令和 began on 1 May 2019; the fiscal year that began in April is 平成31年度.
    assert format_fiscal_year(2019) == "平成31年度（2019年度）"
    assert format_fiscal_year(2020) == "令和2年度（2020年度）"


def test_an_inspection_is_recorded_and_status_shows_it_done_for_that_org_only(world):
    rows = _inspection_rows(world, world.contractor)
    assert [(r["fiscal_year"], r["status"], r["due_by"]) for r in rows] == \
        [(2026, "due", "2026-06-30")]     # the contract ends before March: due by its end
    done = _inspect(world, results=dict(ALL_OK, **{"print-logs": ("n/a", "印刷は再委託先")}))
    with world.j.reading() as st:
        row = st.inspection(done.inspection_id)
        assert (row.case_id, row.org_id, row.fiscal_year, row.inspectors) == \
            (world.case_id, world.contractor, 2026, world.jiro)
    assert done.inspection_id.startswith("V-")
    [mine] = _inspection_rows(world, world.contractor)
    assert mine["status"] == "done"
    assert mine["inspections"] == [{"inspection_id": done.inspection_id,
                                    "inspected_on": "2026-04-06"}]
    assert mine["fiscal_year_label"] == "令和8年度（2026年度）"
    [printer] = _inspection_rows(world, world.printer)
    assert printer["status"] == "due"
    # The entry is indexed under the inspection, the case, the organisation and the inspector.
    for subject in (done.inspection_id, world.case_id, world.contractor, world.jiro):
        entries = reports.history(world.j, subject)["entries"]
        assert done.entry_index in [e["index"] for e in entries], subject


def test_overdue_once_the_years_deadline_passes_without_an_inspection(world):
    _inspect(world, world.printer)
    world.clock.now = dt.datetime(2026, 7, 1, 9, 0, tzinfo=JST)   # the contract ended 06-30
    by_org = {r["org_id"]: r["status"] for r in _case_status(world)["inspections"]}
    assert by_org == {world.contractor: "overdue", world.printer: "done"}


def test_a_multi_year_case_needs_one_inspection_in_every_fiscal_year(world):
    case = actions.open_case(world.j, world.taro, "複数年度の業務（見本）", [world.contractor],
                             dt.date(2026, 4, 1), dt.date(2028, 3, 31), [world.hanako]).value
    _inspect(world, case_id=case, on=dt.date(2026, 4, 6))
    world.clock.now = dt.datetime(2028, 4, 2, 9, 0, tzinfo=JST)
    rows = reports.status(world.j, case)["cases"][0]["inspections"]
    assert [(r["fiscal_year"], r["status"], r["due_by"]) for r in rows] == [
        (2026, "done", "2027-03-31"), (2027, "overdue", "2028-03-31")]
    # On 2027-05-01, fiscal 2027 is due, not overdue; an inspection in March 2027 counts for 2026.
    world.clock.now = dt.datetime(2027, 5, 1, 9, 0, tzinfo=JST)
    rows = reports.status(world.j, case)["cases"][0]["inspections"]
    assert [(r["fiscal_year"], r["status"]) for r in rows] == [(2026, "done"), (2027, "due")]


def test_a_closed_case_lists_no_inspections_due(world):
    actions.close_case(world.j, world.taro, world.case_id, "終了")
    assert _case_status(world)["inspections"] == []


@needs_poppler
def test_the_record_pdf_has_every_field_and_the_checkpoint_qr(world, tmp_path):
    done = _inspect(world, results=dict(ALL_OK, **{
        "print-logs": ("deficient", "3月分の印刷ログが未提出"),
        "erasure": ("n/a", "業務期間中のため対象外")}),
        follow_ups=["4月末までに印刷ログを提出させる"], inspectors=[world.jiro, world.taro],
        pdf_dir=tmp_path / "pdf")
    text = pdf_text(done.pdf_path)
    flat = text.replace("\n", "").replace(" ", "")
    for field in ("立入調査記録", done.inspection_id, "ワクチン接種券発送業務（見本）",
                  "株式会社見本ツーリスト（委託先）", "令和8年4月6日（2026-04-06）",
                  "令和8年度（2026年度）", "本社作業室", "見本次郎", "見本太郎",
                  "媒体・通知書の施錠保管", "取扱者名簿が最新であること", "作業場所の入退室記録",
                  "印刷ログ", "要改善", "3月分の印刷ログが未提出", "該当なし",
                  "4月末までに印刷ログを提出させる", "調査者印", "1/1頁",
                  f"エントリ番号{done.entry_index}"):
        assert field.replace(" ", "") in flat, field
    with world.j.engine.connect() as conn:
        import ledger
        newest = ledger.stored_checkpoints(conn, world.j.log)[-1][1]
    assert pdf_qr_codes(done.pdf_path, tmp_path / "png") == [newest]
    # Printed again later, against the newest checkpoint, same fields.
    again = actions.print_inspection(world.j, done.inspection_id, tmp_path / "again")
    assert "要改善" in pdf_text(again)


@pytest.mark.parametrize("rule, change", [
    ("not-on-case", "other_org"),
    ("inspection-date", "before_period"),
    ("inspection-date", "future"),
    ("follow-up-required", "deficient_without_follow_up"),
    ("role-required", "contractor_inspector"),
    ("role-required", "contractor_records"),
    ("case-closed", "closed"),
])
def test_refusals(world, tmp_path, rule, change):
    kw: dict = {"pdf_dir": tmp_path / "refused" / "pdf"}
    if change == "other_org":
        kw["org"] = actions.register_org(world.j, world.taro, "別件株式会社", "contractor").value
    elif change == "before_period":
        kw["on"] = dt.date(2026, 3, 31)
    elif change == "future":
        kw["on"] = dt.date(2026, 4, 7)
    elif change == "deficient_without_follow_up":
        kw["results"] = dict(ALL_OK, **{"locked-storage": ("deficient", "施錠されていない")})
    elif change == "contractor_inspector":
        kw["inspectors"] = [world.jiro, world.hanako]
    elif change == "contractor_records":
        kw["actor"] = world.hanako
    elif change == "closed":
        actions.close_case(world.j, world.taro, world.case_id, "終了")
    v = refused(world, rule, _inspect, world, **kw)
    assert v.exit_code == EXIT_REFUSED
    assert not (tmp_path / "refused").exists(), "a refused inspection leaves no directory"


@pytest.mark.parametrize("results, follow, message", [
    ({k: v for k, v in ALL_OK.items() if k != "erasure"}, (), "no result for erasure"),
    (dict(ALL_OK, shredding=("ok", "")), (), "unknown inspection check 'shredding'"),
    (dict(ALL_OK, erasure=("fine", "")), (), "check erasure: unknown result 'fine'"),
    (dict(ALL_OK, erasure=("deficient", " ")), ("対応",), "erasure is deficient but says nothing"),
])
def test_bad_checklists_are_plain_errors_naming_the_check(world, results, follow, message):
    size = world.size()
    with pytest.raises(HandoverError) as info:
        _inspect(world, results=results, follow_ups=follow)
    assert message in info.value.message and info.value.hint
    assert world.size() == size


def test_findings_are_read_as_typed_and_a_repeated_check_is_refused():
    assert actions.parse_findings(["print-logs=deficient:3月分: 未提出", "erasure = n/a"]) == {
        "print-logs": ("deficient", "3月分: 未提出"), "erasure": ("n/a", "")}
    with pytest.raises(HandoverError, match="cannot read the finding 'erasure'"):
        actions.parse_findings(["erasure"])
    with pytest.raises(HandoverError, match="given twice"):
        actions.parse_findings(["erasure=ok", "erasure=n/a"])


def test_an_inspection_needs_inspectors_and_a_place(world):
    with pytest.raises(HandoverError, match="needs its inspectors"):
        actions.record_inspection(world.j, world.taro, world.case_id, world.contractor,
                                  dt.date(2026, 4, 6), [], "本社", ALL_OK)
    with pytest.raises(HandoverError, match="place inspected"):
        _inspect(world, place="  ")
