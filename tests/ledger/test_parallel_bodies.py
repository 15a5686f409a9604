"""A full verify checks entry bodies in worker processes on large logs (issue 8 §4: 1M
entries under 5 s), each worker replaying a range of the log (ledger/ranges.py). It must find
exactly what the serial replay finds: the first bad index, whether the body or the chain is
bad first. tests/ledger/test_verify_ranges.py compares whole reports."""

from __future__ import annotations

import json

import pytest

import ledger
from ledger import ranges
from tests.ledger.conftest import T0, checkpoint, fill, verify
from tests.ledger.test_review_findings import GOOD, _append_raw_body


@pytest.fixture(params=["serial", "workers"])
def mode(request, monkeypatch):
    if request.param == "workers":   # every log is "large", in ranges of 8 entries
        monkeypatch.setattr(ranges, "WORTH_IT", 0)
        monkeypatch.setattr(ranges, "RANGE", 8)
        monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
        monkeypatch.setattr("os.cpu_count", lambda: 4)
    return request.param


def test_a_clean_log_verifies_either_way(engine, signer, trusted, mode):
    fill(engine, 40)
    checkpoint(engine, signer)
    report = verify(engine, trusted)
    assert report.ok and report.size == 40


@pytest.mark.parametrize("bad_at", [0, 6, 7, 23, 39])
def test_the_first_non_canonical_body_is_named_either_way(engine, signer, trusted, mode, bad_at):
    fill(engine, bad_at)
    _append_raw_body(engine, json.dumps(GOOD).encode())    # spaces: not canonical
    fill(engine, 5)
    _append_raw_body(engine, b"not json")                  # a later one is not reported first
    report = verify(engine, trusted)
    assert report.first_problem.failure == "not-canonical"
    assert report.first_problem.index == bad_at and report.size == bad_at


def test_a_chain_break_before_a_bad_body_comes_first(engine, trusted, mode):
    from tests.ledger.conftest import tamper
    fill(engine, 12)
    _append_raw_body(engine, b"not json")                  # index 12
    tamper(engine, "DELETE FROM ledger_entries WHERE idx = 5")
    report = verify(engine, trusted)
    assert report.first_problem.failure == "missing-entry" and report.first_problem.index == 5
