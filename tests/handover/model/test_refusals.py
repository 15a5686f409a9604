"""Refusals that used to be plain errors (exit 1) are named policy rules (exit 4), as
docs/custody.md promises: each names its rule and item, in English and Japanese, with a hint,
and records nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from handover import actions
from handover.errors import EXIT_REFUSED, PolicyViolation
from tests.handover.support import HOST, new_credential, refused


def _refused(world, rule, fn, *args, **kwargs) -> PolicyViolation:
    v = refused(world, rule, fn, *args, **kwargs)
    assert v.exit_code == EXIT_REFUSED
    return v


def test_an_envelope_batch_is_neither_stored_nor_handed_on(world, sealed):
    world.provide(sealed.medium_id)
    world.clock.advance(days=1)
    batch = world.handover("deliver", world.hanako, world.taro,
                           envelopes=((sealed.package_id, 5),)).envelope_batches[0]
    _refused(world, "envelope-batch", actions.store_item, world.j, world.taro, batch,
             world.media_cab, )
    _refused(world, "envelope-batch", world.handover, "provide", world.taro, world.hanako,
             [batch])


def test_storing_an_item_where_it_already_is_is_refused(world, sealed):
    actions.store_item(world.j, world.taro, sealed.medium_id, world.media_cab)
    _refused(world, "already-stored", actions.store_item, world.j, world.taro,
             sealed.medium_id, world.media_cab)


def test_envelopes_never_travel_over_lgwan(world, sealed):
    world.provide(sealed.medium_id)
    _refused(world, "method-mismatch", world.handover, "deliver", world.hanako, world.taro,
             method="lgwan", envelopes=((sealed.package_id, 5),))


def test_the_ward_is_not_a_contractor_of_a_case(world):
    _refused(world, "not-a-contractor", actions.open_case, world.j, world.taro, "業務",
             [world.ward], dt.date(2026, 4, 1), dt.date(2026, 6, 30), [world.hanako])


def test_a_roster_names_people_of_the_case_contractors_only(world):
    _refused(world, "not-on-roster", actions.change_roster, world.j, world.taro, world.case_id,
             add_handlers=[world.jiro])


def test_removing_someone_not_on_the_roster_is_refused(world):
    _refused(world, "not-on-roster", actions.change_roster, world.j, world.taro, world.case_id,
             remove=[world.outsider])


def test_a_roster_keeps_a_responsible_handler(world):
    _refused(world, "responsible-required", actions.change_roster, world.j, world.taro,
             world.case_id, remove=[world.hanako])


def test_registry_refusals_are_rules(world):
    _refused(world, "already-initialised", actions.bootstrap, world.j, "別の課", "別の人",
             new_credential())
    _refused(world, "role-mismatch", actions.register_person, world.j, world.taro, "架空",
             world.contractor, ["staff"])
    _refused(world, "key-holder-elsewhere", actions.register_cabinet, world.j, world.taro,
             "金庫", world.ward, [world.hanako])
    _refused(world, "key-holder-elsewhere", actions.change_key_holders, world.j, world.taro,
             world.media_cab, [world.hanako], "")
    _refused(world, "already-registered", actions.register_workstation, world.j, world.taro,
             HOST)
    _refused(world, "not-a-contractor", actions.register_org, world.j, world.taro, "孫請",
             "subcontractor", world.printer)
