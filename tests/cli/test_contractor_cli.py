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


def test_visits_commands(cli, tmp_path):
    from tests.handover.actions.test_visit_lists import write_extract
    w = cli.world
    extract = write_extract(tmp_path, rows=12, encoding="cp932")
    r = cli("visits", "split", w.case_id, str(extract), "--out", str(tmp_path / "out"),
            "--a", "住所", "--b", "住所", actor=w.hanako)
    assert r.exit_code == 4 and "column-on-both-lists" in r.stderr and not (tmp_path / "out").exists()
    r = cli("visits", "split", w.case_id, str(extract), "--out", str(tmp_path / "out"), "--csv",
            "--json", actor=w.hanako)
    assert r.exit_code == 0, r.stderr
    assert "list B" in r.stderr and "氏名+生年月日" in r.stderr      # the warning, on stderr
    done = json.loads(r.stdout)
    a, b = (lst["csv"] for lst in done["lists"])
    m = cli("visits", "match", a, b, "--extract", str(extract), "--json")
    assert m.exit_code == 0 and json.loads(m.stdout)["lossless"] is True
    m = cli("visits", "match", a, a)
    assert m.exit_code == 1
    status = cli("status", "--case", w.case_id).stdout
    assert f"visit list A {done['lists'][0]['list_id']}: 12 row(s), held by 架空 花子" in status
    listed = json.loads(cli("visits", "list", w.case_id, "--json").stdout)
    assert [lst["count"] for lst in listed["lists"]] == [12, 12]
    bad = tmp_path / "bad.csv"
    bad.write_text("氏名,住所\n見本,新宿\n見本\n", encoding="utf-8")
    r = cli("visits", "split", w.case_id, str(bad), "--out", str(tmp_path / "o2"), actor=w.hanako)
    assert r.exit_code == 1 and "line 3" in r.stderr and "Traceback" not in r.stderr


def test_visit_round_commands(cli, tmp_path):
    """`handover visits round …`: start, return by scanner and by ID, a refused close (exit 4),
    a missing list (incident), --json reads, and the day's 授受簿."""
    from handover import label_codes
    from tests.handover.actions.test_visit_lists import write_extract
    w = cli.world
    r = cli("visits", "split", w.case_id, str(write_extract(tmp_path, rows=8)), "--out",
            str(tmp_path / "out"), "--label-key", str(w.label_key), "--json", actor=w.hanako)
    assert r.exit_code == 0, r.stderr
    a, b = (lst["list_id"] for lst in json.loads(r.stdout)["lists"])
    r = cli("visits", "round", "start", w.case_id, "--date", "2026-04-06", "--visitor",
            w.ichiro, "--visitor", w.courier, "--list", f"{a}={w.ichiro}", "--list",
            f"{b}={w.ichiro}", actor=w.hanako)
    assert r.exit_code == 4 and "halves-to-one-visitor" in r.stderr and "Traceback" not in r.stderr
    r = cli("visits", "round", "start", w.case_id, "--date", "2026-04-06", "--visitor",
            w.ichiro, "--visitor", w.courier, "--list", a, "--list", b, "--area", "新宿一丁目",
            "--json", actor=w.hanako)
    assert r.exit_code == 0, r.stderr
    started = json.loads(r.stdout)
    round_id = started["round_id"]
    assert [(x["list_id"], x["visitor_id"]) for x in started["lists"]] == [(a, w.ichiro),
                                                                        (b, w.courier)]
    status = cli("status", "--case", w.case_id).stdout
    assert f"held by 架空 一郎 (株式会社見本ツーリスト) since" in status
    assert f"OUT on visit round {round_id}" in status
    key = label_codes.load_key(w.label_key)
    r = CliRunner().invoke(main, [
        "--db", cli.world.j.engine.url.render_as_string(hide_password=False), "--key",
        str(tmp_path / "keys" / "sign.key"), "--log", "ward", "visits", "round", "return",
        round_id, "--scan", "--label-key", str(w.label_key), "--as", w.hanako],
        input=label_codes.label_payload(a, key) + "\n", env={"HANDOVER_ACTOR": None},
        catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert f"1 list(s) returned (scanned): {a}" in r.stdout and f"still out: {b}" in r.stdout
    r = cli("visits", "round", "close", round_id, actor=w.hanako)
    assert r.exit_code == 4 and "lists-out" in r.stderr and b in r.stderr
    r = cli("visits", "round", "close", round_id, "--missing", "--json", actor=w.hanako)
    assert r.exit_code == 0, r.stderr
    closed = json.loads(r.stdout)
    assert closed["missing"] == [b] and closed["incident_id"].startswith("A-")
    shown = json.loads(cli("visits", "round", "show", round_id, "--json").stdout)
    assert shown["status"] == "closed" and shown["missing"] == [b]
    listed = json.loads(cli("visits", "round", "list", w.case_id, "--date", "2026-04-06",
                            "--json").stdout)
    assert [x["round_id"] for x in listed["rounds"]] == [round_id]
    assert "MISSING" in cli("history", b).stdout
    r = cli("visits", "round", "print", w.case_id, "--date", "2026-04-06", "--out",
            str(tmp_path / "pdf"))
    assert r.exit_code == 0 and r.stdout.strip().endswith(f"jujubo-{w.case_id}-2026-04-06.pdf")
    r = cli("visits", "round", "return", round_id, "--list", "L-nonsense", actor=w.hanako)
    assert r.exit_code != 0 and "Traceback" not in r.stderr
