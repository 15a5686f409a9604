"""The fold covers every event kind, and the events it folds cannot be changed."""

from __future__ import annotations

import dataclasses

import pytest

from handover import actions, reports
from handover.actions import record_remark
from handover.model import events as ev
from handover.model import tables
from tests.handover.support import HOST, table_counts


def test_every_event_kind_decodes_and_folds():
    assert set(ev.BY_KIND) == {cls.KIND for cls in ev.ALL}
    assert ev.RemarkRecorded in ev.ALL


def test_a_remark_decodes_to_its_event(world):
    entry = record_remark(world.j, world.taro, "立入検査: 保管状況良好")
    assert ev.decode(entry) == ev.RemarkRecorded("立入検査: 保管状況良好")


def test_events_hold_no_mutable_lists_or_maps():
    e = ev.CaseOpened("C-1", "業務", "O-1", ["O-2"], "2026-04-01", "2026-06-30",
                      [{"person_id": "U-1", "role": "responsible"}])
    assert e.contractors == ("O-2",)
    with pytest.raises(AttributeError):
        e.contractors.append("O-3")
    with pytest.raises(TypeError):
        e.roster[0]["role"] = "handler"
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.name = "other"
    # The payload is plain JSON again, as the ledger stores it.
    assert e.to_payload()["roster"] == [{"person_id": "U-1", "role": "responsible"}]
    assert type(e.to_payload()["contractors"]) is list


def test_a_closing_override_is_folded_into_the_projection(world):
    m = world.seal().medium_id
    world.provide(m)
    actions.close_case(world.j, world.taro, world.case_id, "契約解除",
                     override_reason="委託先倒産のため回収不能")
    snap = world.snapshot()["proj_closing_overrides"]
    assert len(snap) == 1 and snap[0][1] == world.case_id and "委託先倒産" in snap[0][2]
    found = [o for o in reports.overrides(world.j) if o["handover_id"] is None]
    assert found[0]["reason"] == "委託先倒産のため回収不能"
    assert [r["rule"] for r in found[0]["rules"]] == [
        "items-outstanding", "unconfirmed-handovers", "erasure-certificate-missing"]
    # Reports read the projection, not the ledger: rebuilding refolds the same row.
    with world.j.engine.connect() as conn:
        assert tables.snapshot(conn, world.j.log)["proj_closing_overrides"] == snap


def test_world_is_registered(world):
    counts = table_counts(world)
    assert counts["proj_people"] == 7
    assert counts["proj_cases"] == 1
    assert counts["proj_roster"] == 4
    assert counts["proj_case_workstations"] == 1
    entries = world.entries()
    assert [e.kind for e in entries[:3]] == ["CredentialRegistered", "OrganisationRegistered",
                                             "PersonRegistered"]
    # Every entry names a person and carries the OS account and host that made it.
    for e in entries:
        assert e.actor == world.taro
        assert e.payload["origin"] == {"os_user": "tester", "host": HOST}
        assert e.time == "2026-04-06T09:00:00+09:00"
