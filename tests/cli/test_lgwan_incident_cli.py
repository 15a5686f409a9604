"""`handover lgwan send`, `handover receive` and `handover incident …` as a person types them:
exit codes, --json, and errors without tracebacks (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil

from handover.errors import EXIT_VERIFY_FAILED
from tests.cli.test_custody_cli import ok, out_json, refused, run, ward  # noqa: F401 (fixtures)


def test_lgwan_with_a_mismatched_download_and_its_incident(run, ward, tmp_path):
    w = ward
    lg = out_json(run("seal", w["case"], str(w["src"]), "--medium", "lgwan", "--content",
                      "見本データ", "--out", str(tmp_path / "lg"), "--notice-dir",
                      str(tmp_path / "lgn"), "--json", actor=w["staff"]))
    refused(run("lgwan", "send", lg["medium_id"], str(w["src"]), "--service", "ASP",
                "--to", w["hanako"], actor=w["staff"]), "file-not-package")
    sent = out_json(run("lgwan", "send", lg["medium_id"], lg["package_path"], "--service",
                        "見本ASP", "--to", w["hanako"], "--json", actor=w["staff"]))
    assert sent["sha256"] == lg["sha256"]
    listed = out_json(run("lgwan", "list", "--case", w["case"], "--json"))
    assert [t["received_by"] for t in listed] == [None]

    bad = tmp_path / "dl" / f"{lg['package_id']}.hop"
    bad.parent.mkdir()
    shutil.copyfile(lg["package_path"], bad)
    bad.write_bytes(bad.read_bytes()[:-1])
    r = run("receive", str(bad), actor=w["hanako"])
    assert r.exit_code == EXIT_VERIFY_FAILED
    assert "Traceback" not in r.stderr and "do NOT open the file" in r.stderr
    [inc] = out_json(run("incident", "list", "--case", w["case"], "--open", "--json"))
    assert inc["category"] == "hash-mismatch"
    status = ok(run("status", "--case", w["case"]))
    assert f"OPEN INCIDENT {inc['incident_id']}" in status
    assert "[SENT OVER LGWAN: erased, not returned]" in status

    got = out_json(run("receive", lg["package_path"], "--json", actor=w["hanako"]))
    assert got["received"] and got["transfer_id"] == sent["transfer_id"]

    ok(run("incident", "follow-up", inc["incident_id"], "--note", "再送を依頼", actor=w["hanako"]))
    refused(run("incident", "close", inc["incident_id"], "--outcome", "再送で解決",
                actor=w["hanako"]), "role-required")
    ok(run("incident", "close", inc["incident_id"], "--outcome", "再送で解決", actor=w["staff"]))
    shown = out_json(run("incident", "show", inc["incident_id"], "--json"))
    assert shown["status"] == "closed" and [f["note"] for f in shown["followups"]] == ["再送を依頼"]
    pdf = ok(run("incident", "print", inc["incident_id"], "--pdf-dir", str(tmp_path / "p")))
    assert pdf.strip().endswith(f"jikohokokusho-{inc['incident_id']}.pdf")


def test_incident_report_errors_are_plain(run, ward, tmp_path):
    w = ward
    r = run("incident", "report", "--case", w["case"], "--kind", "loss", "--what", "紛失",
            "--discovered", "2026-04-06T08:00", actor=w["hanako"])
    assert r.exit_code == 1 and "time zone" in r.stderr and "Traceback" not in r.stderr
    refused(run("incident", "report", "--case", w["case"], "--kind", "loss", "--what", "紛失",
                actor=w["outsider"]), "not-on-roster")
    made = out_json(run("incident", "report", "--case", w["case"], "--kind", "loss", "--what",
                        "封筒1通紛失", "--pdf-dir", str(tmp_path / "p"), "--json",
                        actor=w["hanako"]))
    assert made["pdf"].endswith(".pdf")
    refused(run("case", "close", w["case"], actor=w["staff"]), "incidents-open")


def test_erasure_through_the_cli_then_the_case_closes(run, ward, tmp_path):
    w = ward
    lg = out_json(run("seal", w["case"], str(w["src"]), "--medium", "lgwan", "--content",
                      "見本データ", "--out", str(tmp_path / "lg"), "--notice-dir",
                      str(tmp_path / "lgn"), "--json", actor=w["staff"]))
    ok(run("lgwan", "send", lg["medium_id"], lg["package_path"], "--service", "ASP", "--to",
           w["hanako"], actor=w["staff"]))
    ok(run("receive", lg["package_path"], actor=w["hanako"]))
    err = refused(run("case", "close", w["case"], actor=w["staff"]), "lgwan-file-not-erased")
    assert "erasure-certificate-missing" in err
    base = ("erasure", "record", "--case", w["case"], "--erased", "復号したデータ", "--from",
            lg["package_id"], "--location", "PC-01", "--method", "purge", "--tool", "消去ツール",
            "--performed-by", w["hanako"], "--verified-by", w["hanako"], "--place", "本社")
    r = run(*base, "--on", "2026-13-01", actor=w["hanako"])
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    refused(run(*base, "--on", "2026-04-06", actor=w["outsider"]), "not-on-roster")
    x = out_json(run(*base, "--on", "2026-04-06", "--pdf-dir", str(tmp_path / "x"), "--json",
                     actor=w["hanako"]))
    assert x["pdf"].endswith(f"shokyo-shomeisho-{x['certificate_id']}.pdf")
    refused(run("erasure", "check", x["certificate_id"], "--note", "確認", actor=w["staff"]),
            "certificate-not-received")
    ok(run("erasure", "receive", x["certificate_id"], actor=w["staff"]))
    [c] = out_json(run("erasure", "list", "--case", w["case"], "--json"))
    assert c["ward_received_at"] and c["locations"] == ["PC-01"]
    assert "received" in ok(run("status", "--case", w["case"]))
    ok(run("case", "close", w["case"], actor=w["staff"]))
