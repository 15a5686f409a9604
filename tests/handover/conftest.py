"""Fixtures shared by the handover tests: a registered world (ward, contractor, roster,
cabinets, workstation, case) and one sealed package in it. Helpers are in support.py."""

from __future__ import annotations

import pytest

from handover.model import fold
from handover.model.replay import replay_rules
from tests.handover.support import World, make_world


@pytest.fixture
def world(db_url, tmp_path) -> World:
    w = make_world(db_url, tmp_path)
    yield w
    # After every scenario, refolding the ledger from entry 0 gives the live projection.
    live = w.snapshot()
    assert fold.rebuild(w.j.engine, w.j.log) == w.size()
    assert w.snapshot() == live, "rebuild differs from the live projection"
    # ... and every entry the actions recorded keeps the rules the auditor's replay checks.
    if not w.forged:
        found = replay_rules(w.j.engine, w.j.log).findings
        assert found == [], "replay of the custody rules: " + "; ".join(f.text() for f in found)
    w.j.engine.dispose()


@pytest.fixture
def sealed(world):
    return world.seal()
