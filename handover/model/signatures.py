"""Person-bound signatures on entries (issue 12; the format is docs/signatures.md).

Every entry an action records carries, in its payload under `signature`, the acting person's
signature over a domain-separated digest of the action: log, kind, canonical payload (without
`signature`), actor, claimed time and a random nonce. The entry itself holds every input of
that digest, so anyone can recompute it with nothing but the ledger.

A `Signer` is what the edge (CLI, web) puts on the Journal once the person has unlocked a
credential; `record()` asks it to sign and then checks the result against the credential the
projection has registered, in the same transaction.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Mapping, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import ledger
from crypto.personal_keys import b64, unb64, verify_ed25519
from handover.model import events as ev

ACTION_DOMAIN = b"handover/action-signature/v1\x00"
PROOF_DOMAIN = b"handover/credential-proof/v1\x00"
SIGNATURE_FIELD = "signature"
NONCE_BYTES = 16
ED25519, WEBAUTHN = "ed25519", "webauthn"


def new_nonce() -> str:
    return b64(secrets.token_bytes(NONCE_BYTES))


def action_digest(log: str, kind: str, payload: Mapping[str, Any], actor: str, time: str,
                  nonce: str) -> bytes:
    """SHA-256 of the domain tag and the canonical JSON of the action. `payload` is the entry's
    payload without its `signature` member; `time` is the entry's claimed time as stored."""
    body = {k: v for k, v in payload.items() if k != SIGNATURE_FIELD}
    return hashlib.sha256(ACTION_DOMAIN + ledger.canonical_json_fast(
        {"actor": actor, "kind": kind, "log": log, "nonce": nonce, "payload": body,
         "time": time})).digest()


def entry_digest(entry: ledger.Entry) -> bytes:
    block = entry.payload.get(SIGNATURE_FIELD) or {}
    return action_digest(entry.log, entry.kind, entry.payload, entry.actor, entry.time,
                         str(block.get("nonce", "")))


def proof_digest(log: str, e: ev.CredentialRegistered) -> bytes:
    """What a new credential signs to prove that its holder has the private key."""
    return hashlib.sha256(PROOF_DOMAIN + ledger.canonical_json(
        {"credential_id": e.credential_id, "enrolled_by": e.enrolled_by, "kind": e.kind,
         "log": log, "person_id": e.person_id, "public_key": e.public_key,
         "rp_id": e.rp_id})).digest()


class Signer(Protocol):
    """One person's unlocked credential."""
    credential_id: str
    person_id: str

    def sign(self, digest: bytes) -> dict:
        """The signature fields over `digest`: {"alg", "sig"} (and, for a passkey, the
        assertion's "authenticator_data" and "client_data_json")."""


@dataclass
class KeySigner:
    """A passphrase credential, unlocked: the Ed25519 key is held in memory only."""
    credential_id: str
    person_id: str
    key: Ed25519PrivateKey

    def sign(self, digest: bytes) -> dict:
        return {"alg": ED25519, "sig": b64(self.key.sign(digest))}

    def __repr__(self) -> str:      # never print key material
        return f"KeySigner({self.credential_id}, {self.person_id})"


def check(kind: str, public_key: str, rp_id: str | None, block: Mapping, digest: bytes
          ) -> str | None:
    """Why the signature block does not verify over `digest` with this credential, or None."""
    try:
        if kind == ev.PASSPHRASE_KEY:
            if block.get("alg") != ED25519:
                return f"alg {block.get('alg')!r} is not {ED25519!r} for a passphrase credential"
            ok = verify_ed25519(unb64(public_key), unb64(block["sig"]), digest)
            return None if ok else "the Ed25519 signature does not verify over the digest"
        if kind == ev.PASSKEY:
            from crypto.webauthn import AssertionRejected, verify_assertion
            if block.get("alg") != WEBAUTHN:
                return f"alg {block.get('alg')!r} is not {WEBAUTHN!r} for a passkey"
            try:
                verify_assertion(unb64(public_key), rp_id=rp_id or "", challenge=digest,
                                 authenticator_data=unb64(block["authenticator_data"]),
                                 client_data_json=unb64(block["client_data_json"]),
                                 signature=unb64(block["sig"]))
            except AssertionRejected as e:
                return e.message
            return None
    except (KeyError, TypeError, ValueError) as e:
        return f"the signature block is malformed ({e})"
    return f"unknown credential kind {kind!r}"


# --- offline verification (docs/signatures.md, "Verifying") -----------------------------------

@dataclass
class _Known:
    person_id: str
    kind: str
    public_key: str
    rp_id: str | None
    registered_index: int
    revoked_index: int | None = None

    @functools.cached_property
    def key_bytes(self) -> bytes:
        """The public key, decoded once for the thousands of entries it signs."""
        return unb64(self.public_key)


@dataclass(frozen=True)
class BadSignature:
    index: int
    failure: str
    message: str


class SignatureAudit:
    """Checks every entry's person signature in index order, with nothing but the entries:
    credentials are learnt from the `CredentialRegistered` entries before the one checked."""

    def __init__(self, *, workers: int = 1, chunk: int = 20_000) -> None:
        # With workers > 1, plain Ed25519 checks (nearly every entry) are batched and run in
        # other processes: they are independent of each other and are the whole cost.
        self.workers, self.chunk = workers, chunk
        self._batch: list[tuple[int, bytes, bytes, bytes]] = []
        self._futures: list = []
        self._pool = None
        self.known: dict[str, _Known] = {}
        self.nonces: set[str] = set()
        self.checked = 0
        self.problems: list[BadSignature] = []
        self._unregistered: dict[str, int] = {}   # credential → problem position, for "registered after"

    def feed(self, entry: ledger.Entry) -> None:
        problem = self._check(entry)
        if problem is not None:
            self.problems.append(BadSignature(entry.index, *problem))
        if entry.kind == ev.CredentialRevoked.KIND and problem is None:
            cred = self.known.get(entry.payload.get("credential_id"))
            if cred is not None and cred.revoked_index is None:
                cred.revoked_index = entry.index

    def _check(self, entry: ledger.Entry) -> tuple[str, str] | None:
        if entry.kind == ledger.ROTATION_KIND:
            return None        # the ledger's own entry, endorsed by the log's keys (ledger verify)
        payload = entry.payload if isinstance(entry.payload, dict) else {}
        block = payload.get(SIGNATURE_FIELD)
        if not isinstance(block, dict):
            return "unsigned", f"entry {entry.index} ({entry.kind}) carries no person signature"
        cred_id = block.get("credential")
        cred = self.known.get(cred_id)
        registering = entry.kind == ev.CredentialRegistered.KIND
        if cred is None and registering and entry.index == 0 and payload.get("credential_id") == cred_id:
            cred = self._learn(entry, payload)        # bootstrap: the first credential signs itself
            if cred is None:
                return "bad-registration", f"entry 0 registers a malformed credential {cred_id}"
        if cred is None:
            self._unregistered.setdefault(str(cred_id), len(self.problems))
            return ("credential-not-registered",
                    f"entry {entry.index} ({entry.kind}) is signed by credential {cred_id}, which "
                    "no earlier entry registers")
        if cred.person_id != entry.actor:
            return ("another-persons-key",
                    f"entry {entry.index} ({entry.kind}) names {entry.actor} as actor but is signed "
                    f"with credential {cred_id} of {cred.person_id}")
        if cred.revoked_index is not None and cred.revoked_index < entry.index:
            return ("credential-revoked",
                    f"entry {entry.index} ({entry.kind}) is signed by credential {cred_id}, revoked "
                    f"at entry {cred.revoked_index} before it")
        nonce = str(block.get("nonce", ""))
        if nonce in self.nonces:
            return ("replayed-nonce",
                    f"entry {entry.index} ({entry.kind}) reuses a signature nonce of an earlier "
                    "entry: a replayed signature")
        if self.workers > 1 and cred.kind == ev.PASSPHRASE_KEY and block.get("alg") == ED25519:
            try:
                self._defer(entry.index, cred.key_bytes, unb64(block["sig"]),
                            entry_digest(entry))
                why = None
            except (KeyError, TypeError, ValueError) as e:
                why = f"the signature block is malformed ({e})"
        else:
            why = check(cred.kind, cred.public_key, cred.rp_id, block, entry_digest(entry))
        if why is not None:
            return ("signature-invalid",
                    f"entry {entry.index} ({entry.kind}): the signature by {cred_id} does not verify "
                    f"over the entry as stored ({why}): its payload, kind, actor, time or log was "
                    "changed after signing, or another key signed it")
        self.nonces.add(nonce)
        self.checked += 1
        if registering and payload.get("credential_id") not in self.known:
            return self._register(entry, payload)
        return None

    def _defer(self, index: int, public_key: bytes, signature: bytes, digest: bytes) -> None:
        # The digest is made here, where the entry is already decoded: deriving it in the
        # worker from the stored bytes decodes each entry twice, and on 2 shared cores the
        # total CPU is what counts (measured 13-27 % slower, docs/PERFORMANCE.md).
        self._batch.append((index, public_key, signature, digest))
        if len(self._batch) >= self.chunk:
            self._submit()

    def _submit(self) -> None:
        if not self._batch:
            return
        if self._pool is None:
            import concurrent.futures
            import multiprocessing
            self._pool = concurrent.futures.ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"))
        self._futures.append(self._pool.submit(_failed_ed25519, self._batch))
        self._batch = []

    def finish(self) -> "SignatureAudit":
        """Wait for deferred checks; problems end up in index order."""
        if self.workers > 1:
            self._submit()
            try:
                for future in self._futures:
                    for index in future.result():
                        self.checked -= 1
                        self.problems.append(BadSignature(
                            index, "signature-invalid",
                            f"entry {index}: the Ed25519 signature does not verify over the entry "
                            "as stored: its payload, kind, actor, time or log was changed after "
                            "signing, or another key signed it"))
            finally:
                if self._pool is not None:
                    self._pool.shutdown()
                self._futures, self._pool = [], None
        self.problems.sort(key=lambda p: p.index)
        return self

    def _learn(self, entry: ledger.Entry, payload: dict) -> _Known | None:
        try:
            e = ev.decode(entry)
        except TypeError:
            return None
        if e.kind not in ev.CREDENTIAL_KINDS or check(
                e.kind, e.public_key, e.rp_id, dict(e.proof), proof_digest(entry.log, e)) is not None:
            return None
        known = _Known(e.person_id, e.kind, e.public_key, e.rp_id, entry.index)
        self.known[e.credential_id] = known
        self._registered_after(e.credential_id, entry.index)
        return known

    def _register(self, entry: ledger.Entry, payload: dict) -> tuple[str, str] | None:
        if self._learn(entry, payload) is None:
            return ("bad-registration",
                    f"entry {entry.index} registers credential {payload.get('credential_id')} "
                    "without a valid proof of possession by its key")
        return None

    def _registered_after(self, cred_id: str, index: int) -> None:
        at = self._unregistered.pop(cred_id, None)
        if at is not None:
            p = self.problems[at]
            self.problems[at] = BadSignature(
                p.index, "credential-registered-after",
                f"entry {p.index} is signed by credential {cred_id}, registered only later, at "
                f"entry {index}")


def _failed_ed25519(batch: list[tuple[int, bytes, bytes, bytes]]) -> list[int]:
    """In a worker process: the indices whose Ed25519 signature does not verify."""
    return [index for index, public_key, signature, digest in batch
            if not verify_ed25519(public_key, signature, digest)]
