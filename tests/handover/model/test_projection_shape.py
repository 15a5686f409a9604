"""The custody tables are a cache: a database whose tables an earlier version made (another
shape) gets them made anew and refolded from the ledger, instead of failing on a missing
column. SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from handover import reports
from handover.model import tables
from handover.model.database import open_database


def test_tables_of_an_older_shape_are_remade_and_refolded(world, sealed):
    world.provide(sealed.medium_id)
    live = world.snapshot()
    with world.j.engine.begin() as conn:   # as an older version left it: no package_file column
        conn.execute(sa.text("ALTER TABLE proj_packages DROP COLUMN package_file"))
        conn.execute(tables.shape.update().values(fingerprint="an older version"))
    engine = open_database(world.j.engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        assert conn.execute(sa.select(tables.shape.c.fingerprint)).scalar_one() == tables.fingerprint()
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.items)).scalar_one() == 0
    engine.dispose()
    status = reports.status(world.j, world.case_id)   # a reader refolds every entry first
    assert status["cases"][0]["out"] == [sealed.medium_id]
    assert world.snapshot() == live


def test_the_same_shape_keeps_its_rows(world, sealed):
    live = world.snapshot()
    open_database(world.j.engine.url.render_as_string(hide_password=False)).dispose()
    assert world.snapshot() == live
