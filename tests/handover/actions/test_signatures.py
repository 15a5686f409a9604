"""Every action signed by the person who takes it (issue 12), on SQLite and PostgreSQL:
refusals at record time, and what `verify` finds in entries written straight into the
database with a correct hash chain and a checkpoint signed with the log's own key."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

import ledger
from crypto import personal_keys
from handover import actions, reports
from handover.config import Settings
from handover.errors import HandoverError, NotFound
from handover.ids import new_id
from handover.model import fold
from handover.model import signatures as sig
from handover.model.journal import Journal
from handover.model.tables import credential_keys
from tests.handover.support import (PASSPHRASE, TINY_KDF, SoftPasskey, needs_poppler,
                                    new_credential, pdf_text, refused)
from tests.handover.support import enrol_passkey as _enrol_passkey


def _alone(w, person: str) -> Journal:
    """The world's journal with only `person`'s credential unlocked."""
    return Journal(w.j.engine, w.j.log, w.j.key_path, clock=w.clock, host=w.j.host,
                   os_user=w.j.os_user, signers={person: w.j.signers[person]})


# --- refused when recording ------------------------------------------------------------------

def test_acting_in_another_persons_name_is_refused(world, sealed):
    world.provide(sealed.medium_id)
    handover_id = world.entries()[-1].payload["handover_id"]
    staff_only = _alone(world, world.taro)
    # Staff cannot confirm "on behalf of" the contractor: they hold no key of hers.
    v = refused(world, "signature-required", actions.confirm_handover, staff_only, world.hanako,
                handover_id, item=world.hanako)
    assert "架空 花子" in v.message and "passphrase" in v.hint
    # Nor with their own key put forward as hers.
    staff_only.signers[world.hanako] = world.j.signers[world.taro]
    v = refused(world, "credential-of-another-person", actions.confirm_handover, staff_only,
                world.hanako, handover_id, item=world.hanako)
    assert "見本 太郎" in v.message and "架空 花子" in v.message


def test_confirming_with_a_revoked_credential_is_refused(world, sealed):
    world.provide(sealed.medium_id)
    handover_id = world.entries()[-1].payload["handover_id"]
    cred = world.j.signers[world.hanako].credential_id
    actions.revoke_credential(world.j, world.taro, cred, "紛失の届出")
    v = refused(world, "credential-revoked", actions.confirm_handover, world.j, world.hanako,
                handover_id, item=cred)
    assert "紛失の届出" in v.message
    # Revoking twice is refused too; a new credential lets her confirm.
    refused(world, "credential-revoked", actions.revoke_credential, world.j, world.taro, cred, "再度")
    new = new_credential()
    actions.enrol_credential(world.j, world.taro, world.hanako, new)
    world.j.unlocked(new.signer(world.hanako))
    actions.confirm_handover(world.j, world.hanako, handover_id, condition="異常なし")


def test_only_staff_enrol_and_only_staff_or_the_owner_revoke(world):
    refused(world, "role-required", actions.enrol_credential, world.j, world.hanako, world.ichiro,
            new_credential(), item=world.hanako)
    refused(world, "role-required", actions.revoke_credential, world.j, world.hanako,
            world.j.signers[world.ichiro].credential_id, "x", item=world.hanako)
    actions.revoke_credential(world.j, world.ichiro, world.j.signers[world.ichiro].credential_id,
                              "鍵を紛失")


class _Skewed:
    """A signer that signs something other than what it is asked to (or replays)."""

    def __init__(self, real, forge):
        self.credential_id, self.person_id, self.real, self.forge = \
            real.credential_id, real.person_id, real, forge

    def sign(self, digest: bytes) -> dict:
        return self.forge(self.real, digest)


def _other_digest(**change):
    def forge(real, digest):
        args = dict(log="ward", kind="RemarkRecorded", payload={"text": "見本"}, actor=real.person_id,
                    time="2026-04-06T09:00:00+09:00", nonce="AAAA")
        args.update(change)
        return real.sign(sig.action_digest(**args))
    return forge


@pytest.mark.parametrize("change", [dict(payload={"text": "別の内容"}), dict(log="other-ward")],
                         ids=["another-payload", "another-log"])
def test_a_signature_over_something_else_is_refused(world, change):
    taro = world.j.signers[world.taro]
    world.j.unlocked(_Skewed(taro, _other_digest(**change)))
    v = refused(world, "signature-invalid", actions.record_remark, world.j, world.taro, "見本",
                item=taro.credential_id)
    assert "does not verify" in v.message


def test_a_replayed_signature_is_refused(world):
    taro = world.j.signers[world.taro]
    actions.record_remark(world.j, world.taro, "同じ内容")
    old = world.entries()[-1].payload["signature"]
    world.j.unlocked(_Skewed(taro, lambda real, digest: {k: old[k] for k in ("alg", "sig", "nonce")}))
    v = refused(world, "signature-invalid", actions.record_remark, world.j, world.taro, "同じ内容",
                item=taro.credential_id)
    assert "nonce" in v.message and "replay" in v.message


def test_unlock_needs_the_right_passphrase_and_a_strong_one_to_enrol(world):
    with pytest.raises(HandoverError, match="does not unlock any credential"):
        actions.unlock(world.j, world.hanako, PASSPHRASE + "x")
    signer = actions.unlock(world.j, world.hanako, PASSPHRASE)
    assert signer.person_id == world.hanako and world.j.signers[world.hanako] is signer
    with pytest.raises(NotFound, match="not registered"):
        actions.unlock(world.j, new_id("U"), PASSPHRASE)
    for weak in ("short", "aaaaaaaaaaaaaaaa"):
        with pytest.raises(HandoverError, match="passphrase") as info:
            actions.new_passphrase_credential(weak, TINY_KDF)
        assert weak not in info.value.message


def test_no_passphrase_or_private_key_is_stored_in_the_clear(world, sealed):
    with world.j.engine.connect() as conn:
        stored = conn.execute(sa.select(credential_keys.c.wrapped)).scalars().all()
        dump = "\n".join(str(tuple(r)) for t in ("ledger_entries", "credential_keys", "proj_credentials")
                         for r in conn.execute(sa.text(f"SELECT * FROM {t}")))
    assert len(stored) == 7          # one per person of the world
    assert PASSPHRASE not in dump
    for signer in world.j.signers.values():
        raw = signer.key.private_bytes_raw()
        for form in (raw.hex(), personal_keys.b64(raw), repr(raw)):
            assert form not in dump
        assert signer.credential_id in repr(signer) and raw.hex() not in repr(signer)


# --- found by verify -----------------------------------------------------------------------

def _settings(w) -> Settings:
    return Settings(str(w.j.engine.url.render_as_string(hide_password=False)), w.j.key_path, w.j.log)


def _forge(w, kind: str, payload: dict, actor: str, key, credential_id: str, *,
           after_signing=None) -> int:
    """Write an entry straight into the log with a correct chain and a checkpoint signed by the
    log's key, as someone holding the database and that key could. Returns its index."""
    payload = dict(payload, origin={"os_user": "intruder", "host": "elsewhere"})
    time = w.clock().isoformat()
    nonce = sig.new_nonce()
    digest = sig.action_digest(w.j.log, kind, payload, actor, time, nonce)
    payload["signature"] = {"v": 1, "nonce": nonce, "alg": "ed25519",
                            "sig": personal_keys.b64(key.sign(digest)), "credential": credential_id}
    if after_signing:
        after_signing(payload)
    with ledger.writer(w.j.engine, w.j.log) as lg:
        fold.catch_up(lg)
        entry = ledger.append(lg, kind, payload, actor, time)
        fold.apply(lg.connection, w.j.log, entry)
        ledger.take_checkpoint(lg, ledger.load_signer(w.j.key_path))
    return entry.index


def _first_problem(w):
    report = reports.verify(_settings(w), [w.j.key_path.with_suffix(".pub")], None)
    assert not report.ok
    return report.first_problem


def test_verify_passes_a_world_where_everyone_signed(world, sealed):
    world.provide(sealed.medium_id)
    report = reports.verify(_settings(world), [world.j.key_path.with_suffix(".pub")], None)
    assert report.ok, report.problems
    assert report.entry_signatures_checked == world.size()
    # Each entry names one of its actor's credentials.
    creds = {s.credential_id: p for p, s in world.j.signers.items()}
    for e in world.entries():
        assert creds[e.payload["signature"]["credential"]] == e.actor


def test_verify_finds_an_entry_signed_with_another_persons_key(world):
    hanako = world.j.signers[world.hanako]
    index = _forge(world, "RemarkRecorded", {"text": "太郎の名で"}, world.taro, hanako.key,
                   hanako.credential_id)
    p = _first_problem(world)
    assert (p.index, p.failure) == (index, "another-persons-key")
    assert world.taro in p.message and world.hanako in p.message


def test_verify_finds_a_signature_by_a_key_not_of_the_named_credential(world):
    hanako = world.j.signers[world.hanako]
    taro = world.j.signers[world.taro]
    index = _forge(world, "RemarkRecorded", {"text": "x"}, world.taro, hanako.key, taro.credential_id)
    p = _first_problem(world)
    assert (p.index, p.failure) == (index, "signature-invalid")


def test_verify_finds_a_payload_altered_after_signing(world, sealed):
    taro = world.j.signers[world.taro]

    def alter(payload):
        payload["text"] = "後から書き換えた"
    index = _forge(world, "RemarkRecorded", {"text": "元の文"}, world.taro, taro.key,
                   taro.credential_id, after_signing=alter)
    p = _first_problem(world)
    assert (p.index, p.failure) == (index, "signature-invalid")
    assert "changed after signing" in p.message


def test_verify_finds_a_credential_revoked_before_the_entry(world):
    hanako = world.j.signers[world.hanako]
    actions.revoke_credential(world.j, world.taro, hanako.credential_id, "退職")
    revoked_at = world.size() - 1
    index = _forge(world, "RemarkRecorded", {"text": "失効後"}, world.hanako, hanako.key,
                   hanako.credential_id)
    p = _first_problem(world)
    assert (p.index, p.failure) == (index, "credential-revoked")
    assert f"revoked at entry {revoked_at}" in p.message


def test_verify_finds_a_credential_registered_after_the_entry(world):
    early = new_credential()
    index = _forge(world, "RemarkRecorded", {"text": "登録前"}, world.ichiro, early.key,
                   early.credential_id)
    actions.enrol_credential(world.j, world.taro, world.ichiro, early)
    registered = world.size() - 1
    p = _first_problem(world)
    assert (p.index, p.failure) == (index, "credential-registered-after")
    assert f"at entry {registered}" in p.message


def test_verify_finds_a_replayed_entry(world):
    actions.record_remark(world.j, world.taro, "一度だけ")
    original = world.entries()[-1]
    with ledger.writer(world.j.engine, world.j.log) as lg:
        copy = ledger.append(lg, original.kind, original.payload, original.actor, original.time)
        fold.apply(lg.connection, world.j.log, copy)
        ledger.take_checkpoint(lg, ledger.load_signer(world.j.key_path))
    p = _first_problem(world)
    assert (p.index, p.failure) == (copy.index, "replayed-nonce")


# --- on paper --------------------------------------------------------------------------------

@needs_poppler
def test_the_confirmed_kakuninsho_prints_the_electronic_signature(world, sealed, tmp_path):
    recorded = world.provide(sealed.medium_id, pdf_dir=tmp_path / "pdf")
    before = pdf_text(recorded.pdf_path)
    assert "電子署名済み" not in before
    done = actions.confirm_handover(world.j, world.hanako, recorded.handover_id,
                                    condition="封緘異常なし", pdf_dir=tmp_path / "pdf")
    text = pdf_text(done.pdf_path)
    entry = world.entries()[-1]
    credential = entry.payload["signature"]["credential"]
    rows = {r["credential_id"]: r for r in actions.credential_list(world.j, world.hanako)}
    short = personal_keys.unb64(entry.payload["signature"]["sig"]).hex().upper()[:16]
    assert text.count("電子署名済み") == 2            # both copies (甲・乙)
    assert rows[credential]["fingerprint"] in text
    assert " ".join(short[i:i + 4] for i in range(0, 16, 4)) in text
    assert "令和8年4月6日（2026-04-06）" in text


# --- passkeys (WebAuthn): the entry format the web edge will use ---------------------------

@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_a_passkey_confirms_and_verify_accepts_it(world, sealed, alg):
    world.provide(sealed.medium_id)
    handover_id = world.entries()[-1].payload["handover_id"]
    passkey = SoftPasskey(world.hanako, alg)
    _enrol_passkey(world, passkey)
    world.j.unlocked(passkey)
    actions.confirm_handover(world.j, world.hanako, handover_id, condition="異常なし")
    block = world.entries()[-1].payload["signature"]
    assert block["alg"] == "webauthn" and block["credential"] == passkey.credential_id
    report = reports.verify(_settings(world), [world.j.key_path.with_suffix(".pub")], None)
    assert report.ok, report.problems


def test_a_passkey_assertion_without_user_verification_is_refused(world):
    passkey = SoftPasskey(world.hanako)
    _enrol_passkey(world, passkey)
    passkey.verified = False
    world.j.unlocked(passkey)
    v = refused(world, "signature-invalid", actions.record_remark, world.j, world.hanako, "x",
                item=passkey.credential_id)
    assert "user-verified flag is clear" in v.message


def test_a_passkey_without_a_valid_proof_is_not_enrolled(world):
    passkey = SoftPasskey(world.hanako)
    other = SoftPasskey(world.hanako)
    bare = actions.passkey_registration(world.j.log, passkey.credential_id, world.hanako,
                                        world.taro, passkey.cose, passkey.rp_id)
    refused(world, "proof-of-possession", actions.enrol_passkey, world.j, world.taro, world.hanako,
            passkey.credential_id, passkey.cose, passkey.rp_id,
            other.sign(sig.proof_digest(world.j.log, bare)), item=passkey.credential_id)


def test_the_checks_spread_over_processes_find_the_same_first_bad_entry(world):
    from handover.reports.verification import check_person_signatures
    taro, hanako = world.j.signers[world.taro], world.j.signers[world.hanako]
    actions.record_remark(world.j, world.taro, "正しい記録")

    def alter(payload):
        payload["text"] = "後から書き換えた"
    altered = _forge(world, "RemarkRecorded", {"text": "元の文"}, world.taro, taro.key,
                     taro.credential_id, after_signing=alter)
    other = _forge(world, "RemarkRecorded", {"text": "他人"}, world.taro, hanako.key,
                   hanako.credential_id)
    with world.j.engine.connect() as conn:
        alone = check_person_signatures(conn, world.j.log, workers=1)
        spread = check_person_signatures(conn, world.j.log, workers=2)
    assert [(p.index, p.failure) for p in spread.problems] == \
        [(p.index, p.failure) for p in alone.problems] == \
        [(altered, "signature-invalid"), (other, "another-persons-key")]
    assert spread.checked == alone.checked == world.size() - 2
