"""Writers in separate processes never fork a chain; different logs do not interfere."""

from __future__ import annotations

import multiprocessing as mp

import pytest

import ledger

from tests.ledger.conftest import T0, verify

# Slow (several processes): deselect locally with -m "not slow"; CI runs every test.
pytestmark = pytest.mark.slow

PROCESSES = 6
APPENDS = 50


def _writer(url: str, log: str, worker: int, n: int) -> None:
    engine = ledger.create_engine(url)
    for i in range(n):
        # One transaction per append: the worst case for interleaving.
        with ledger.writer(engine, log) as lg:
            ledger.append(lg, "Test", {"worker": worker, "i": i}, f"w{worker}", T0)
    engine.dispose()


def _run(url: str, logs: list[str]) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, logs[w % len(logs)], w, APPENDS))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * PROCESSES


def test_many_processes_one_log_make_one_unbroken_chain(engine, db_url, trusted):
    _run(db_url, ["ward"])
    report = verify(engine, trusted)
    assert report.ok, report.problems
    assert report.size == PROCESSES * APPENDS
    seen = {(e.payload["worker"], e.payload["i"]) for e in ledger.read_entries(engine, "ward")}
    assert len(seen) == PROCESSES * APPENDS


def test_many_processes_many_logs_all_verify(engine, db_url, trusted):
    logs = [f"ward-{w}" for w in range(PROCESSES)]
    _run(db_url, logs)
    for log in logs:
        report = verify(engine, trusted, log=log)
        assert report.ok and report.size == APPENDS
