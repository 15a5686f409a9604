"""Database fixtures: every test that takes `db_url` runs on SQLite and on PostgreSQL.

PostgreSQL comes from HANDOVER_TEST_PG_URL (`.ci/run` starts a real server and sets it).
Without it, PostgreSQL cases are skipped with a reason, unless HANDOVER_TEST_REQUIRE_PG=1,
which turns the skip into a failure so CI can never pass silently without PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import settings

# No per-example deadline: a busy CI machine must not turn slowness into a failure
# (speed is measured by bench/, never asserted in tests).
settings.register_profile("handover", deadline=None, print_blob=True)
settings.load_profile("handover")

PG_URL = os.environ.get("HANDOVER_TEST_PG_URL")
REQUIRE_PG = os.environ.get("HANDOVER_TEST_REQUIRE_PG") == "1"


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database URL: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'handover.db'}"
        return
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("HANDOVER_TEST_REQUIRE_PG=1 but HANDOVER_TEST_PG_URL is not set")
        pytest.skip("PostgreSQL not configured: set HANDOVER_TEST_PG_URL (bash .ci/run does)")
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = sa.create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except sa.exc.OperationalError as e:
        pytest.fail(f"PostgreSQL at HANDOVER_TEST_PG_URL is unreachable: {e}")
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
