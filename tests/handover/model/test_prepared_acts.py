"""Acts signed in two phases by a passkey (model/prepared.py): prepare (a dry run that fixes
time and nonces and returns the digests), the assertions, commit (the act recorded as signed,
or refused as `signed-act-stale`). On SQLite and PostgreSQL; the world fixture checks rebuild
equality and the rule replay after each test."""

from __future__ import annotations

import pytest

from crypto import personal_keys
from handover import actions, reports
from handover.config import Settings
from handover.errors import HandoverError
from handover.model import prepared
from handover.model import signatures as sig
from tests.handover.support import SoftPasskey, enrol_passkey, refused


def _assertions(passkey: SoftPasskey, act: prepared.PreparedAct) -> list[dict]:
    return [passkey.sign(d) for d in act.digests]


@pytest.fixture
def hanako_passkey(world):
    passkey = SoftPasskey(world.hanako, "ES256")
    enrol_passkey(world, passkey)
    # Only her passkey acts for her from now on: nothing may fall back to her passphrase.
    world.j.signers.pop(world.hanako)
    return passkey


@pytest.fixture
def handed(world, sealed):
    world.provide(sealed.medium_id)
    return world.entries()[-1].payload["handover_id"]


def _confirm(world, handover_id, condition="異常なし"):
    return lambda j: actions.confirm_handover(j, world.hanako, handover_id, condition=condition)


def _verify(world):
    settings = Settings(str(world.j.engine.url.render_as_string(hide_password=False)),
                        world.j.key_path, world.j.log)
    return reports.verify(settings, [world.j.key_path.with_suffix(".pub")], None)


def test_prepare_writes_nothing_and_commit_records_what_was_signed(world, handed, hanako_passkey):
    size, snap = world.size(), world.snapshot()
    act = prepared.prepare(world.j, world.hanako, _confirm(world, handed))
    assert world.size() == size and world.snapshot() == snap
    assert [e.kind for e in act.entries] == ["HandoverConfirmed"]

    world.clock.advance(seconds=30)         # reading the page, touching the key
    record = prepared.commit(world.j, act, hanako_passkey.credential_id,
                             _assertions(hanako_passkey, act))
    entry = world.entries()[-1]
    assert record.entry_index == entry.index == size
    block = entry.payload["signature"]
    assert block["alg"] == "webauthn" and block["credential"] == hanako_passkey.credential_id
    assert block["nonce"] == act.entries[0].nonce
    assert entry.time == act.now.isoformat()             # the prepared time, not the commit's
    assert sig.entry_digest(entry) == act.digests[0]
    report = _verify(world)                              # the audit accepts it unchanged
    assert report.ok, report.problems
    with world.j.reading() as st:
        assert st.handover(handed).confirmed_by == world.hanako


def test_a_refused_act_is_refused_when_prepared_before_anyone_signs(world, handed, hanako_passkey):
    refused(world, "not-on-roster", prepared.prepare, world.j, world.outsider,
            lambda j: actions.confirm_handover(j, world.outsider, handed))


def test_an_act_changed_since_it_was_signed_is_refused(world, handed, hanako_passkey):
    form = {"condition": "異常なし"}
    act = prepared.prepare(world.j, world.hanako, lambda j: actions.confirm_handover(
        j, world.hanako, handed, condition=form["condition"]))
    assertions = _assertions(hanako_passkey, act)
    form["condition"] = "封筒に破損あり"        # the form changed after the signature
    v = refused(world, "signed-act-stale", prepared.commit, world.j, act,
                hanako_passkey.credential_id, assertions, item=world.hanako)
    assert "changed since you signed" in v.message and "もう一度署名" in v.hint


def test_a_preparation_older_than_two_minutes_is_refused(world, handed, hanako_passkey):
    act = prepared.prepare(world.j, world.hanako, _confirm(world, handed))
    assertions = _assertions(hanako_passkey, act)
    world.clock.advance(minutes=2, seconds=1)
    v = refused(world, "signed-act-stale", prepared.commit, world.j, act,
                hanako_passkey.credential_id, assertions, item=world.hanako)
    assert "121 s ago" in v.message


def test_an_entry_dated_after_the_preparation_makes_it_stale(world, handed, hanako_passkey):
    act = prepared.prepare(world.j, world.hanako, _confirm(world, handed))
    assertions = _assertions(hanako_passkey, act)
    world.clock.advance(seconds=5)
    actions.record_remark(world.j, world.taro, "another desk records meanwhile")
    v = refused(world, "signed-act-stale", prepared.commit, world.j, act,
                hanako_passkey.credential_id, assertions, item=world.hanako)
    assert "after the time the act was prepared for" in v.message


def test_an_entry_of_the_same_moment_does_not(world, handed, hanako_passkey):
    act = prepared.prepare(world.j, world.hanako, _confirm(world, handed))
    actions.record_remark(world.j, world.taro, "recorded at the prepared moment")
    prepared.commit(world.j, act, hanako_passkey.credential_id, _assertions(hanako_passkey, act))
    assert world.entries()[-1].kind == "HandoverConfirmed"


def test_a_prepared_act_records_once(world, hanako_passkey):
    act = prepared.prepare(world.j, world.hanako,
                           lambda j: actions.record_remark(j, world.hanako, "見本の所見"))
    assertions = _assertions(hanako_passkey, act)
    prepared.commit(world.j, act, hanako_passkey.credential_id, assertions)
    v = refused(world, "signed-act-stale", prepared.commit, world.j, act,
                hanako_passkey.credential_id, assertions, item=world.hanako)
    assert "already recorded" in v.message


def test_an_assertion_over_another_digest_or_tampered_is_refused(world, handed, hanako_passkey):
    act = prepared.prepare(world.j, world.hanako, _confirm(world, handed))
    other = hanako_passkey.sign(bytes(32))
    v = refused(world, "signature-invalid", prepared.commit, world.j, act,
                hanako_passkey.credential_id, [other], item=hanako_passkey.credential_id)
    assert "challenge" in v.message
    good = hanako_passkey.sign(act.digests[0])
    raw = bytearray(personal_keys.unb64(good["sig"]))
    raw[-1] ^= 1
    tampered = {**good, "sig": personal_keys.b64(bytes(raw))}
    refused(world, "signature-invalid", prepared.commit, world.j, act,
            hanako_passkey.credential_id, [tampered], item=hanako_passkey.credential_id)


def test_a_passkey_of_another_person_cannot_commit(world, handed, hanako_passkey):
    ichiro_key = SoftPasskey(world.ichiro)
    enrol_passkey(world, ichiro_key)
    act = prepared.prepare(world.j, world.hanako, _confirm(world, handed))
    refused(world, "credential-of-another-person", prepared.commit, world.j, act,
            ichiro_key.credential_id, _assertions(ichiro_key, act),
            item=ichiro_key.credential_id)


def test_an_act_of_several_entries_is_signed_entry_by_entry(world, sealed):
    taro_key = SoftPasskey(world.taro)
    enrol_passkey(world, taro_key)
    world.j.signers.pop(world.taro)
    act = prepared.prepare(world.j, world.taro, lambda j: actions.store_item(
        j, world.taro, sealed.medium_id, world.media_cab))
    assert len(act.entries) >= 1 and len(set(act.digests)) == len(act.digests)
    prepared.commit(world.j, act, taro_key.credential_id, _assertions(taro_key, act))
    assert _verify(world).ok


def test_a_wrong_number_of_assertions_is_a_clear_error(world, handed, hanako_passkey):
    act = prepared.prepare(world.j, world.hanako, _confirm(world, handed))
    with pytest.raises(HandoverError, match="2 assertions for 1 entries"):
        prepared.commit(world.j, act, hanako_passkey.credential_id,
                        _assertions(hanako_passkey, act) * 2)


def test_an_act_that_makes_something_new_is_recorded_with_the_ids_it_was_signed_with(
        world, handed, hanako_passkey):
    act = prepared.prepare(world.j, world.hanako, lambda j: actions.report_incident(
        j, world.hanako, world.case_id, "seal-broken", "封筒の封緘が破れていた").value)
    [entry] = act.entries
    assert entry.kind == "IncidentReported" and len(act.ids) == 1
    incident = prepared.commit(world.j, act, hanako_passkey.credential_id,
                               _assertions(hanako_passkey, act))
    assert incident == act.ids[0] == world.entries()[-1].payload["incident_id"]
