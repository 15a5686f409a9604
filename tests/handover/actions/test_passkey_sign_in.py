"""Signing in with a passkey, checked by actions.passkey_sign_in (the web edge only runs the
ceremony), SQLite and PostgreSQL: the user handle names the person, one of their registered,
unrevoked passkeys under this RP ID verifies the assertion over the challenge, the page's
origin is this server's, and a non-zero counter goes up. Each refusal names what is wrong."""

from __future__ import annotations

import pytest

from crypto import personal_keys
from handover import actions
from handover.errors import HandoverError
from tests.handover.support import SoftPasskey, enrol_passkey

RP, ORIGIN = "localhost", "http://localhost:8443"
CHALLENGE = bytes(range(32))


def _answer(passkey: SoftPasskey, challenge: bytes = CHALLENGE, handle: str | None = None):
    block = passkey.sign(challenge)
    return {"authenticator_data": block["authenticator_data"],
            "client_data_json": block["client_data_json"], "sig": block["sig"],
            "user_handle": personal_keys.b64((handle or passkey.person_id).encode())}


def _sign_in(w, answer, counters=None, rp_id=RP):
    return actions.passkey_sign_in(w.j, answer, rp_id=rp_id, origin=ORIGIN, challenge=CHALLENGE,
                                   counters=counters or actions.PasskeyCounters())


@pytest.fixture
def hanako(world):
    passkey = SoftPasskey(world.hanako, "ES256", rp_id=RP, origin=ORIGIN)
    enrol_passkey(world, passkey)
    return passkey


def test_the_passkey_names_its_person_and_credential(world, hanako):
    found = _sign_in(world, _answer(hanako))
    assert (found.person_id, found.credential_id) == (world.hanako, hanako.credential_id)
    assert found.name == "架空 花子"


def test_an_assertion_over_another_challenge_or_for_another_person_is_refused(world, hanako):
    with pytest.raises(HandoverError, match="could not be verified"):
        _sign_in(world, _answer(hanako, challenge=bytes(32)))
    with pytest.raises(HandoverError, match="could not be verified"):
        _sign_in(world, _answer(hanako, handle=world.ichiro))
    with pytest.raises(HandoverError, match="could not be verified"):
        _sign_in(world, _answer(hanako, handle="not-a-person"))
    with pytest.raises(HandoverError, match="could not be verified"):
        _sign_in(world, _answer(hanako), rp_id="other.example.lg.jp")


def test_a_revoked_passkey_signs_no_one_in(world, hanako):
    actions.revoke_credential(world.j, world.taro, hanako.credential_id, "紛失")
    with pytest.raises(HandoverError, match="not registered, or revoked"):
        _sign_in(world, _answer(hanako))


def test_another_sites_page_and_a_counter_that_goes_back_are_refused(world, hanako):
    elsewhere = SoftPasskey(world.hanako, rp_id=RP, origin="https://evil.example")
    elsewhere._sign, elsewhere.cose = hanako._sign, hanako.cose    # the same key, another page
    with pytest.raises(HandoverError, match="not signed on this server's pages"):
        _sign_in(world, _answer(elsewhere))
    counters = actions.PasskeyCounters()
    _sign_in(world, _answer(hanako), counters)
    hanako.count -= 1                      # a clone, one assertion behind
    with pytest.raises(HandoverError, match="counter went back"):
        _sign_in(world, _answer(hanako), counters)


def test_a_malformed_answer_is_refused(world, hanako):
    with pytest.raises(HandoverError, match="malformed"):
        _sign_in(world, {**_answer(hanako), "sig": "abcde"})     # not base64url
    with pytest.raises(HandoverError, match="malformed"):
        _sign_in(world, {k: v for k, v in _answer(hanako).items() if k != "sig"})
