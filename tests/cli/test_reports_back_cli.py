"""Reports back to the ward through the CLI (issue 11 §4): `register workstation --org`,
`seal --report`, `record --moment report` by hand, `confirm` by the ward; refusals exit 4
naming their rule, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from tests.cli.test_custody_cli import (DAY1, DAY2, START, ok, out_json, refused, run,  # noqa: F401
                                        ward)

CONTRACTOR_HOST = "tourist-pc-07"


def _report(run, ward, tmp_path, *extra, **how):
    w = ward
    src = tmp_path / "report.csv"
    src.write_text("番号,結果\n1,未着\n2,未着\n3,転居\n", encoding="utf-8")
    return run("seal", w["case"], str(src), "--report", "--medium", "usb", "--content",
               "不着返戻者一覧（報告）", "--out", str(tmp_path / "rout"), "--notice-dir",
               str(tmp_path / "rnotices"), *extra, **how)


def test_a_report_through_the_cli(run, ward, tmp_path):
    w = ward
    # The ward's staff cannot seal a report, even on the contractor's computer.
    ok(run("register", "workstation", CONTRACTOR_HOST, "--org", w["contractor"], "--case",
           w["case"], actor=w["staff"]))
    listed = out_json(run("register", "list", "--json"))["workstations"]
    assert {x["hostname"]: x["org_id"] for x in listed}[CONTRACTOR_HOST] == w["contractor"]
    refused(_report(run, w, tmp_path, actor=w["staff"], host=CONTRACTOR_HOST),
            "report-by-contractor")
    # Not on the ward's computer, nor by someone off the roster.
    refused(_report(run, w, tmp_path, actor=w["hanako"]), "workstation-not-registered")
    refused(_report(run, w, tmp_path, actor=w["outsider"], host=CONTRACTOR_HOST),
            "not-on-roster")
    refused(_report(run, w, tmp_path, "--medium", "lgwan", actor=w["hanako"],
                    host=CONTRACTOR_HOST), "report-by-hand")
    assert not (tmp_path / "rout").exists()

    r = out_json(_report(run, w, tmp_path, "--json", actor=w["hanako"], host=CONTRACTOR_HOST))
    assert r["record_count"] == 3 and r["medium_kind"] == "usb"

    base = ["record", "--case", w["case"], "--moment", "report", "--from", w["hanako"], "--to",
            w["staff"]]
    err = refused(run(*base, "--method", "registered_mail", "--item", r["medium_id"], "--at",
                      DAY1, actor=w["hanako"]), "report-by-hand")
    assert "手渡し" in err
    run.clock["now"] = START + dt.timedelta(hours=2)
    out = out_json(run(*base, "--method", "hand", "--item", r["medium_id"], "--at", DAY1,
                       "--pdf-dir", str(tmp_path / "pdf"), "--json", actor=w["hanako"]))
    refused(run(*base, "--method", "hand", "--item", r["notice_id"], "--at", DAY1,
                actor=w["hanako"]), "same-recipient-interval")
    # The ward confirms the medium it received.
    ok(run("confirm", out["handover_id"], "--pdf-dir", str(tmp_path / "pdf"), actor=w["staff"]))
    run.clock["now"] = START + dt.timedelta(days=1, hours=2)
    ok(run(*base, "--method", "hand", "--item", r["notice_id"], "--at", DAY2,
           actor=w["hanako"]))
    status = out_json(run("status", "--json"))
    (case,) = status["cases"]
    assert r["medium_id"] not in case["out"] and r["notice_id"] not in case["out"]
