"""`rebuild --check`: edits made to the custody tables behind the ledger's back are listed by
table, key and column, and nothing is changed (issue 13 §2). SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from handover import reports
from handover.errors import HandoverError
from handover.model import fold, tables


def _repair(world):
    """What staff do after keeping the evidence: refold, after which nothing differs."""
    fold.rebuild(world.j.engine, world.j.log)
    assert reports.projection_differences(world.j).differences == []


def _moved_out(world, sealed):
    world.provide(sealed.medium_id)
    return world.item(sealed.medium_id)


def test_an_untouched_projection_matches_a_fresh_fold(world, sealed):
    _moved_out(world, sealed)
    found = reports.projection_differences(world.j)
    assert found.differences == [] and found.entries > 10


def test_an_out_medium_marked_back_by_hand_is_named(world, sealed):
    out = _moved_out(world, sealed)
    with world.j.engine.begin() as conn:
        conn.execute(tables.items.update().where(tables.items.c.item_id == sealed.medium_id)
                     .values(holder_org=world.ward, holder_person=world.taro))
    before = world.snapshot()
    found = reports.projection_differences(world.j).differences
    assert {(d.table, d.key["item_id"], d.column) for d in found} == {
        ("proj_items", sealed.medium_id, "holder_org"), ("proj_items", sealed.medium_id, "holder_person")}
    d = next(d for d in found if d.column == "holder_org")
    assert d.live == world.ward and d.ledger == out.holder_org
    assert world.snapshot() == before   # nothing changed
    _repair(world)


def test_an_inserted_roster_row_and_a_deleted_row_are_named(world, sealed):
    with world.j.engine.begin() as conn:
        conn.execute(tables.roster.insert().values(log=world.j.log, case_id=world.case_id,
                                                   person_id=world.outsider, role="handler",
                                                   since="2026-04-06T09:00:00+09:00"))
        conn.execute(tables.items.delete().where(tables.items.c.item_id == sealed.notice_id))
    found = {(d.table, tuple(d.key.values()), d.column, d.live is None)
             for d in reports.projection_differences(world.j).differences}
    assert ("proj_roster", (world.case_id, world.outsider), None, False) in found   # only live
    assert ("proj_items", (sealed.notice_id,), None, True) in found                  # only ledger
    _repair(world)


def test_the_cli_lists_each_difference_and_exits_3(world, sealed, tmp_path):
    with world.j.engine.begin() as conn:
        conn.execute(tables.roster.delete().where(tables.roster.c.person_id == world.hanako))
    args = ["--db", world.j.engine.url.render_as_string(hide_password=False), "--log", world.j.log,
            "rebuild", "--check"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 3, r.output
    assert f"proj_roster [case_id={world.case_id}, person_id={world.hanako}]: row missing" in r.output
    assert "differ from the ledger in 1 place(s)" in r.stderr
    r = CliRunner().invoke(main, [*args, "--json"])
    doc = json.loads(r.stdout)
    assert r.exit_code == 3 and doc["differences"][0]["table"] == "proj_roster"
    # The real rebuild then repairs it, and the check passes.
    assert CliRunner().invoke(main, args[:-1]).exit_code == 0
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0 and "match a fresh fold" in r.output
    with world.j.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.roster).where(
            tables.roster.c.person_id == world.hanako)).scalar_one() == 1


def test_tables_folded_from_another_history_are_not_trusted_by_a_writer(world, sealed):
    """As after restoring the ledger from one backup and the tables from another: the last
    entry the tables were folded from is not the ledger's. The writer refuses, records
    nothing, and `rebuild` (which refolds from entry 0) puts it right."""
    size = world.size()
    with world.j.engine.begin() as conn:
        conn.execute(tables.meta.update().values(applied_hash=b"\x01" * 32))
    with pytest.raises(HandoverError) as e:
        world.provide(sealed.medium_id)
    assert f"is not the ledger's entry {size - 1}" in e.value.message
    assert "handover rebuild" in e.value.hint and world.size() == size
    fold.rebuild(world.j.engine, world.j.log)
    world.provide(sealed.medium_id)
    assert world.size() > size
