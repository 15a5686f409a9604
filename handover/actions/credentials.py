"""Personal credentials (issue 12): enrolling a person's signing key in person, revoking it,
and unlocking it at the edge so that the person can act.

A passphrase credential's private key is created here, wrapped under the passphrase
(crypto/personal_keys.py) and stored only in that form (`credential_keys`), in the same
transaction as the `CredentialRegistered` entry that carries its public key and the new
key's proof of possession. The passphrase is never stored, logged or returned.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import crypto
from crypto import personal_keys
from handover import ids
from handover.errors import HandoverError, NotFound, lifted
from handover.files import make_output_dir
from handover.model import events as ev
from handover.model import policy
from handover.model import signatures as sig
from handover.model.journal import Journal, Recorded, Tx, record, require_actor
from handover.model.tables import credential_keys


# Argon2id cost of wrapping a personal key: the packages' default, about a second per unlock
# (one per command: the cost is the KDF, not the signature). Tests lower it.
CREDENTIAL_KDF: crypto.KdfParams | None = None     # None: crypto.DEFAULT_KDF


@dataclass(frozen=True)
class NewCredential:
    """A passphrase credential made but not yet registered: its key, held in memory only."""
    credential_id: str
    key: Ed25519PrivateKey
    wrapped: dict

    @property
    def public_key(self) -> str:
        return personal_keys.b64(personal_keys.public_bytes(self.key))

    @property
    def fingerprint(self) -> str:
        return personal_keys.fingerprint(personal_keys.public_bytes(self.key))

    def signer(self, person_id: str) -> sig.KeySigner:
        return sig.KeySigner(self.credential_id, person_id, self.key)

    def __repr__(self) -> str:
        return f"NewCredential({self.credential_id})"



class WrongPassphrase(HandoverError):
    """A passphrase that unlocks none of the person's credentials (the sign-in page says so
    in Japanese)."""

def new_passphrase_credential(passphrase: str,
                              kdf_params: crypto.KdfParams | None = None) -> NewCredential:
    """A new Ed25519 key wrapped under `passphrase`; refuses a weak passphrase."""
    with lifted():
        key, wrapped = personal_keys.create(passphrase,
                                            kdf_params or CREDENTIAL_KDF or crypto.DEFAULT_KDF)
    return NewCredential(ids.new_id("Y"), key, wrapped)


def registration(log: str, new: NewCredential, person_id: str, enrolled_by: str,
                 enrolled_at: str) -> ev.CredentialRegistered:
    """The registration entry, with the new key's signature over it as proof of possession."""
    bare = ev.CredentialRegistered(new.credential_id, person_id, ev.PASSPHRASE_KEY,
                                   new.public_key, new.fingerprint, enrolled_by, enrolled_at)
    proof = new.signer(person_id).sign(sig.proof_digest(log, bare))
    return ev.CredentialRegistered(new.credential_id, person_id, ev.PASSPHRASE_KEY,
                                   new.public_key, new.fingerprint, enrolled_by, enrolled_at,
                                   proof)


def keep_wrapped(log: str, new: NewCredential):
    """Writes the wrapped key beside the registration, in its transaction."""
    def write(conn: sa.Connection) -> None:
        conn.execute(credential_keys.insert().values(
            log=log, credential_id=new.credential_id,
            wrapped=json.dumps(new.wrapped, sort_keys=True)))
    return write


@dataclass(frozen=True)
class Enrolled:
    credential_id: str
    person_id: str
    fingerprint: str
    form: Path | None       # the 登録票, when one was asked for


def enrol_credential(journal: Journal, actor: str, person_id: str, new: NewCredential, *,
                     pdf_dir: Path | None = None) -> Recorded[Enrolled]:
    """Staff register a person's new credential, with the person present; with `pdf_dir`,
    the 登録票 to be signed and filed is written there."""
    person_id = ids.parse_id(person_id, "person")
    if pdf_dir is not None:
        make_output_dir(pdf_dir, "登録票 directory")

    def build(tx: Tx):
        policy.require_staff(tx.state, tx.actor_id, "enrol credentials")
        tx.state.person(person_id)
        event = registration(journal.log, new, person_id, tx.actor_id, tx.now.isoformat())
        policy.require_proof(journal.log, event)
        return [event], None

    done = record(journal, actor, build, also=keep_wrapped(journal.log, new))
    form = None
    if pdf_dir is not None:
        from handover.reports.enrolment_form import write_enrolment_form
        form = write_enrolment_form(journal, new.credential_id, pdf_dir)
    return Recorded(Enrolled(new.credential_id, person_id, new.fingerprint, form),
                    done.entries, done.checkpoint)


def passkey_registration(log: str, credential_id: str, person_id: str, enrolled_by: str,
                         cose_key: bytes, rp_id: str, enrolled_at: str = "",
                         proof: dict | None = None) -> ev.CredentialRegistered:
    """A passkey's registration entry. Its `proof_digest` (signatures.proof_digest) does not
    depend on the time, so the web edge can ask the authenticator for the proof assertion,
    with that digest as challenge, before recording."""
    public = personal_keys.b64(cose_key)
    return ev.CredentialRegistered(credential_id, person_id, ev.PASSKEY, public,
                                   personal_keys.fingerprint(cose_key), enrolled_by, enrolled_at,
                                   proof or {}, rp_id)


def enrol_passkey(journal: Journal, actor: str, person_id: str, credential_id: str,
                  cose_key: bytes, rp_id: str, proof: dict) -> Recorded[Enrolled]:
    """Staff register a person's WebAuthn passkey (its COSE public key), with `proof`: a
    user-verified assertion {"alg": "webauthn", "authenticator_data", "client_data_json",
    "sig"} whose challenge is the registration's proof digest."""
    person_id = ids.parse_id(person_id, "person")
    credential_id = ids.parse_id(credential_id, "credential")
    rp_id = _text_or_refuse(rp_id, "relying-party ID")

    def build(tx: Tx):
        policy.require_staff(tx.state, tx.actor_id, "enrol credentials")
        tx.state.person(person_id)
        event = passkey_registration(journal.log, credential_id, person_id, tx.actor_id,
                                     cose_key, rp_id, tx.now.isoformat(), proof)
        policy.require_proof(journal.log, event)
        return [event], None

    done = record(journal, actor, build)
    return Recorded(Enrolled(credential_id, person_id, personal_keys.fingerprint(cose_key), None),
                    done.entries, done.checkpoint)


def _text_or_refuse(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise HandoverError(f"the {what} is empty", f"give the {what}")
    return value


def revoke_credential(journal: Journal, actor: str, credential_id: str,
                      reason: str) -> Recorded[None]:
    credential_id = ids.parse_id(credential_id, "credential")
    reason = (reason or "").strip()
    if not reason:
        raise HandoverError("a revocation needs a reason", "say why: lost, forgotten, left the post…")

    def build(tx: Tx):
        row = tx.state.credential(credential_id)
        policy.require_may_revoke(tx.state, tx.actor_id, row)
        return [ev.CredentialRevoked(credential_id, row.person_id, reason)], None

    return record(journal, actor, build)


def unlock(journal: Journal, person_id: str, passphrase: str) -> sig.KeySigner:
    """Unlock `person_id`'s passphrase credential and let them act through `journal`. Tries
    each of their unrevoked passphrase credentials, newest first."""
    person_id = ids.parse_id(person_id, "person")
    with journal.reading() as st:
        require_actor(st, person_id)
        usable = [c for c in reversed(st.credentials_of(person_id))
                  if c.kind == ev.PASSPHRASE_KEY and c.revoked_index is None]
        wrapped = {row.credential_id: json.loads(row.wrapped) for row in st.conn.execute(
            sa.select(credential_keys).where(credential_keys.c.log == journal.log,
                                             credential_keys.c.credential_id.in_(
                                                 [c.credential_id for c in usable])))}
        name = st.label(person_id)
    usable = [c for c in usable if c.credential_id in wrapped]
    if not usable:
        raise NotFound(f"{name} has no usable passphrase credential in this database",
                       "staff enrol one with `handover credential enrol PERSON_ID` in person")
    for c in usable:
        try:
            key = personal_keys.unwrap(wrapped[c.credential_id], passphrase)
        except crypto.WrongPassword:
            continue
        except crypto.CryptoError as e:
            raise HandoverError(f"credential {c.credential_id}: {e.message}", e.hint) from None
        signer = sig.KeySigner(c.credential_id, person_id, key)
        journal.unlocked(signer)
        return signer
    raise WrongPassphrase(f"the passphrase does not unlock any credential of {name}",
                        "type it again (it is case-sensitive); if it is forgotten, staff revoke "
                        "the credential and enrol a new one")


def credential_list(journal: Journal, person_id: str | None = None) -> list[dict]:
    from handover.model.tables import credentials as t
    with journal.reading() as st:
        q = sa.select(t).where(t.c.log == journal.log)
        if person_id:
            q = q.where(t.c.person_id == ids.parse_id(person_id, "person"))
        rows = st.conn.execute(q.order_by(t.c.entry_index)).all()
        return [{"credential_id": r.credential_id, "person_id": r.person_id,
                 "name": st.name(r.person_id), "kind": r.kind, "fingerprint": r.fingerprint,
                 "enrolled_by": r.enrolled_by, "registered_at": r.registered_at,
                 "entry_index": r.entry_index, "revoked_at": r.revoked_at,
                 "revoke_reason": r.revoke_reason} for r in rows]


# --- a passkey's assertion, checked online at the edge (the web application) -----------------

@dataclass(frozen=True)
class PasskeySignIn:
    """Who a sign-in assertion says signed, and with which of their passkeys."""
    person_id: str
    name: str
    credential_id: str


class PasskeyCounters:
    """The last signature counter seen per credential, in the server's memory: a non-zero
    counter only goes up (one that goes back is a cloned authenticator)."""

    def __init__(self):
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()

    def advance(self, credential_id: str, count: int) -> None:
        with self._lock:
            last = self._last.get(credential_id, 0)
            if (count or last) and count <= last:
                raise HandoverError(
                    f"passkey {credential_id}: its signature counter went back ({count} after "
                    f"{last}) / パスキーの署名カウンターが戻っています",
                    "a cloned authenticator is suspected: the assertion is refused; tell the "
                    "administrator")
            self._last[credential_id] = count


def _assertion_parts(assertion: dict) -> tuple[bytes, bytes, bytes]:
    """(authenticatorData, clientDataJSON, signature) of an assertion as the browser sends it
    (base64url)."""
    try:
        return (personal_keys.unb64(assertion["authenticator_data"]),
                personal_keys.unb64(assertion["client_data_json"]),
                personal_keys.unb64(assertion["sig"]))
    except (KeyError, TypeError, ValueError):
        raise HandoverError("the passkey's answer is malformed / パスキーの応答が不正な形式です",
                            "try again from the page") from None


def check_assertion_online(assertion: dict, credential_id: str, *, origin: str,
                           counters: PasskeyCounters) -> None:
    """What only the server can check, at the time (the ledger's offline audit cannot): the
    assertion was made on this server's pages (`origin`), and the credential's counter went
    up."""
    from crypto.webauthn import AssertionRejected, check_client_origin, sign_count
    auth, client, _ = _assertion_parts(assertion)
    try:
        check_client_origin(client, origin)
        count = sign_count(auth)
    except AssertionRejected as e:
        raise HandoverError(f"not signed on this server's pages ({e.message}) / このサーバーの"
                            "画面で作られた署名ではありません", "open the page again") from None
    counters.advance(credential_id, count)


def passkey_sign_in(journal: Journal, assertion: dict, *, rp_id: str, origin: str,
                    challenge: bytes, counters: PasskeyCounters) -> PasskeySignIn:
    """The person a sign-in assertion names (its user handle), and the registered, unrevoked
    passkey of theirs under `rp_id` that made it over `challenge`; then the online checks."""
    from crypto.webauthn import AssertionRejected, verify_assertion
    auth, client, signature = _assertion_parts(assertion)
    try:
        person_id = personal_keys.unb64(assertion.get("user_handle") or "").decode("ascii")
    except (ValueError, UnicodeDecodeError):
        person_id = ""
    found, name = None, ""
    if person_id:
        with journal.reading() as st:
            if st.find_person(person_id) is not None:
                name = st.name(person_id)
                for c in st.credentials_of(person_id):
                    if c.kind != ev.PASSKEY or c.revoked_index is not None or c.rp_id != rp_id:
                        continue
                    try:
                        verify_assertion(personal_keys.unb64(c.public_key), rp_id=rp_id,
                                         challenge=challenge, authenticator_data=auth,
                                         client_data_json=client, signature=signature)
                    except AssertionRejected:
                        continue
                    found = c.credential_id
                    break
    if found is None:
        raise HandoverError("this passkey could not be verified (not registered, or revoked) / "
                            "このパスキーでは確認できませんでした（登録されていないか、失効しています）",
                            "sign in with your passphrase, or ask staff to enrol the passkey")
    check_assertion_online(assertion, found, origin=origin, counters=counters)
    return PasskeySignIn(person_id, name, found)
