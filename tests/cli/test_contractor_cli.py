"""`handover print-log …` and `handover visits …` at the command line: JSON out, bad files refused
by line with exit 1 and no traceback, refusals with exit 4."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import main
from handover import actions
from tests.handover.actions.test_print_logs import DOCUMENTED_JA, write
from tests.handover.support import HOST, make_world


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    w = make_world(db_url, tmp_path)
    runner = CliRunner()
    monkeypatch.setattr("handover.model.journal.socket.gethostname", lambda: HOST)

    def invoke(*args, actor=None):
        base = ["--db", db_url, "--key", str(tmp_path / "keys" / "sign.key"), "--log", "ward"]
        extra = ["--as", actor] if actor else []
        return runner.invoke(main, [*base, *args, *extra], env={"HANDOVER_ACTOR": None},
                             catch_exceptions=False)
    invoke.world = w
    yield invoke
    w.j.engine.dispose()


def test_print_log_commands(cli, tmp_path):
    w = cli.world
    r = cli("print-log", "import", w.case_id, str(write(tmp_path, "log.csv", DOCUMENTED_JA)),
            actor=w.hanako)
    assert r.exit_code == 4 and "print-allowance-missing" in r.stderr
    assert cli("print-log", "allowance", w.case_id, "--pages", "200", actor=w.taro).exit_code == 0
    bad = write(tmp_path, "bad.csv", DOCUMENTED_JA + "PRT-PC01,昨日,x.pdf,P1,5\n", "cp932")
    r = cli("print-log", "import", w.case_id, str(bad), actor=w.hanako)
    assert r.exit_code == 1 and "line 6" in r.stderr and "Traceback" not in r.stderr
    r = cli("print-log", "import", w.case_id, str(write(tmp_path, "log.csv", DOCUMENTED_JA)),
            "--json", actor=w.hanako)
    assert r.exit_code == 0, r.stderr
    sub = json.loads(r.stdout)
    assert (sub["pages"], sub["excess"]) == (253, 53)
    status = cli("status", "--case", w.case_id)
    assert f"[EXCESS UNEXPLAINED] {sub['submission_id']}: 53 page(s) over" in status.stdout
    r = cli("print-log", "explain", sub["submission_id"], "--reason", "刷り直し", actor=w.hanako)
    assert r.exit_code == 0, r.stderr
    listed = json.loads(cli("print-log", "list", w.case_id, "--json").stdout)
    assert listed["submissions"][0]["reason"] == "刷り直し"
    r = cli("print-log", "submission", sub["submission_id"], "--out", str(tmp_path / "pdf"))
    assert r.exit_code == 0 and r.stdout.strip().endswith("-explained.pdf")
