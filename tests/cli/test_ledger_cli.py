"""`handover ledger …` end to end through the CLI: exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

import ledger
from cli.main import main
from tests.ledger.conftest import tamper


@pytest.fixture
def run(tmp_path, db_url):
    runner = CliRunner()
    base = ["--db", db_url, "--key", str(tmp_path / "log.key"), "--log", "ward"]

    def invoke(*args):
        return runner.invoke(main, [*base, *args], catch_exceptions=False,
                             env={"HANDOVER_ACTOR": None})
    invoke.pub = str(tmp_path / "log.pub")
    invoke.db_url = db_url
    return invoke


@pytest.fixture
def auditor(run):
    """A registered person to record remarks (entries 0-2 are their credential, the ward and
    its staff), in a log with its signing key: every recorded action ends with a signed
    checkpoint."""
    assert run("ledger", "keygen").exit_code == 0
    return json.loads(run("init", "--ward", "健康部", "--staff", "見本 太郎", "--json").output)["staff_id"]


def test_keygen_writes_a_private_key_and_names_the_public_one(run, tmp_path):
    r = run("ledger", "keygen")
    assert r.exit_code == 0 and "public key for auditors" in r.output
    assert os.stat(tmp_path / "log.key").st_mode & 0o777 == 0o600


def test_round_trip_append_checkpoint_verify_proof(run, auditor, tmp_path):
    assert os.stat(tmp_path / "log.key").st_mode & 0o777 == 0o600
    for text in ("年度監査 実施", "second remark", "third"):
        assert run("ledger", "remark", text, "--as", auditor).exit_code == 0
    r = run("ledger", "checkpoint")
    assert r.exit_code == 0 and r.output.startswith("handover/ward\n6\n")
    state = tmp_path / "state.json"
    r = run("ledger", "verify", "--trusted-key", run.pub, "--state", str(state))
    assert r.exit_code == 0, r.output
    assert "6 entries" in r.output and r.output.rstrip().endswith("ok") and state.exists()
    r = run("ledger", "verify", "--trusted-key", run.pub, "--json")
    assert json.loads(r.output)["ok"] is True
    proof = tmp_path / "p.json"
    assert run("ledger", "proof", "4", "--out", str(proof)).exit_code == 0
    r = run("ledger", "verify-proof", str(proof), "--trusted-key", run.pub, "--json")
    assert r.exit_code == 0
    payload = json.loads(r.output)["entry"]["payload"]
    assert payload["text"] == "second remark" and set(payload["origin"]) == {"os_user", "host"}
    r = run("ledger", "show", "--json")
    assert [e["index"] for e in json.loads(r.output)] == [0, 1, 2, 3, 4, 5]
    assert "年度監査" in run("ledger", "show", "3").output


def test_verify_checks_every_signature_on_request(run, auditor):
    for text in ("first", "second"):
        assert run("ledger", "remark", text, "--as", auditor).exit_code == 0
        assert run("ledger", "checkpoint").exit_code == 0
    r = run("ledger", "verify", "--trusted-key", run.pub, "--json")
    report = json.loads(r.output)
    # A checkpoint per recording transaction: the fixture's registration and the two remarks.
    assert report["ok"] and (report["checkpoints_checked"], report["signatures_checked"]) == (3, 1)
    r = run("ledger", "verify", "--trusted-key", run.pub, "--all-signatures")
    assert r.exit_code == 0 and "3 checkpoint(s) checked, 3 signature(s)" in r.output


def test_tampering_exits_3_and_names_the_index(run, auditor):
    run("ledger", "keygen")
    for i in range(4):
        run("ledger", "remark", f"r{i}", "--as", auditor)
    run("ledger", "checkpoint")
    engine = ledger.create_engine(run.db_url)
    tamper(engine, "DELETE FROM ledger_entries WHERE idx = 2")
    engine.dispose()
    r = run("ledger", "verify", "--trusted-key", run.pub)
    assert r.exit_code == 3
    assert "FAILED missing-entry at index 2" in r.output
    assert "handover: error: log 'ward': entry 2 is missing" in r.stderr
    assert "handover: hint:" in r.stderr


def test_verify_needs_a_trusted_key(run, auditor, tmp_path):
    (tmp_path / "log.pub").unlink()   # else verify trusts the configured key's public half
    r = run("ledger", "verify")
    assert r.exit_code == 1 and "no trusted public key" in r.stderr


def test_keygen_refuses_to_overwrite(run):
    assert run("ledger", "keygen").exit_code == 0
    r = run("ledger", "keygen")
    assert r.exit_code == 1 and "refusing to overwrite" in r.stderr


def test_checkpoint_without_key_explains(run):
    from handover.model.database import open_database
    open_database(run.db_url, create=True).dispose()
    r = run("ledger", "checkpoint")
    assert r.exit_code == 1 and "does not exist" in r.stderr and "ledger keygen" in r.stderr


def test_forged_proof_exits_3(run, auditor, tmp_path):
    run("ledger", "keygen")
    run("ledger", "checkpoint")
    proof = tmp_path / "p.json"
    run("ledger", "proof", "0", "--out", str(proof))
    doc = json.loads(proof.read_text())
    doc["index"] = 1
    proof.write_text(json.dumps(doc))
    r = run("ledger", "verify-proof", str(proof), "--trusted-key", run.pub)
    assert r.exit_code == 3 and "handover: error:" in r.stderr


def test_show_unknown_index(run, auditor):
    r = run("ledger", "show", "7")
    assert r.exit_code == 1 and "no entry 7" in r.stderr


def test_bad_database_url(tmp_path):
    r = CliRunner().invoke(main, ["--db", "mysql://nope", "ledger", "show"])
    assert r.exit_code == 1 and "handover: error:" in r.stderr


def test_remark_needs_a_registered_person(run, auditor):
    r = run("ledger", "remark", "x")
    assert r.exit_code == 1 and "who is acting" in r.stderr
    r = run("ledger", "remark", "x", "--as", "U-0000-0000-0000-0")
    assert r.exit_code != 0 and "handover: error:" in r.stderr
    r = run("ledger", "remark", "   ", "--as", auditor)
    assert r.exit_code == 1 and "needs some text" in r.stderr
    assert len(json.loads(run("ledger", "show", "--json").output)) == 3


def test_keygen_refuses_to_replace_the_key_of_a_log_with_checkpoints(run, auditor, tmp_path):
    # Issue 8 §2: staff who lost the key were told to run keygen, which broke the audit.
    run("ledger", "keygen")
    run("ledger", "checkpoint")
    (tmp_path / "log.key").rename(tmp_path / "elsewhere.key")
    (tmp_path / "log.pub").unlink()
    r = run("ledger", "keygen")
    assert r.exit_code == 1 and "already has checkpoints signed by key handover-ward+" in r.stderr
    assert "restore the key file from its backup" in r.stderr and "rotate-key" in r.stderr
    assert not (tmp_path / "log.key").exists()


def test_rotate_key_when_lost_then_auditor_trusting_both_keys_verifies(run, auditor, tmp_path):
    run("ledger", "keygen")
    run("ledger", "checkpoint")
    old_pub = tmp_path / "old.pub"
    (tmp_path / "log.pub").rename(old_pub)
    (tmp_path / "log.key").unlink()
    new_key = tmp_path / "new.key"
    r = run("ledger", "rotate-key", str(new_key), "--reason", "PC stolen", "--as", auditor)
    assert r.exit_code == 1 and "--old-key-lost" in r.stderr
    r = run("ledger", "rotate-key", str(new_key), "--reason", "PC stolen", "--old-key-lost",
            "--as", auditor)
    assert r.exit_code == 0, r.stderr
    assert "SigningKeyRotated" in r.output and os.stat(new_key).st_mode & 0o777 == 0o600
    r = run("ledger", "verify", "--trusted-key", str(old_pub))
    assert r.exit_code == 3 and "untrusted-key-rotation at index 3" in r.output and "PC stolen" in r.output
    r = run("ledger", "verify", "--trusted-key", str(old_pub), "--trusted-key", str(tmp_path / "new.pub"))
    assert r.exit_code == 0, r.output


def test_rotate_key_with_the_old_key_is_followed_by_an_auditor_of_the_old_key(run, auditor, tmp_path):
    run("ledger", "keygen")
    run("ledger", "checkpoint")
    new_key = tmp_path / "2027.key"
    r = run("ledger", "rotate-key", str(new_key), "--reason", "yearly retirement", "--as", auditor)
    assert r.exit_code == 0, r.stderr
    r = run("ledger", "verify", "--trusted-key", run.pub)
    assert r.exit_code == 0 and "newest trusted checkpoint: size 4" in r.output, r.output
    r = run("ledger", "checkpoint")  # --key still names the retired key
    assert r.exit_code == 1 and "restore the log's signing key from its backup" in r.stderr


def test_outputs_under_a_regular_file_are_clear_errors(run, auditor, tmp_path):
    # Issue 8 §5: these were tracebacks.
    (tmp_path / "plain").write_text("x")
    runner = CliRunner()
    # A log without checkpoints yet (the fixture's log has them: keygen would refuse first).
    r = runner.invoke(main, ["--db", run.db_url, "--key", str(tmp_path / "plain" / "k.key"),
                             "--log", "fresh", "ledger", "keygen"])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.exception
    assert "cannot create key file" in r.stderr and "Traceback" not in r.output + r.stderr
    run("ledger", "keygen")
    run("ledger", "checkpoint")
    r = run("ledger", "proof", "0", "--out", str(tmp_path / "plain" / "p.json"))
    assert r.exit_code == 1 and "cannot write proof file" in r.stderr


def test_verify_of_an_unknown_log_exits_non_zero(run, auditor):
    run("ledger", "keygen")
    r = CliRunner().invoke(main, ["--db", run.db_url, "--log", "wrd", "ledger", "verify",
                                  "--trusted-key", run.pub])
    assert r.exit_code == 3
    assert "log 'wrd' is empty or unknown" in r.stderr and "ward" in r.stderr


@pytest.mark.parametrize("content", ["[]", '"x"', None])
def test_verify_with_a_malformed_state_file_is_a_clear_error(run, auditor, tmp_path, content):
    run("ledger", "keygen")
    run("ledger", "checkpoint")
    state = tmp_path / "s.json"
    run("ledger", "verify", "--trusted-key", run.pub, "--state", str(state))
    if content is None:
        data = json.loads(state.read_text())
        data["checkpoint"] = 5
        content = json.dumps(data)
    state.write_text(content)
    r = run("ledger", "verify", "--trusted-key", run.pub, "--state", str(state))
    assert r.exit_code == 1 and "is unreadable" in r.stderr
    r = run("ledger", "verify", "--trusted-key", run.pub, "--state", str(tmp_path / "no" / "s.json"))
    assert r.exit_code == 1 and "does not exist" in r.stderr


def test_recording_without_the_key_of_a_signed_log_says_restore_it_never_keygen(run, auditor, tmp_path):
    # Issue 8 §2/§3: every recorded action signs a checkpoint; a lost key must lead staff to
    # the backup, not to a new key that would split the audit.
    (tmp_path / "log.key").rename(tmp_path / "elsewhere.key")
    r = run("ledger", "remark", "x", "--as", auditor)
    assert r.exit_code == 1, r.output
    assert r.stderr.startswith("handover: error: signing key ") and "not found" in r.stderr
    assert "restore the key file from its backup" in r.stderr and "docs/backup.md" in r.stderr
    assert "`handover ledger keygen`" not in r.stderr
    assert len(json.loads(run("ledger", "show", "--json").output)) == 3


def test_init_without_a_key_says_to_create_it_and_records_nothing(run, tmp_path):
    r = run("init", "--ward", "健康部", "--staff", "見本 太郎")
    assert r.exit_code == 1 and "not found" in r.stderr
    assert "create the log's key once with `handover ledger keygen`" in r.stderr
    assert run("ledger", "keygen").exit_code == 0
    assert run("init", "--ward", "健康部", "--staff", "見本 太郎").exit_code == 0
