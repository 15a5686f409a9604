"""`handover inspection record | print` and the inspections in `status`, through the CLI."""

from __future__ import annotations

import datetime as dt

from cli import inspection as inspection_cli
from handover.clock import JST
from handover.model import events as ev
from tests.cli.test_custody_cli import ok, out_json, refused, run, ward  # noqa: F401
from tests.handover.support import needs_poppler, pdf_text

OK_FINDINGS = [f"--finding={c}=ok" for c in ev.INSPECTION_CHECKS]


def test_the_help_lists_the_models_checklist():
    assert inspection_cli.CHECKS == tuple(ev.INSPECTION_CHECKS)


def _record(run, w, *extra, findings=OK_FINDINGS, actor=None):
    return run("inspection", "record", w["case"], "--org", w["contractor"], "--date", "2026-04-06",
               "--inspector", w["staff"], "--place", "本社作業室", *findings, *extra,
               actor=actor or w["staff"])


@needs_poppler
def test_an_inspection_through_the_cli(run, ward, tmp_path):
    w = ward
    before = out_json(run("status", "--case", w["case"], "--json"))["cases"][0]["inspections"]
    assert [(r["org_id"], r["status"]) for r in before] == [(w["contractor"], "due")]
    assert "inspection 令和8年度（2026年度） of 株式会社見本" in ok(run("status"))
    done = out_json(_record(run, w, "--pdf-dir", str(tmp_path / "pdf"), "--json"))
    assert "立入調査記録" in pdf_text(tmp_path / "pdf" / f"tachiiri-chousa-{done['inspection_id']}.pdf")
    rows = out_json(run("status", "--case", w["case"], "--json"))["cases"][0]["inspections"]
    assert rows[0]["status"] == "done"
    assert f"done ({done['inspection_id']} on 2026-04-06)" in ok(run("status"))
    history = ok(run("history", done["inspection_id"]))
    assert "no deficiency" in history
    printed = ok(run("inspection", "print", done["inspection_id"], "--pdf-dir", str(tmp_path / "again")))
    assert "tachiiri-chousa-" in printed


def test_a_year_without_inspection_shows_overdue(run, ward):
    run.clock["now"] = dt.datetime(2027, 4, 2, 9, 0, tzinfo=JST)
    out = ok(run("status", "--case", ward["case"]))
    assert "OVERDUE (by 2027-03-31)" in out


def test_refusals_and_bad_input_through_the_cli(run, ward):
    w = ward
    deficient = [f for f in OK_FINDINGS if "erasure" not in f] + ["--finding=erasure=deficient:未消去"]
    refused(_record(run, w, findings=deficient), "follow-up-required")
    refused(_record(run, w, actor=w["hanako"]), "role-required")
    bad = _record(run, w, findings=OK_FINDINGS[:-1])
    assert bad.exit_code == 1 and "no result for erasure" in bad.stderr
    assert "Traceback" not in bad.stderr + bad.stdout
    assert out_json(run("status", "--case", w["case"], "--json"))["cases"][0]["inspections"][0][
        "status"] == "due", "nothing was recorded"
