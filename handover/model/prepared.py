"""Acts signed in two phases, for passkeys (issue 14; docs/signatures.md, "Two-phase acts").

`record()` makes each entry's digest inside its transaction (the nonce and the time are issued
there) and asks the signer for a signature at once. A passkey cannot answer there: its
assertion is made in the person's browser, with a touch or Windows Hello, over a challenge the
server sends first. So an act by a passkey is taken twice:

1. `prepare`: a dry run of the very act (the action's own `record(journal, actor, build)`): the
   events are built and checked against the current state, the time and one nonce per entry
   are fixed, and each entry's digest is computed; the transaction is rolled back, nothing is
   written. The digests go to the browser, which makes one user-verified assertion per digest.
2. `commit`: the same act again, recorded with the prepared time and nonces and signed with the
   assertions. `record()` re-runs build and checks and refuses (`signed-act-stale`, "changed
   since you signed; sign again") when any entry's kind or digest differs from what was
   signed, when an entry dated after the prepared time was appended meanwhile, when the
   preparation is older than `MAX_AGE`, or when the prepared act was already recorded (its
   nonces are in the log). Each assertion is then verified against the person's registered
   passkey exactly as any signature is.

The IDs the act mints while it is prepared (a new incident's, a new handover's) are minted
again, the same, when it is recorded (`ids.MintedIds`): otherwise no act that makes something
new could ever be recorded as signed.

The entries are ordinary signed entries: the audit (`SignatureAudit`) checks them unchanged.
The act runs whole in both phases; in `prepare` it stops at its `record()` (which raises
`Prepared` after the dry run), so an act must record once, and do nothing irreversible before
its `record()`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

from handover import ids
from handover.errors import HandoverError

T = TypeVar("T")

# Long enough to read the page and touch the key; short enough that the state signed is the
# state recorded (docs/signatures.md).
MAX_AGE = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class PreparedEntry:
    kind: str
    nonce: str
    digest: bytes          # what the passkey signs: the assertion's challenge


@dataclass(frozen=True)
class PreparedAct(Generic[T]):
    """An act checked and fixed for signing; held by the server, never by the browser."""
    actor_id: str
    now: dt.datetime                 # the entries' time, as prepared
    log_size: int                    # the log's size when it was prepared
    entries: tuple[PreparedEntry, ...]
    act: Callable[[Any], T] | None = field(repr=False, compare=False)
    ids: tuple[str, ...] = ()        # the IDs the act minted, minted again when it is recorded

    @property
    def digests(self) -> list[bytes]:
        return [e.digest for e in self.entries]

    @property
    def nonces(self) -> set[str]:
        return {e.nonce for e in self.entries}


class Prepared(Exception):
    """Raised by `record()` in a dry run, after it computed the digests: it unwinds the action
    (and rolls back its transaction) and carries the preparation to `prepare`."""

    def __init__(self, actor_id: str, entries: list[PreparedEntry], now: dt.datetime,
                 log_size: int):
        super().__init__("prepared (a dry run; nothing was recorded)")
        self.actor_id, self.entries, self.now, self.log_size = actor_id, entries, now, log_size


@dataclass(frozen=True)
class Preparing:
    """The journal's plan during a dry run."""


@dataclass(frozen=True)
class Committing:
    """The journal's plan while a prepared act is recorded."""
    prepared: PreparedAct


@dataclass
class AssertionSigner:
    """The assertions a passkey made over the prepared digests, handed to `record()` as the
    person's signer: it answers only for the digests that were signed."""
    credential_id: str
    person_id: str
    assertions: dict[bytes, dict]

    def sign(self, digest: bytes) -> dict:
        block = self.assertions.get(digest)
        if block is None:       # record() compares digests first: this would be a bug
            raise HandoverError("no assertion was made over this entry's digest")
        return {"alg": "webauthn", "authenticator_data": block["authenticator_data"],
                "client_data_json": block["client_data_json"], "sig": block["sig"]}


def dry(journal):
    """The journal of a dry run: `record()` on it raises `Prepared` (nothing written)."""
    return dataclasses.replace(journal, signers=dict(journal.signers), plan=Preparing())


def from_dry_run(done: Prepared, actor_id: str, tape: ids.MintedIds,
                 act: Callable[[Any], T] | None = None) -> PreparedAct[T]:
    if done.actor_id != actor_id:
        raise HandoverError(f"the act records as {done.actor_id}, not as {actor_id}")
    return PreparedAct(actor_id, done.now, done.log_size, tuple(done.entries), act,
                       tuple(tape.minted))


def signed(journal, prepared: PreparedAct, credential_id: str, assertions: list[dict]):
    """The journal that records `prepared` with the assertions (run the act on it with the
    prepared IDs: `ids.minted_ids` set to `ids.MintedIds(prepared.ids)`)."""
    if len(assertions) != len(prepared.entries):
        raise HandoverError(f"{len(assertions)} assertions for {len(prepared.entries)} entries",
                            "sign each entry of the act once")
    signer = AssertionSigner(credential_id, prepared.actor_id,
                             dict(zip(prepared.digests, assertions)))
    return dataclasses.replace(journal, signers={**journal.signers, prepared.actor_id: signer},
                               plan=Committing(prepared))


def prepare(journal, actor_id: str, act: Callable[[Any], T]) -> PreparedAct[T]:
    """Dry-run `act(journal)` as `actor_id` and return what the person must sign. Any refusal
    the act would meet now is raised here, before anyone is asked to sign."""
    tape = ids.MintedIds()
    token = ids.minted_ids.set(tape)
    try:
        act(dry(journal))
    except Prepared as done:
        return from_dry_run(done, actor_id, tape, act)
    finally:
        ids.minted_ids.reset(token)
    raise HandoverError("the act recorded nothing, so there is nothing to sign")


def commit(journal, prepared: PreparedAct[T], credential_id: str,
           assertions: list[dict]) -> T:
    """Record the prepared act, signed with one assertion per prepared digest (in order), each
    {"authenticator_data", "client_data_json", "sig"} in base64url; returns what the act
    returns."""
    live = signed(journal, prepared, credential_id, assertions)
    token = ids.minted_ids.set(ids.MintedIds(prepared.ids))
    try:
        return prepared.act(live)
    finally:
        ids.minted_ids.reset(token)
