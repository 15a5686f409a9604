"""`handover report CASE` (PDF, CSV, --json) and `--proofs-for ORG --out`, checked offline by
`handover ledger verify-proof` with the public key only."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from handover.errors import EXIT_VERIFY_FAILED
from tests.cli.test_custody_cli import ok, out_json, run, ward  # noqa: F401
from tests.handover.support import needs_poppler, pdf_text
from tests.ledger.conftest import tamper


def _provide(run, w):
    medium = w["sealed"]["medium_id"]
    return out_json(run("record", "--case", w["case"], "--moment", "provide", "--from", w["staff"],
                        "--to", w["hanako"], "--method", "hand", "--item", medium, "--json",
                        actor=w["staff"]))


@needs_poppler
def test_the_report_through_the_cli(run, ward, tmp_path):
    w = ward
    h = _provide(run, w)
    pub = str(tmp_path / "log.pub")
    data = out_json(run("report", w["case"], "--trusted-key", pub, "--json"))
    assert [x["handover_id"] for x in data["handovers"]] == [h["handover_id"]]
    assert data["verification"]["ok"] and data["pdf"] is None
    text = ok(run("report", w["case"], "--trusted-key", pub, "--pdf", str(tmp_path / "r.pdf"),
                  "--csv", str(tmp_path / "r.csv")))
    assert "ledger: ok" in text and "handovers: 1 (0 confirmed)" in text
    assert h["handover_id"] in pdf_text(tmp_path / "r.pdf").replace("\n", "")
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "監査報告書"
    # Without --trusted-key, the .pub beside the signing key (the office machine's copy).
    assert out_json(run("report", w["case"], "--json"))["verification"]["ok"]


def test_a_failed_verification_exits_3_after_writing_the_report(run, ward, tmp_path, db_url):
    engine = sa.create_engine(db_url)
    tamper(engine, "UPDATE ledger_entries SET hash = :h WHERE idx = 2", params={"h": bytes(32)})
    engine.dispose()
    result = run("report", ward["case"], "--trusted-key", str(tmp_path / "log.pub"),
                 "--pdf", str(tmp_path / "r.pdf"))
    assert result.exit_code == EXIT_VERIFY_FAILED
    assert "ledger: FAILED" in result.stdout and (tmp_path / "r.pdf").exists()
    assert "Traceback" not in result.stdout + result.stderr


def test_the_proof_bundle_through_the_cli(run, ward, tmp_path):
    w = ward
    _provide(run, w)
    out = tmp_path / "bundle.json"
    text = ok(run("report", w["case"], "--proofs-for", w["contractor"], "--out", str(out)))
    assert "inclusion proofs" in text
    checked = ok(run("ledger", "verify-proof", str(out), "--trusted-key", str(tmp_path / "log.pub")))
    assert checked.startswith("ok: ") and "HandoverRecorded" in checked and "CaseOpened" in checked
    js = out_json(run("ledger", "verify-proof", str(out), "--trusted-key",
                      str(tmp_path / "log.pub"), "--json"))
    assert js["kind"] == "bundle" and len(js["entries"]) >= 2
    # --proofs-for without --out, or with --pdf, is a usage error; another org a plain one.
    assert run("report", w["case"], "--proofs-for", w["contractor"]).exit_code == 2
    assert run("report", w["case"], "--proofs-for", w["contractor"], "--out", str(out),
               "--pdf", str(tmp_path / "x.pdf")).exit_code == 2
    bad = run("report", w["case"], "--proofs-for", w["staff"], "--out", str(tmp_path / "y.json"))
    assert bad.exit_code == 1 and "expected a organisation ID" in bad.stderr
    assert not (tmp_path / "y.json").exists()
