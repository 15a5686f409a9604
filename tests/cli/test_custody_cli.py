"""The custody commands end to end through the CLI, on SQLite and PostgreSQL: exit codes,
stdout and stderr (`handover: error: …` then `handover: hint: …`)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import unicodedata

import pytest
from click.testing import CliRunner

import crypto
import crypto.package

from cli.main import main
from handover.errors import EXIT_FAILURE, EXIT_REFUSED, EXIT_VERIFY_FAILED
from handover.ids import new_id
from handover.clock import JST
from handover.label_codes import label_payload, load_label_key

HOST = "cli-test-pc"
DAY1, DAY2 = "2026-04-06T10:00+09:00", "2026-04-07T10:00+09:00"
# The commands' clock: setup happens on the morning of DAY1; tests move it on.
START = dt.datetime(2026, 4, 6, 9, 0, tzinfo=JST)


@pytest.fixture
def run(tmp_path, db_url, monkeypatch):
    runner = CliRunner()
    base = ["--db", db_url, "--key", str(tmp_path / "log.key"), "--log", "ward"]
    env = {"HANDOVER_LABEL_KEY": str(tmp_path / "label.key"), "HANDOVER_ACTOR": None}
    clock = {"now": START}
    monkeypatch.setattr("handover.model.journal.now_jst", lambda: clock["now"])
    # Tiny Argon2id parameters keep these tests fast; the default is exercised by the package
    # CLI tests. Both names are patched so the recorded `kdf` matches what was used.
    tiny = crypto.KdfParams(memory_kib=64, iterations=1, lanes=1)
    monkeypatch.setattr(crypto, "DEFAULT_KDF", tiny)
    monkeypatch.setattr(crypto.package, "DEFAULT_KDF", tiny)

    def invoke(*args, input=None, actor=None, host=HOST):
        extra = ["--as", actor] if actor else []
        # The workstation is the machine's real host name; only a test may pretend otherwise.
        monkeypatch.setattr("handover.model.journal.socket.gethostname", lambda: host)
        return runner.invoke(main, [*base, *args, *extra], input=input, env=env,
                             catch_exceptions=False)
    invoke.clock = clock
    return invoke


def ok(result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def out_json(result) -> dict:
    return json.loads(ok(result))


def refused(result, rule: str, code: int = EXIT_REFUSED) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("handover: error: ")
    assert f"[rule: {rule}; item: " in lines[0]
    assert lines[1].startswith("handover: hint: ")
    return result.stderr


@pytest.fixture
def ward(run, tmp_path):
    """A registered ward, contractor, roster, cabinets, workstation and one sealed package."""
    ok(run("ledger", "keygen"))
    ok(run("label-key"))
    ids = out_json(run("init", "--ward", "健康部保健予防課", "--staff", "見本 太郎", "--json"))
    staff = ids["staff_id"]
    contractor = out_json(run("register", "org", "株式会社見本", "--kind", "contractor", "--json",
                              actor=staff))["org_id"]
    hanako = out_json(run("register", "person", "架空 花子", "--org", contractor, "--role",
                          "responsible_handler", "--json", actor=staff))["person_id"]
    outsider = out_json(run("register", "person", "架空 三郎", "--org", contractor, "--role",
                            "contractor_handler", "--json", actor=staff))["person_id"]
    for person in (hanako, outsider):    # at the counter: each chooses a passphrase
        ok(run("credential", "enrol", person, "--pdf-dir", str(tmp_path / "forms"), actor=staff))
    cab_m = out_json(run("register", "cabinet", "媒体庫", "--org", ids["ward_org_id"],
                         "--key-holder", staff, "--json", actor=staff))["cabinet_id"]
    cab_n = out_json(run("register", "cabinet", "通知書庫", "--org", ids["ward_org_id"],
                         "--key-holder", staff, "--json", actor=staff))["cabinet_id"]
    case = out_json(run("case", "open", "接種券発送業務（見本）", "--contractor", contractor,
                        "--from", "2026-04-01", "--to", "2027-03-31", "--responsible", hanako,
                        "--json", actor=staff))["case_id"]
    ok(run("register", "workstation", HOST, "--case", case, actor=staff))
    src = tmp_path / "extract.csv"
    src.write_text("番号,氏名\n" + "".join(f"{i},見本 {i}\n" for i in range(30)), encoding="utf-8")
    sealed = out_json(run("seal", case, str(src), "--medium", "dvd-r", "--content", "見本データ",
                          "--out", str(tmp_path / "out"), "--notice-dir", str(tmp_path / "notices"),
                          "--labels", str(tmp_path / "labels"), "--json", actor=staff))
    return dict(staff=staff, contractor=contractor, hanako=hanako, outsider=outsider,
                cab_m=cab_m, cab_n=cab_n, case=case, sealed=sealed, src=src)


def test_custody_workflow_through_the_cli(run, ward, tmp_path):
    w, s = ward, ward["sealed"]
    assert s["record_count"] == 30
    assert [p.rsplit("-", 1)[1] for p in s["label_paths"]] == ["a4.pdf", "tape.pdf"]
    assert (tmp_path / "notices" / f"notice-{s['notice_id']}.pdf").exists()

    # Cabinets: the notice never joins its medium.
    ok(run("store", s["medium_id"], "--cabinet", w["cab_m"], actor=w["staff"]))
    err = refused(run("store", s["notice_id"], "--cabinet", w["cab_m"], actor=w["staff"]),
                  "same-cabinet")
    assert s["notice_id"] in err
    ok(run("store", s["notice_id"], "--cabinet", w["cab_n"], actor=w["staff"]))

    # Someone off the roster is refused by name.
    err = refused(run("record", "--case", w["case"], "--moment", "provide", "--from", w["staff"],
                      "--to", w["outsider"], "--method", "hand", "--item", s["medium_id"],
                      "--at", DAY1, actor=w["staff"]), "not-on-roster")
    assert "架空 三郎" in err

    # A scanned pickup, typed by a keyboard-wedge scanner through an IME: full width, lower case.
    run.clock["now"] = START + dt.timedelta(days=1, hours=3)     # recorded the day after
    key = load_label_key(tmp_path / "label.key")
    typed = unicodedata.normalize("NFKC", label_payload(s["medium_id"], key)).lower()
    typed = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in typed)
    r = run("scan", "--expect", s["medium_id"], "--record", "--case", w["case"], "--moment",
            "provide", "--from", w["staff"], "--to", w["hanako"], "--method", "hand",
            "--at", DAY1, "--pdf-dir", str(tmp_path / "pdf"), input=typed + "\n",
            actor=w["staff"])
    out = ok(r)
    assert f"ok: {s['medium_id']}" in out
    handover_id = re.search(r"recorded (H-[0-9A-Z-]+)", out).group(1)
    assert (tmp_path / "pdf" / f"kakuninsho-{handover_id}.pdf").exists()

    # The receiving party confirms; a 確認書 with the confirmation is printed.
    out = ok(run("confirm", handover_id, "--condition", "封緘異常なし", "--pdf-dir",
                 str(tmp_path / "pdf"), actor=w["hanako"]))
    assert f"kakuninsho-{handover_id}-confirmed.pdf" in out
    refused(run("confirm", handover_id, actor=w["hanako"]), "already-confirmed")

    # The notice on the same day is refused; with a reason it is recorded as an override.
    notice = ["record", "--case", w["case"], "--moment", "provide", "--from", w["staff"], "--to",
              w["hanako"], "--method", "registered_mail", "--item", s["notice_id"], "--at", DAY1]
    refused(run(*notice, actor=w["staff"]), "same-recipient-interval")
    out = ok(run(*notice, "--override-reason", "至急（課長承認）", actor=w["staff"]))
    assert "override: same-recipient-interval" in out
    assert "至急（課長承認）" in ok(run("overrides"))
    refused(run("record", "--case", w["case"], "--moment", "provide", "--from", w["staff"],
                "--to", w["hanako"], "--method", "hand", "--item", s["medium_id"], "--at", DAY2,
                actor=w["staff"]), "already-out")

    # Where is everything.
    status = out_json(run("status", "--json"))
    (case,) = status["cases"]
    assert sorted(case["out"]) == sorted([s["medium_id"], s["notice_id"]])
    assert case["overrides"][0]["reason"] == "至急（課長承認）"
    text = ok(run("status"))
    assert "[OUT, due 2027-03-31]" in text and "override" in text
    history = out_json(run("history", s["medium_id"].lower(), "--json"))
    assert [e["kind"] for e in history["entries"]] == [
        "PackageSealed", "MediumRegistered", "ItemStored", "HandoverRecorded", "HandoverConfirmed"]
    assert history["entries"][0]["origin"]["host"] == HOST
    assert "by 見本 太郎" in ok(run("history", s["medium_id"]))

    # Labels for the whole case; rebuild; reprint.
    out = ok(run("labels", "--case", w["case"], "--out", str(tmp_path / "l2"), "--format", "tape"))
    assert out.strip().endswith("-tape.pdf")
    assert "from" in ok(run("rebuild"))
    assert "確認書" in ok(run("print", handover_id, "--pdf-dir", str(tmp_path / "re"),
                             actor=w["staff"]))


def test_scan_reports_forged_and_missing_items(run, ward, tmp_path):
    s = ward["sealed"]
    key = load_label_key(tmp_path / "label.key")
    good = label_payload(s["medium_id"], key)
    forged = good[:-1] + ("A" if good[-1] != "A" else "B")
    r = run("scan", "--expect", s["medium_id"], "--expect", s["notice_id"],
            input=f"{good}\n{good}\n{forged}\n")
    assert r.exit_code == EXIT_VERIFY_FAILED
    assert "duplicate:" in r.stdout and "forged:" in r.stdout
    assert f"missing: {s['notice_id']}" in r.stdout
    assert r.stderr.startswith("handover: error: the scan is not complete: missing: ")
    assert "nothing was recorded" not in r.stderr  # nothing was asked to be recorded
    r = run("scan", "--expect", s["notice_id"], input=f"{good}\n")
    assert r.exit_code == EXIT_FAILURE and "not-expected:" in r.stdout
    assert "unexpected: " + s["medium_id"] in r.stdout


def test_actor_errors(run, ward):
    s = ward["sealed"]
    r = run("store", s["medium_id"], "--cabinet", ward["cab_m"])
    assert r.exit_code == EXIT_FAILURE
    assert r.stderr.splitlines() == [
        "handover: error: who is acting? every recorded action names a registered person",
        "handover: hint: pass --as PERSON_ID (U-…) or set HANDOVER_ACTOR"]
    ghost = "U-" + ward["staff"][2:-1] + ("0" if ward["staff"][-1] != "0" else "1")
    r = run("store", s["medium_id"], "--cabinet", ward["cab_m"], actor=ghost)
    assert r.exit_code == EXIT_FAILURE and "looks mistyped" in r.stderr
    unknown = new_id("U")
    r = run("store", s["medium_id"], "--cabinet", ward["cab_m"], actor=unknown)
    assert r.exit_code == EXIT_FAILURE
    assert f"acting person {unknown} is not registered" in r.stderr
    r = run("status", actor=unknown)
    assert r.exit_code == EXIT_FAILURE and unknown in r.stderr


def test_seal_refusals(run, ward, tmp_path):
    w = ward
    args = ["seal", w["case"], str(w["src"]), "--medium", "cd-r", "--content", "見本"]
    refused(run(*args, "--out", str(tmp_path / "same"), "--notice-dir", str(tmp_path / "same"),
                actor=w["staff"]), "separate-locations")
    refused(run(*args, "--out", str(tmp_path / "o"), "--notice-dir", str(tmp_path / "n"),
                actor=w["hanako"]), "role-required")
    err = refused(run(*args, "--out", str(tmp_path / "o"), "--notice-dir", str(tmp_path / "n"),
                      actor=w["staff"], host="someones-laptop"), "workstation-not-registered")
    assert "someones-laptop" in err
    ok(run("case", "close", w["case"], "--reason", "終了", actor=w["staff"]))
    refused(run(*args, "--out", str(tmp_path / "o"), "--notice-dir", str(tmp_path / "n"),
                actor=w["staff"]), "case-closed")
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_receiver_confirms_by_photographing_the_label(run, ward, tmp_path):
    """Delivery check: the receiver scans a photo of the label against the recorded handover."""
    w, s = ward, ward["sealed"]
    out = ok(run("record", "--case", w["case"], "--moment", "provide", "--from", w["staff"],
                 "--to", w["hanako"], "--method", "registered_mail", "--item", s["medium_id"],
                 "--json", actor=w["staff"]))
    handover_id = json.loads(out)["handover_id"]
    tape = [p for p in s["label_paths"] if p.endswith("-tape.pdf")][0]
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", tape,
                    str(tmp_path / "photo")], check=True)
    (photo,) = tmp_path.glob("photo*.png")
    r = run("scan", "--image", str(photo), "--handover", handover_id, "--confirm",
            "--condition", "簡易書留 開封痕なし", "--json", actor=w["hanako"])
    data = out_json(r)
    assert [x["status"] for x in data["results"]] == ["ok"]
    assert data["summary"]["complete"] is True
    assert data["recorded"]["handover_id"] == handover_id
    history = out_json(run("history", handover_id, "--json"))
    assert [e["kind"] for e in history["entries"]] == ["HandoverRecorded", "HandoverConfirmed"]
    r = run("scan", "--image", str(tmp_path / "missing.png"))
    assert r.exit_code == EXIT_FAILURE and "not found" in r.stderr


def test_bad_input_is_named_and_nothing_is_recorded(run, ward, tmp_path):
    w, s = ward, ward["sealed"]
    base = ["record", "--case", w["case"], "--moment", "provide", "--from", w["staff"], "--to",
            w["hanako"], "--method", "hand"]
    size = len(out_json(run("history", w["case"], "--json"))["entries"])
    # A time without a zone is refused, not guessed.
    r = run(*base, "--item", s["medium_id"], "--at", "2026-04-06T10:00", actor=w["staff"])
    assert r.exit_code == EXIT_FAILURE and "has no time zone" in r.stderr
    assert "handover: hint: add +09:00" in r.stderr
    # A package ID where a medium or notice belongs: named by kind, the medium suggested.
    r = run(*base, "--item", s["package_id"], actor=w["staff"])
    assert r.exit_code == EXIT_FAILURE
    assert f"{s['package_id']} is a package ID" in r.stderr and s["medium_id"] in r.stderr
    # A notice ID where a handover belongs.
    r = run("confirm", s["notice_id"], actor=w["hanako"])
    assert r.exit_code == EXIT_FAILURE and "expected a handover ID" in r.stderr
    # Negative and zero envelope counts.
    deliver = ["record", "--case", w["case"], "--moment", "deliver", "--from", w["hanako"],
               "--to", w["staff"], "--method", "hand"]
    r = run(*deliver, "--envelopes", f"{s['package_id']}=-5", actor=w["staff"])
    assert r.exit_code == 2 and "PACKAGE_ID=COUNT" in r.stderr
    r = run(*deliver, "--envelopes", f"{s['package_id']}=0", actor=w["staff"])
    assert r.exit_code == EXIT_FAILURE and "positive" in r.stderr
    # A missing input file for seal: a clear error, no traceback, nothing written.
    r = run("seal", w["case"], str(tmp_path / "missing.csv"), "--medium", "cd-r", "--content",
            "見本", "--out", str(tmp_path / "o"), "--notice-dir", str(tmp_path / "n"),
            actor=w["staff"])
    assert r.exit_code == EXIT_FAILURE and r.stderr.startswith("handover: error: ")
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists() and not (tmp_path / "n").exists()
    assert len(out_json(run("history", w["case"], "--json"))["entries"]) == size


def test_scan_record_and_confirm_keep_to_the_roster(run, ward, tmp_path):
    w, s = ward, ward["sealed"]
    key = load_label_key(tmp_path / "label.key")
    payload = label_payload(s["medium_id"], key)
    r = run("scan", "--expect", s["medium_id"], "--record", "--case", w["case"], "--moment",
            "provide", "--from", w["staff"], "--to", w["outsider"], "--method", "hand",
            input=payload + "\n", actor=w["staff"])
    refused(r, "not-on-roster")
    out = ok(run("record", "--case", w["case"], "--moment", "provide", "--from", w["staff"],
                 "--to", w["hanako"], "--method", "hand", "--item", s["medium_id"], "--json",
                 actor=w["staff"]))
    handover_id = json.loads(out)["handover_id"]
    r = run("scan", "--handover", handover_id, "--confirm", input=payload + "\n",
            actor=w["outsider"])
    assert "架空 三郎" in refused(r, "not-on-roster")
    r = run("scan", "--handover", new_id("H"), input=payload + "\n")
    assert r.exit_code == EXIT_FAILURE and "is not registered" in r.stderr


def test_seal_prints_no_password(run, ward, tmp_path, monkeypatch):
    from tests.handover.support import capture_passwords
    seen = capture_passwords(monkeypatch)
    w = ward
    for extra in ([], ["--json"]):
        r = run("seal", w["case"], str(w["src"]), "--medium", "cd-r", "--content", "見本",
                "--out", str(tmp_path / "o"), "--notice-dir", str(tmp_path / "n"), *extra,
                actor=w["staff"])
        out = ok(r)
        password = seen[-1]
        for form in (password, password.replace("-", ""), password.lower()):
            assert form not in out and form not in r.stderr


def test_refusals_once_plain_errors_exit_4_naming_their_rule(run, ward):
    w, s = ward, ward["sealed"]
    ok(run("store", s["medium_id"], "--cabinet", w["cab_m"], actor=w["staff"]))
    refused(run("store", s["medium_id"], "--cabinet", w["cab_m"], actor=w["staff"]),
            "already-stored")
    refused(run("case", "roster", w["case"], "--remove", w["outsider"], actor=w["staff"]),
            "not-on-roster")
    refused(run("case", "roster", w["case"], "--remove", w["hanako"], actor=w["staff"]),
            "responsible-required")
    refused(run("register", "person", "架空", "--org", w["contractor"], "--role", "staff",
                actor=w["staff"]), "role-mismatch")
    refused(run("register", "workstation", HOST, actor=w["staff"]), "already-registered")


def test_status_after_the_projection_was_rewound_points_to_rebuild(run, ward, db_url):
    # Issue 8 §9: this was an IntegrityError traceback (entries refolded onto themselves).
    import sqlalchemy as sa
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE proj_meta SET applied_size = 3 WHERE log = 'ward'"))
    engine.dispose()
    r = run("status", actor=ward["staff"])
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert r.stderr.startswith("handover: error: the custody tables of log 'ward' are out of step "
                               "with the ledger: the last entry they were folded from is not "
                               "the ledger's entry 2")
    assert "then `handover rebuild`" in r.stderr and "Traceback" not in r.output
    ok(run("rebuild"))
    ok(run("status", actor=ward["staff"]))


def test_a_refused_record_with_pdf_dir_leaves_no_directory_behind(run, ward, tmp_path):
    # Issue 8 §5: the 確認書 directory was created before the refusal and left empty.
    w, s = ward, ward["sealed"]
    pdf = tmp_path / "new" / "pdf"
    refused(run("record", "--case", w["case"], "--moment", "provide", "--from", w["staff"],
                "--to", w["outsider"], "--method", "hand", "--item", s["medium_id"],
                "--at", DAY1, "--pdf-dir", str(pdf), actor=w["staff"]), "not-on-roster")
    assert not (tmp_path / "new").exists()


def test_label_key_under_a_regular_file_is_a_clear_error(run, tmp_path):
    # Issue 8 §5: this was a traceback.
    (tmp_path / "plain").write_text("x")
    r = run("label-key", "--label-key", str(tmp_path / "plain" / "label.key"))
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert r.stderr.startswith(f"handover: error: cannot create label key file {tmp_path / 'plain'}")
    assert "handover: hint: " in r.stderr
