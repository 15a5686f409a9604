"""`handover status --limit/--after`: the whole-ward view a page of cases at a time."""

from __future__ import annotations

from tests.cli.test_custody_cli import ok, out_json, run, ward  # noqa: F401 (fixtures)


def test_status_pages_through_the_cases(run, ward):
    second = out_json(run("case", "open", "別の業務", "--contractor", ward["contractor"],
                          "--from", "2026-04-01", "--to", "2027-03-31", "--responsible",
                          ward["hanako"], "--json", actor=ward["staff"]))["case_id"]
    first, last = sorted([ward["case"], second])
    page = ok(run("status", "--limit", "1"))
    assert first in page and last not in page
    assert f"more cases: handover status --limit 1 --after {first}" in page
    rest = out_json(run("status", "--limit", "1", "--after", first, "--json"))
    assert [c["case_id"] for c in rest["cases"]] == [last] and rest["next_after"] is None
    assert "more cases" not in ok(run("status"))


def test_a_page_of_no_cases_is_an_error_not_a_traceback(run, ward):
    r = run("status", "--limit", "0")
    assert r.exit_code == 1 and "handover: error: a page of 0 cases" in r.output
