"""Only `init` (and the demo) create a database. Any other command run against a database
that does not exist, or holds no handover ledger, is refused with the URL in use and a
pointer to `handover init` / --db, and creates nothing (issue 8 §5)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main

COMMANDS = [
    ("status",),
    ("history", "M-0000-0000-0000-0"),
    ("register", "list"),
    ("overrides",),
    ("ledger", "verify"),
    ("ledger", "checkpoint"),
    ("ledger", "remark", "間違ったDB", "--as", "U-0MR1-JP2A-0GT1-Y"),
    ("rebuild",),
]


def _run(db_url: str, tmp_path: Path, *args: str):
    return CliRunner().invoke(main, ["--db", db_url, "--key", str(tmp_path / "log.key"), *args],
                              env={"HANDOVER_ACTOR": None})


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_mistyped_sqlite_path_is_refused_and_not_created(tmp_path, args):
    db = tmp_path / "wrd" / "handover.db"
    db.parent.mkdir()
    r = _run(f"sqlite:///{db}", tmp_path, *args)
    assert r.exit_code == 1, r.output
    assert f"database sqlite:///{db} does not exist" in r.stderr
    assert "handover init" in r.stderr and "--db" in r.stderr
    assert "Traceback" not in r.output + r.stderr
    assert list(db.parent.iterdir()) == []


def test_a_database_without_a_ledger_is_refused(db_url, tmp_path):
    # An existing but empty SQLite file, or a PostgreSQL schema nobody set up.
    if db_url.startswith("sqlite"):
        sa.create_engine(db_url).connect().close()
    r = _run(db_url, tmp_path, "status")
    assert r.exit_code == 1 and "has no handover ledger" in r.stderr and "handover init" in r.stderr
    assert not sa.inspect(sa.create_engine(db_url)).has_table("ledger_entries")


def test_keygen_works_before_init_and_creates_no_database(tmp_path):
    db = tmp_path / "handover.db"
    r = _run(f"sqlite:///{db}", tmp_path, "ledger", "keygen")
    assert r.exit_code == 0, r.output + r.stderr
    assert (tmp_path / "log.key").exists() and not db.exists()
    r = _run(f"sqlite:///{db}", tmp_path, "init", "--ward", "健康部", "--staff", "見本 太郎")
    assert r.exit_code == 0, r.output + r.stderr
    assert db.exists() and db.stat().st_mode & 0o777 == 0o600
    assert _run(f"sqlite:///{db}", tmp_path, "status").exit_code == 0
