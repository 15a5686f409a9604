"""`handover demo`, the README's first command: the 004 vaccination case end to end on the
embedded SQLite default, in a fresh directory, well under a minute."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.handover.support import pdf_text
from handover.errors import EXIT_VERIFY_FAILED


def test_demo_runs_end_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HANDOVER_DB", raising=False)
    r = CliRunner().invoke(main, ["demo", "--dir", "demo"], catch_exceptions=False)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    out = r.stdout
    demo = tmp_path / "demo"
    # Each step is printed, with where its PDFs are.
    for step in range(1, 15):
        assert f"step {step}:" in out
    assert "modest KDF parameters" in out
    pdfs = [tmp_path / p for p in re.findall(r"確認書: (\S+\.pdf)", out)]
    assert len(pdfs) == 5 and all(p.exists() for p in pdfs)
    assert list((demo / "notices").glob("notice-N-*.pdf"))
    assert len(list((demo / "labels").glob("labels-*.pdf"))) == 2
    assert list((demo / "out").glob("P-*.hop"))
    assert not (demo / "extract").exists(), "the plaintext extract must be deleted"
    # The refusals it shows, and the final checks.
    for rule in ("same-cabinet", "same-recipient-interval", "not-on-roster"):
        assert f"rule: {rule}" in out
    assert "identical" in out
    assert re.search(r"signed checkpoint\(s\), \d+ entries signed by the person who acted: ok", out)
    # Everyone enrolled at the counter got a 登録票.
    assert len(list((demo / "tourokuhyo").glob("登録票_U-*_Y-*.pdf"))) == 6   # 太郎 at init, then 5
    # The demo's database works with the ordinary commands afterwards.
    r = CliRunner().invoke(main, ["--db", f"sqlite:///{demo / 'handover.db'}", "status", "--json"])
    assert r.exit_code == 0 and '"overdue": []' in r.stdout


def test_demo_refuses_a_directory_in_use(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    r = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "used")])
    assert r.exit_code == 1
    assert r.stderr.startswith("handover: error: ") and "not empty" in r.stderr


def test_an_auditors_state_saved_after_the_demo_catches_the_last_two_entries_deleted(tmp_path, monkeypatch):
    # Issue 8 §3: every recording transaction ends with a signed checkpoint, so the auditor's
    # state covers the whole log they verified, not only up to the last 確認書.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HANDOVER_DB", raising=False)
    assert CliRunner().invoke(main, ["demo", "--dir", "demo"]).exit_code == 0
    demo = tmp_path / "demo"
    db = f"sqlite:///{demo / 'handover.db'}"
    verify = ["--db", db, "--log", "ward", "ledger", "verify",
              "--trusted-key", str(demo / "keys" / "handover-signing.pub"),
              "--state", str(tmp_path / "auditor.json")]
    r = CliRunner().invoke(main, verify)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    size = int(re.search(r"(\d+) entries", r.stdout).group(1))
    # Someone with database access removes the last two entries and whatever signed them.
    con = sqlite3.connect(demo / "handover.db")
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        con.execute(f"DROP TRIGGER {name}")
    con.execute("DELETE FROM ledger_entries WHERE idx >= ?", (size - 2,))
    con.execute("DELETE FROM ledger_checkpoints WHERE size > ?", (size - 2,))
    con.commit()
    con.close()
    r = CliRunner().invoke(main, verify)
    assert r.exit_code == EXIT_VERIFY_FAILED, (r.stdout, r.stderr)
    assert f"index {size - 2}" in r.output or f"entry {size - 2}" in r.output, r.output


def test_the_screening_demo_runs_seed_000s_year(tmp_path, monkeypatch):
    # Issue 10 §6: a CD-R out and back before November, then LGWAN with receipt by hash and
    # the notice by registered mail, an incident (a mismatched download) closed, one
    # inspection, the erasure certificate received, a clean close, the auditor's report.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HANDOVER_DB", raising=False)
    r = CliRunner().invoke(main, ["demo", "--case", "screening", "--dir", "scr"],
                           catch_exceptions=False)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    out = r.stdout
    for step in range(1, 16):
        assert f"step {step}:" in out
    # Every PDF it made is printed, and exists.
    printed = {tmp_path / p for p in re.findall(r"^  [^:\n]+: (\S+\.pdf)$", out, re.M)}
    made = set((tmp_path / "scr").rglob("*.pdf"))
    assert printed == made and all(p.exists() for p in made)
    for kind in ("事故報告書", "立入調査記録", "消去証明書", "監査報告書",
                 "確認書 (receipt confirmed by SHA-256)", "授受簿",
                 "visit list A (fictional residents)", "visit list B (fictional residents)"):
        assert f"  {kind}: " in out, kind
    assert "does not match what was sent" in out and "ファイルを開かないでください" in out
    assert "closed, overrides 0" in out
    assert "identical" in out and re.search(
        r"signed checkpoint\(s\), \d+ entries signed by the person who acted: ok", out)
    assert len(list((tmp_path / "scr" / "tourokuhyo").glob("*.pdf"))) == 5
    assert not list((tmp_path / "scr").glob("extract/*")) and \
        not list((tmp_path / "scr").glob("contractor-download/*"))
    # What the ledger holds, read back through the ordinary commands.
    db = ["--db", f"sqlite:///{tmp_path / 'scr' / 'handover.db'}"]
    status = json.loads(CliRunner().invoke(main, [*db, "status", "--json"]).stdout)
    [case] = status["cases"]
    assert case["status"] == "closed" and case["overrides"] == []
    report = CliRunner().invoke(main, [*db, "report", case["case_id"], "--json", "--trusted-key",
                                       str(tmp_path / "scr" / "keys" / "handover-signing.pub")])
    assert report.exit_code == 0, report.output
    d = json.loads(report.stdout)
    methods = [(h["moment"], h["method"], h["occurred_at"][:10]) for h in d["handovers"]]
    assert [m for m in methods if m[2] < "2022-11-01"] == [
        ("provide", "hand", "2022-06-21"), ("provide", "registered_mail", "2022-06-23"),
        ("return", "hand", "2022-10-24"), ("return", "hand", "2022-10-26")]
    assert [m[:2] for m in methods if m[2] >= "2022-11-01"] == [
        ("provide", "lgwan"), ("provide", "registered_mail"), ("return", "hand")]
    [t] = d["lgwan_transfers"]
    assert t["received_by"] and t["sent_at"].startswith("2022-11-01")
    [incident] = d["incidents"]
    assert (incident["category"], incident["source"], incident["status"]) == (
        "hash-mismatch", "receipt", "closed")
    assert len(d["inspections"]["records"]) == 1
    [x] = d["erasures"]
    assert x["ward_received_at"] and x["checked_at"]
    assert d["closeout"]["through_gate"] is True and d["verification"]["ok"]
    # Issue 11 §2: one visit round with the split lists, both back by label; its 授受簿.
    rounds = json.loads(CliRunner().invoke(main, [*db, "visits", "round", "list",
                                                  case["case_id"], "--json"]).stdout)["rounds"]
    [rnd] = rounds
    assert [r["round_id"] for r in d["visit_rounds"]] == [rnd["round_id"]]     # the auditor's too
    assert (rnd["visit_date"], rnd["status"], rnd["count"], rnd["returned"]) == (
        "2022-11-10", "closed", 2, 2)
    assert [x["method"] for x in rnd["lists"]] == ["scanned", "scanned"]
    [register] = (tmp_path / "scr" / "pdf").glob("jujubo-*-2022-11-10.pdf")
    text = pdf_text(register)
    assert "訪問リスト授受簿" in text and "令和4年11月10日" in text and rnd["round_id"] in text


@pytest.mark.parametrize("case, people", [("vaccination", 6), ("screening", 5)])
def test_the_demo_writes_no_passphrase_or_private_key_anywhere(tmp_path, monkeypatch, case, people):
    """Issue 12: the demo supplies its people's passphrases itself, without a terminal; neither
    they nor the private keys appear in the database, the logs or any file it writes."""
    import handover.demo
    from handover.actions import credentials

    passphrases, keys = [], []
    real_token, real_new = handover.demo.secrets.token_urlsafe, credentials.new_passphrase_credential

    def token(n):
        passphrases.append(real_token(n))
        return passphrases[-1]

    def new(passphrase, kdf_params=None):
        made = real_new(passphrase, kdf_params)
        keys.append(made.key.private_bytes_raw())
        return made
    monkeypatch.setattr(handover.demo.secrets, "token_urlsafe", token)
    monkeypatch.setattr(handover.demo.actions, "new_passphrase_credential", new)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["demo", "--case", case, "--dir", "demo"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert len(passphrases) == len(keys) == people
    import base64
    forms = [p.encode() for p in passphrases]
    for k in keys:
        forms += [k, k.hex().encode(), base64.b64encode(k), base64.urlsafe_b64encode(k).rstrip(b"=")]
    files = [p for p in (tmp_path / "demo").rglob("*") if p.is_file()]
    assert any(p.name == "handover.db" for p in files)
    for path in files:
        data = path.read_bytes()
        for form in forms:
            assert form not in data, path
    # One passphrase is printed, the first staff member's, to sign in to the web pages, and
    # said to be a demo-only credential; every other one and every key stays unprinted.
    printed = r.stdout + r.stderr
    first = passphrases[0]
    assert printed.count(first) == 1
    line = next(x for x in printed.splitlines() if first in x)
    assert "見本 太郎" in line and "demo-only credential" in printed
    for form in forms:
        if form != first.encode():
            assert form.decode("latin-1") not in printed
