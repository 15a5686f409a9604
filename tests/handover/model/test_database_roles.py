"""PostgreSQL roles (issue 13 §3): after `handover db init --admin-url … --writer …`, the
application's writer role can record, and can neither rewrite the ledger nor escape its
guards. The writer role comes from HANDOVER_TEST_PG_WRITER_URL (`.ci/run` creates it)."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from handover import actions
from handover.errors import HandoverError
from handover.model import tables
from handover.model.journal import Journal
from handover.model.tables import ProjectionShapeError
from handover.model.database import open_database
from handover.model.roles import grant_writer
from tests.conftest import PG_URL, REQUIRE_PG, _pg_schema_url
from tests.handover.support import PASSPHRASE, new_credential

WRITER_URL = os.environ.get("HANDOVER_TEST_PG_WRITER_URL")


@pytest.fixture
def schema_urls():
    if not (PG_URL and WRITER_URL):
        if REQUIRE_PG:
            pytest.fail("HANDOVER_TEST_REQUIRE_PG=1 but HANDOVER_TEST_PG_WRITER_URL is not set")
        pytest.skip("set HANDOVER_TEST_PG_URL and HANDOVER_TEST_PG_WRITER_URL (bash .ci/run does)")
    schema = "r_" + uuid.uuid4().hex[:16]
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    writer = sa.engine.make_url(WRITER_URL).username
    try:
        yield _pg_schema_url(PG_URL, schema), _pg_schema_url(WRITER_URL, schema), writer
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def test_the_writer_records_but_cannot_rewrite_or_unguard_the_ledger(schema_urls, tmp_path):
    admin_url, writer_url, writer = schema_urls
    r = CliRunner().invoke(main, ["db", "init", "--admin-url", admin_url, "--writer", writer])
    assert r.exit_code == 0, r.output + r.stderr
    assert f"{writer} may SELECT and INSERT on ledger_entries, ledger_checkpoints" in r.output

    import ledger
    key = tmp_path / "sign.key"
    ledger.generate_key(key, "t")
    j = Journal(open_database(writer_url), "ward", key)
    boot = actions.bootstrap(j, "見本区 健康部", "見本 太郎", new_credential()).value
    actions.register_org(j, boot.staff_id, "見本受託者", "contractor")
    # The writer reads the encrypted key back to unlock it, as every command does.
    actions.unlock(j, boot.staff_id, PASSPHRASE)

    engine = sa.create_engine(writer_url)
    attempts = {
        "DROP TRIGGER": "DROP TRIGGER ledger_entries_append_only ON ledger_entries",
        "DISABLE TRIGGER": "ALTER TABLE ledger_entries DISABLE TRIGGER ALL",
        "UPDATE": "UPDATE ledger_entries SET entry = entry",
        "DELETE": "DELETE FROM ledger_entries",
        "TRUNCATE": "TRUNCATE ledger_entries",
        "UPDATE checkpoints": "UPDATE ledger_checkpoints SET note = note",
        "DELETE cosignatures": "DELETE FROM ledger_cosignatures",
        "TRUNCATE cosignatures": "TRUNCATE ledger_cosignatures",
        "DISABLE cosignature triggers": "ALTER TABLE ledger_cosignatures DISABLE TRIGGER ALL",
        "DROP TABLE": "DROP TABLE ledger_entries",
    }
    for what, stmt in attempts.items():
        with pytest.raises(sa.exc.ProgrammingError) as e, engine.begin() as conn:
            conn.exec_driver_sql(stmt)
        assert "permission denied" in str(e.value) or "must be owner" in str(e.value), what
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ledger_entries")).scalar() == 4   # credential, ward, staff, contractor
    engine.dispose()
    j.engine.dispose()


def test_the_writer_must_be_a_separate_plain_role(schema_urls):
    admin_url, _, _ = schema_urls
    admin = sa.engine.make_url(PG_URL).username
    with pytest.raises(HandoverError, match="is .or is a member of. the admin role"):
        grant_writer(admin_url, admin)
    with pytest.raises(HandoverError, match="role nobody_here does not exist"):
        grant_writer(admin_url, "nobody_here")
    with pytest.raises(HandoverError, match="is not allowed"):
        grant_writer(admin_url, "x; DROP TABLE ledger_entries")


def test_sqlite_has_no_roles(tmp_path):
    r = CliRunner().invoke(main, ["db", "init", "--admin-url", f"sqlite:///{tmp_path / 'h.db'}",
                                  "--writer", "handover_writer"])
    assert r.exit_code == 1 and "PostgreSQL setting" in r.stderr and "0600" in r.stderr


def test_after_an_upgrade_only_the_admin_remakes_the_custody_tables(schema_urls):
    admin_url, writer_url, writer = schema_urls
    grant_writer(admin_url, writer)
    admin = sa.create_engine(admin_url)
    with admin.begin() as conn:   # as if an older version had made the tables
        conn.execute(tables.shape.update().values(fingerprint="an older version"))
    with pytest.raises(ProjectionShapeError) as e:
        open_database(writer_url)
    assert "handover db init" in e.value.hint
    grant_writer(admin_url, writer)   # the admin re-runs the set-up
    open_database(writer_url).dispose()
    admin.dispose()


def test_a_table_the_writer_may_not_create_is_a_clear_error(schema_urls):
    """A new version adds a table the writer has no right to create: an error with the fix,
    never a traceback."""
    admin_url, writer_url, writer = schema_urls
    grant_writer(admin_url, writer)
    admin = sa.create_engine(admin_url)
    with admin.begin() as conn:
        conn.exec_driver_sql("DROP TABLE proj_shape")
    admin.dispose()
    with pytest.raises(HandoverError) as e:
        open_database(writer_url)
    assert "cannot set up the tables" in e.value.message and "handover db init" in e.value.hint
