"""Every entry signed by the person who takes the action (issue 12): who may sign, with which
credential, and whether the signature is over this very action."""

from __future__ import annotations

from typing import Mapping

from handover.model import events as ev
from handover.model import signatures as sig
from handover.model.policy.people import require_staff
from handover.model.policy.rules import (CREDENTIAL_NOT_REGISTERED, CREDENTIAL_OF_ANOTHER,
                                         CREDENTIAL_REVOKED, PROOF_OF_POSSESSION, SIGNED_ACT_STALE,
                                         SIGNATURE_INVALID, SIGNATURE_REQUIRED, refuse)
from handover.model.state import Row, State


def require_signer(st: State, actor_id: str, signer: sig.Signer | None) -> None:
    """An action is recorded only with a credential the acting person unlocked."""
    if signer is None:
        raise refuse(SIGNATURE_REQUIRED, actor_id,
                     f"{st.label(actor_id)} has not unlocked a credential: every action is signed "
                     "by the person who takes it",
                     f"{st.name(actor_id)} の署名鍵が解錠されていないため記録できません",
                     "act as yourself (--as) and give your passphrase (prompt, --passphrase-fd or "
                     "--passphrase-file); ask staff to enrol a credential if you have none")
    if signer.person_id != actor_id:
        raise refuse(CREDENTIAL_OF_ANOTHER, actor_id,
                     f"the unlocked credential {signer.credential_id} belongs to "
                     f"{st.label(signer.person_id)}, not to {st.label(actor_id)}: nobody acts in "
                     "another person's name",
                     f"{st.name(signer.person_id)} の署名鍵で {st.name(actor_id)} として操作することは"
                     "できません",
                     f"let {st.name(actor_id)} act with their own credential")


def require_usable_credential(st: State, actor_id: str, credential_id: str) -> Row:
    """The credential is registered, the acting person's own, and not revoked."""
    row = st.find_credential(credential_id)
    if row is None:
        raise refuse(CREDENTIAL_NOT_REGISTERED, credential_id,
                     f"credential {credential_id} is not registered in this log",
                     f"署名鍵 {credential_id} はこの台帳に登録されていません",
                     "enrol a credential with `handover credential enrol` (staff, in person)")
    if row.person_id != actor_id:
        raise refuse(CREDENTIAL_OF_ANOTHER, credential_id,
                     f"credential {credential_id} belongs to {st.label(row.person_id)}, not to "
                     f"{st.label(actor_id)}: nobody acts in another person's name",
                     f"署名鍵 {credential_id} は {st.name(row.person_id)} のものです",
                     f"let {st.name(actor_id)} act with their own credential")
    if row.revoked_index is not None:
        raise refuse(CREDENTIAL_REVOKED, credential_id,
                     f"credential {credential_id} of {st.label(row.person_id)} was revoked on "
                     f"{row.revoked_at} ({row.revoke_reason}) and signs nothing any more",
                     f"署名鍵 {credential_id} は失効しています（{row.revoked_at}）",
                     "use another credential of the same person, or ask staff to enrol a new one")
    return row


def require_valid_signature(credential: Row | ev.CredentialRegistered, block: Mapping,
                            nonce: str, digest: bytes) -> None:
    """The signature is over this action's digest, with the nonce this transaction issued: a
    signature over another payload or log, or one replayed from an earlier entry, is refused."""
    cred = block.get("credential")
    if block.get("nonce") != nonce:
        raise refuse(SIGNATURE_INVALID, cred,
                     f"the signature by {cred} carries nonce {block.get('nonce')!r}, not the one "
                     "issued for this action: it was made for something else (a replay?)",
                     "署名がこの操作のために発行されたノンスに対するものではありません（再利用の疑い）",
                     "sign again now; a signature is good for one action only")
    why = sig.check(credential.kind, credential.public_key, credential.rp_id, block, digest)
    if why is not None:
        raise refuse(SIGNATURE_INVALID, cred,
                     f"the signature by {cred} does not verify over this action ({why}): it was "
                     "made over another payload, log, time or nonce",
                     "署名がこの操作の内容に対するものではありません",
                     "sign again now, over the action being recorded")


def require_proof(log: str, e: ev.CredentialRegistered) -> None:
    """The new credential signed its own registration: its holder has the private key."""
    why = sig.check(e.kind, e.public_key, e.rp_id, dict(e.proof), sig.proof_digest(log, e))
    if why is not None:
        raise refuse(PROOF_OF_POSSESSION, e.credential_id,
                     f"the new credential {e.credential_id} did not sign its registration ({why})",
                     "新しい署名鍵による登録内容への署名（所持証明）が確認できません",
                     "enrol again with the person present, using their own key or passkey")


def require_may_revoke(st: State, actor_id: str, credential: Row) -> None:
    """Staff revoke anyone's credential; a person may revoke their own (a lost key)."""
    if credential.person_id != actor_id:
        require_staff(st, actor_id, "revoke another person's credential")
    if credential.revoked_index is not None:
        raise refuse(CREDENTIAL_REVOKED, credential.credential_id,
                     f"credential {credential.credential_id} was already revoked on "
                     f"{credential.revoked_at}",
                     f"署名鍵 {credential.credential_id} は既に失効しています",
                     "nothing to do; see `handover credential list`")


# --- two-phase acts signed with a passkey (model/prepared.py) ---------------------------------

_SIGN_AGAIN = "sign again now: the page prepares the act afresh / もう一度署名してください"


def require_prepared_recently(actor_id: str, prepared_at, now, max_age) -> None:
    """A prepared act is committed within `max_age` of its preparation, and not before it."""
    age = now - prepared_at
    if age > max_age or age.total_seconds() < 0:
        raise refuse(SIGNED_ACT_STALE, actor_id,
                     f"the act was prepared for signing at {prepared_at.isoformat()}, "
                     f"{int(age.total_seconds())} s ago; a signed act is recorded within "
                     f"{int(max_age.total_seconds())} s of its preparation",
                     "署名の準備から時間が経ちすぎたため記録できません",
                     _SIGN_AGAIN)


def require_as_signed(actor_id: str, position: int, kind: str, digest: bytes,
                      signed_kind: str, signed_digest: bytes) -> None:
    """The entry recorded is the entry the person signed: same kind, same digest (payload,
    time, nonce, actor, log)."""
    if kind != signed_kind:
        why = f"entry {position + 1} is now {kind}, not the {signed_kind} that was signed"
    elif digest != signed_digest:
        why = f"entry {position + 1} ({kind}) is no longer what was signed"
    else:
        return
    raise refuse(SIGNED_ACT_STALE, actor_id,
                 f"changed since you signed ({why}): the ledger or the form changed between "
                 "the signature and the recording",
                 "署名した後に記録する内容が変わりました",
                 _SIGN_AGAIN)


def require_same_count(actor_id: str, made: int, signed: int) -> None:
    """The act makes as many entries as were signed."""
    if made != signed:
        raise refuse(SIGNED_ACT_STALE, actor_id,
                     f"changed since you signed: the act now makes {made} entries, {signed} were "
                     "signed", "署名した後に記録する内容が変わりました", _SIGN_AGAIN)


def require_not_overtaken(actor_id: str, prepared_time, newer: list, nonces: set[str]) -> None:
    """Nothing in the log after the preparation is dated after the prepared time (the entries
    stay in time order), and none carries a prepared nonce (a prepared act records once)."""
    import datetime as dt
    for entry in newer:
        block = entry.payload.get(sig.SIGNATURE_FIELD) if isinstance(entry.payload, dict) else None
        if isinstance(block, dict) and block.get("nonce") in nonces:
            raise refuse(SIGNED_ACT_STALE, actor_id,
                         f"this signed act was already recorded (entry {entry.index}): a prepared "
                         "act is recorded once",
                         "この署名済みの操作は既に記録されています（再送）",
                         "nothing to do; to act again, start again from the page")
        if dt.datetime.fromisoformat(entry.time) > prepared_time:
            raise refuse(SIGNED_ACT_STALE, actor_id,
                         f"changed since you signed: entry {entry.index} ({entry.kind}) was "
                         f"recorded at {entry.time}, after the time the act was prepared for "
                         f"({prepared_time.isoformat()})",
                         "署名した後に台帳が更新されました",
                         _SIGN_AGAIN)
