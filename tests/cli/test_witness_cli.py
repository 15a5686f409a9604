"""`handover witness …`, `ledger verify --witness-key` and `ledger check-paper TEXT` through
the CLI on SQLite and PostgreSQL: exit codes, messages, nothing written on refusal."""

from __future__ import annotations

import json
import os

import pytest

from cli.main import main  # noqa: F401
from tests.cli.test_ledger_cli import auditor, run  # noqa: F401 (fixtures)
from tests.ledger.conftest import tamper


@pytest.fixture
def witness(run, tmp_path):
    key = tmp_path / "audit" / "w.key"
    key.parent.mkdir()
    r = run("witness", "keygen", str(key), "--name", "audit.city.example/w1")
    assert r.exit_code == 0, r.output
    assert os.stat(key).st_mode & 0o777 == 0o600
    return key, key.with_suffix(".pub"), tmp_path / "audit" / "state.json"


def cosign(run, witness, *extra):
    key, _, state = witness
    return run("witness", "cosign", "--witness-key", str(key), "--state", str(state),
               "--trusted-key", run.pub, *extra)


def verify_witnessed(run, witness, *extra):
    return run("ledger", "verify", "--trusted-key", run.pub, "--witness-key", str(witness[1]), *extra)


def test_cosign_then_verify_requires_the_witness(run, auditor, witness):
    # init records three entries: the first staff credential, the ward and its staff member
    r = verify_witnessed(run, witness)
    assert r.exit_code == 3
    assert "newest witnessed size: 0 (entries 0..2 unwitnessed)" in r.output
    assert "handover witness cosign" in r.stderr
    r = cosign(run, witness)
    assert r.exit_code == 0, r.output + r.stderr
    assert "cosigned size 3" in r.output and "first cosignature" in r.output
    assert r.output.splitlines()[-1].startswith("\u2014 audit.city.example/w1 ")
    r = verify_witnessed(run, witness, "--json")
    assert r.exit_code == 0
    report = json.loads(r.stdout)
    assert report["witnessed_size"] == 3 and report["unwitnessed"] is None
    assert run("ledger", "remark", "点検", "--as", auditor).exit_code == 0
    r = verify_witnessed(run, witness, "--json")
    assert r.exit_code == 3 and json.loads(r.stdout)["unwitnessed"] == [3, 3]
    r = cosign(run, witness, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["previous_size"] == 3
    assert "nothing new" in cosign(run, witness).output
    assert verify_witnessed(run, witness).exit_code == 0


def test_cosign_refuses_a_rollback_and_keeps_its_state(run, auditor, witness):
    for text in ("一", "二"):
        assert run("ledger", "remark", text, "--as", auditor).exit_code == 0
    assert cosign(run, witness).exit_code == 0
    state = witness[2].read_bytes()
    import ledger
    engine = ledger.create_engine(run.db_url)
    tamper(engine, "DELETE FROM ledger_entries WHERE idx >= 3",
           "DELETE FROM ledger_checkpoints WHERE size > 3")
    engine.dispose()
    r = cosign(run, witness)
    assert r.exit_code == 3
    assert "rolled back" in r.stderr and "fewer than the 5" in r.stderr and "Traceback" not in r.stderr
    assert witness[2].read_bytes() == state


@pytest.mark.parametrize("bad", ["missing", "pub", "other-state"])
def test_cosign_bad_input_is_a_clear_error(run, auditor, witness, tmp_path, bad):
    key, pub, state = witness
    if bad == "missing":
        key = tmp_path / "nope.key"
    elif bad == "pub":
        key = pub
    else:
        state.write_text(json.dumps({"format": "handover-witness-state/v1", "witness": "x+00000000", "logs": {}}))
    r = run("witness", "cosign", "--witness-key", str(key), "--state", str(state), "--trusted-key", run.pub)
    assert r.exit_code == 1 and r.stderr.startswith("handover: error: ") and "Traceback" not in r.stderr
    assert {"missing": "does not exist", "pub": "not a private key",
            "other-state": "belongs to witness x+00000000"}[bad] in r.stderr


def test_check_paper_takes_the_checkpoint_text(run, auditor, tmp_path):
    paper = run("ledger", "checkpoint").output           # as printed on a 確認書
    assert run("ledger", "remark", "後日", "--as", auditor).exit_code == 0
    text_file = tmp_path / "paper.txt"
    text_file.write_text(paper.replace("\n", "\r\n"))      # a copy saved on Windows
    for source in (paper, str(text_file)):
        r = run("ledger", "check-paper", source, "--trusted-key", run.pub)
        assert r.exit_code == 0, r.stderr
        assert "paper checkpoint: log ward, size 3" in r.output and "(size 4) extends it" in r.output
    r = run("ledger", "check-paper", paper, "--trusted-key", run.pub, "--json")
    assert json.loads(r.stdout)["paper_size"] == 3 and json.loads(r.stdout)["head_size"] == 4


def test_check_paper_refuses_garbage(run, auditor, tmp_path):
    r = run("ledger", "check-paper", "not-a-file", "--trusted-key", run.pub)
    assert r.exit_code == 1 and "neither a file nor a checkpoint text" in r.stderr
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG garbage")
    r = run("ledger", "check-paper", str(junk), "--trusted-key", run.pub)
    assert r.exit_code == 1 and "cannot read" in r.stderr and "Traceback" not in r.stderr
    r = run("ledger", "check-paper", "handover/ward\n1\nAAAA\n\n\u2014 x AAAA\n", "--trusted-key", run.pub)
    assert r.exit_code == 3 and "malformed signed note" in r.stderr
