"""Reads and the rebuild do work in proportion to what is asked, not to the ward's whole
history: counted in SQL statements (timings are for bench/bench_scale.py, never for tests)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from handover import actions, reports
from handover.errors import HandoverError
from handover.label_codes import label_payload, load_label_key
from handover.model import fold, tables


@contextmanager
def statements(engine: sa.Engine):
    """Every SQL statement the engine sends meanwhile (an executemany counts once)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def _status_statements(w) -> int:
    with statements(w.j.engine) as seen:
        reports.status(w.j)
    return len(seen)


def test_status_reads_as_many_statements_for_many_items_as_for_few(world):
    world.seal()
    few = _status_statements(world)
    for _ in range(4):
        world.seal()
    assert _status_statements(world) == few, "status queries per item"


def test_status_of_one_case_reads_nothing_of_the_other_cases(world):
    other = actions.open_case(world.j, world.taro, "別の業務", [world.contractor],
                              dt.date(2026, 4, 1), dt.date(2026, 6, 30), [world.hanako]).value
    world.seal()
    with statements(world.j.engine) as seen:
        data = reports.status(world.j, other)
    assert [c["case_id"] for c in data["cases"]] == [other]
    assert data["cases"][0]["items"] == []
    # Every read of the case's rows names the case: no table is read whole.
    for sql in seen:
        for table in ("proj_items", "proj_handovers", "proj_roster", "proj_case_orgs"):
            if f"FROM {table}" in sql:
                assert f"{table}.case_id" in sql, sql


def test_status_pages_through_the_cases_in_id_order(world):
    for n in range(3):
        actions.open_case(world.j, world.taro, f"業務 {n}", [world.contractor],
                          dt.date(2026, 4, 1), dt.date(2026, 6, 30), [world.hanako])
    world.seal()
    whole = reports.status(world.j)
    assert "next_after" not in whole          # unpaged output is unchanged
    pages, after = [], None
    while True:
        page = reports.status(world.j, after=after, limit=2)
        pages += page["cases"]
        after = page["next_after"]
        if after is None:
            break
    assert [c["case_id"] for c in pages] == sorted(c["case_id"] for c in whole["cases"])
    by_id = {c["case_id"]: c for c in whole["cases"]}
    assert all(c == by_id[c["case_id"]] for c in pages)
    assert len(pages) == 4


def test_a_page_of_no_cases_is_refused(world):
    with pytest.raises(HandoverError, match="page of 0 cases"):
        reports.status(world.j, limit=0)


def test_opening_the_scanning_station_loads_no_list_of_items(world):
    world.seal()
    with statements(world.j.engine) as seen:
        station = actions.open_station(world.j, label_key_path=world.label_key)
    assert not [s for s in seen if "FROM proj_items" in s and "proj_items.item_id =" not in s]
    # Each label is looked up by key when scanned: one sealed after opening is known too.
    later = world.seal()
    key = load_label_key(world.label_key)
    assert station.scan(label_payload(later.medium_id, key)).status == "ok"


def _rebuild_statements(w) -> int:
    with statements(w.j.engine) as seen:
        assert fold.rebuild(w.j.engine, w.j.log) == w.size()
    return len(seen)


def test_rebuild_writes_rows_in_batches(world):
    world.seal()
    before, size = _rebuild_statements(world), world.size()
    for _ in range(4):
        world.seal()
    added = world.size() - size
    assert added >= 8
    assert _rebuild_statements(world) - before < added / 4, "statements per entry"


def test_indexes_are_added_to_a_database_made_before_them(world):
    engine = world.j.engine
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_proj_items_case"))
    tables.create_tables(engine)
    names = {i["name"] for i in sa.inspect(engine).get_indexes("proj_items")}
    assert {"ix_proj_items_case", "ix_proj_items_package"} <= names


def test_the_handovers_of_counterparts_are_read_through_the_item_index(tmp_path):
    """Every handover's same-day check reads the handovers of its items' counterparts: by the
    item index, not by a scan of every handover item of the log (which SQLite's planner
    chose when the read asked only for columns of the primary key)."""
    from handover.model import state

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    tables.create_tables(engine)
    read = state._handovers_moving_q().params(log="ward", items=["M-1", "M-2"])
    sql = str(read.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    engine.dispose()
    assert any("ix_proj_handover_items_item (log=? AND item_id=?)" in step for step in plan), plan


def test_closing_a_case_reads_its_items_through_the_case_index(tmp_path):
    """Closing a case lists its items still held outside the ward: through the case's index,
    not by walking every item of the log in ID order (SQLite's choice for ORDER BY item_id),
    which made each close grow with the ward's items."""
    from handover.model import fold

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    tables.create_tables(engine)
    read = fold._items_out_statement().params(log="ward", case="C-1")
    sql = str(read.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    engine.dispose()
    assert any("ix_proj_items_case (log=? AND case_id=?)" in step for step in plan), plan
