"""Credentials through the CLI (issue 12): `--as` needs the person's passphrase, given from a
file descriptor or a file, never as an argument; enrolment prints a 登録票; revocation."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli.main import main
from handover.errors import EXIT_FAILURE, EXIT_REFUSED
from tests.cli.conftest import PASSPHRASE
from tests.handover.support import needs_poppler, pdf_text


@pytest.fixture
def run(tmp_path, db_url):
    runner = CliRunner()
    base = ["--db", db_url, "--key", str(tmp_path / "log.key"), "--log", "ward"]

    def invoke(*args, env=None):
        return runner.invoke(main, [*base, *args], catch_exceptions=False,
                             env={"HANDOVER_ACTOR": None, **(env or {})})
    invoke.base = base
    assert invoke("ledger", "keygen").exit_code == 0
    return invoke


@pytest.fixture
def staff(run):
    r = run("init", "--ward", "健康部", "--staff", "見本 太郎", "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.output)


def test_init_enrols_the_first_staff_credential(run, staff, tmp_path):
    assert staff["credential_id"].startswith("Y-") and len(staff["fingerprint"].split()) == 8
    assert staff["form"] is None
    r = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'other.db'}", "--key",
                                  str(tmp_path / "log.key"), "--log", "other", "init", "--ward",
                                  "健康部", "--staff", "見本 一子", "--pdf-dir",
                                  str(tmp_path / "forms"), "--json"])
    assert r.exit_code == 0, r.stderr
    assert os.path.exists(json.loads(r.output)["form"])
    rows = json.loads(run("credential", "list", "--json").output)
    assert [(r["credential_id"], r["person_id"], r["fingerprint"]) for r in rows] == \
        [(staff["credential_id"], staff["staff_id"], staff["fingerprint"])]


def test_the_actor_alone_acts_for_nobody(run, staff, tmp_path):
    no_secret = {"HANDOVER_PASSPHRASE_FILE": None, "HANDOVER_ACTOR": staff["staff_id"]}
    r = run("ledger", "remark", "x", env=no_secret)
    assert r.exit_code == EXIT_FAILURE
    assert "a passphrase is needed" in r.stderr and "--passphrase-fd" in r.stderr
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase at all\n", encoding="utf-8")
    r = run("ledger", "remark", "x", "--passphrase-file", str(wrong), env=no_secret)
    assert r.exit_code == EXIT_FAILURE and "does not unlock" in r.stderr
    assert "not the passphrase" not in r.stderr + r.output
    r = run("ledger", "remark", "x", "--passphrase-file", str(tmp_path / "missing.txt"),
            env=no_secret)
    assert r.exit_code == EXIT_FAILURE and "cannot read the passphrase file" in r.stderr
    assert len(json.loads(run("ledger", "show", "--json").output)) == 3      # nothing recorded


def test_passphrase_from_a_file_descriptor_in_a_real_process(run, staff, tmp_path, db_url):
    read, write = os.pipe()
    os.write(write, (PASSPHRASE + "\n").encode())
    os.close(write)
    env = dict(os.environ, HANDOVER_PASSPHRASE_FILE="", HANDOVER_NEW_PASSPHRASE_FILE="")
    env.pop("HANDOVER_PASSPHRASE_FILE")
    done = subprocess.run([sys.executable, "-m", "cli.main", *run.base, "ledger", "remark",
                           "見本", "--as", staff["staff_id"], "--passphrase-fd", str(read)],
                          pass_fds=(read,), env=env, capture_output=True, text=True, timeout=120)
    os.close(read)
    assert done.returncode == 0, done.stderr
    assert PASSPHRASE not in done.stdout + done.stderr


@needs_poppler
def test_enrol_prints_the_form_and_revoke_stops_the_credential(run, staff, tmp_path):
    me = ["--as", staff["staff_id"]]
    org = json.loads(run("register", "org", "株式会社見本", "--kind", "contractor", "--json",
                         *me).output)["org_id"]
    hanako = json.loads(run("register", "person", "架空 花子", "--org", org, "--role",
                            "responsible_handler", "--json", *me).output)["person_id"]
    r = run("ledger", "remark", "まだ鍵がない", "--as", hanako)
    assert r.exit_code == EXIT_FAILURE and "no usable passphrase credential" in r.stderr
    r = run("credential", "enrol", hanako, "--pdf-dir", str(tmp_path / "forms"), "--json", *me)
    assert r.exit_code == 0, r.stderr
    done = json.loads(r.output)
    text = pdf_text(tmp_path / "forms" / os.path.basename(done["form"]))
    for field in ("署名鍵登録票", "架空 花子", hanako, "株式会社見本", done["credential_id"],
                  done["fingerprint"], "見本 太郎", "令和"):
        assert field in text, field
    assert run("ledger", "remark", "鍵を得た", "--as", hanako).exit_code == 0
    # Contractors do not enrol anyone; staff revoke; a revoked credential signs nothing.
    r = run("credential", "enrol", hanako, "--pdf-dir", str(tmp_path / "forms"), "--as", hanako)
    assert r.exit_code == EXIT_REFUSED and "[rule: role-required;" in r.stderr
    assert run("credential", "revoke", done["credential_id"], "--reason", "紛失", *me).exit_code == 0
    r = run("ledger", "remark", "失効後", "--as", hanako)
    assert r.exit_code == EXIT_FAILURE and "no usable passphrase credential" in r.stderr
    rows = json.loads(run("credential", "list", "--person", hanako, "--json").output)
    assert rows[0]["revoke_reason"] == "紛失"
    r = run("ledger", "verify", "--trusted-key", str(tmp_path / "log.pub"))
    assert r.exit_code == 0 and "person signature(s)" in r.output, r.output
