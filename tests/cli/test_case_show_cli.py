"""`handover case show CASE`: the roster and the case, readable and as JSON (issue 8 §8)."""

from __future__ import annotations

from handover.errors import EXIT_FAILURE
from handover.ids import new_id
from tests.cli.test_custody_cli import HOST, ok, out_json, run, ward  # noqa: F401


def test_case_show_names_the_roster_period_status_and_workstations(run, ward):
    w = ward
    data = out_json(run("case", "show", w["case"].lower(), "--json"))
    assert data["case_id"] == w["case"] and data["name"] == "接種券発送業務（見本）"
    assert (data["status"], data["period_start"], data["period_end"]) == \
        ("open", "2026-04-01", "2027-03-31")
    assert data["ward"]["name"] == "健康部保健予防課"
    assert [(o["org_id"], o["name"]) for o in data["contractors"]] == \
        [(w["contractor"], "株式会社見本")]
    assert [(m["person_id"], m["name"], m["org"], m["role"], m["role_label"])
            for m in data["roster"]] == [
        (w["hanako"], "架空 花子", "株式会社見本", "responsible", "取扱責任者")]
    assert [ws["hostname"] for ws in data["workstations"]] == [HOST]

    ok(run("case", "roster", w["case"], "--add-handler", w["outsider"], "--reason", "増員",
           actor=w["staff"]))
    text = ok(run("case", "show", w["case"]))
    assert "接種券発送業務（見本）" in text and "status: open" in text
    assert "period: 2026-04-01 to 2027-03-31" in text
    assert f"{w['hanako']}  取扱責任者  架空 花子  株式会社見本" in text
    assert f"{w['outsider']}  取扱者  架空 三郎  株式会社見本" in text
    assert "workstation: " in text and HOST in text


def test_case_show_of_an_unknown_case_says_so(run, ward):
    unknown = new_id("C")
    r = run("case", "show", unknown)
    assert r.exit_code == EXIT_FAILURE
    assert r.stderr.startswith("handover: error: ") and unknown in r.stderr
    assert "Traceback" not in r.stderr
    # The hint names a command that exists.
    assert "handover: hint: see every case with `handover status`" in r.stderr
