"""The one place that records a fact.

`record` opens one ledger writer (one transaction, holding the log's lock), folds in anything
appended meanwhile by other tools, checks that the actor is a registered person, lets the
caller's `build` read the projection and make the events, checks each against the custody rules
(`policy.acts.check`, the very check `ledger verify` replays), appends the events
(each payload carrying the operating-system account and host that made it, REQUIREMENTS.md
rule 9), applies each to the projection, and optionally signs a checkpoint covering them, so
a 確認書 can print the checkpoint of its own entry. Everything commits together or not at all:
a refused action leaves no entry and no projection change.

Every entry is signed by the acting person (issue 12, docs/signatures.md): the edge unlocks
that person's credential and puts its signer on the Journal (`journal.unlocked(signer)`);
`record` refuses without one, signs each entry's digest with it and verifies the signature
against the registered, unrevoked credential before appending, in the same transaction.

Time is injectable (`clock`), and so is the workstation's host name (`host`, else the real
host name), so tests can set "the same day", "the next day" and "another computer". There is
deliberately no environment override for the host: it would let anyone at an unregistered
computer claim to be a designated one.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Generic, Iterator, Sequence, TypeVar

import sqlalchemy as sa

import ledger
from handover import ids
from handover.clock import JST, now_jst
from handover.config import Settings
from handover.errors import HandoverError, NotFound, lifted
from handover.model import fold
from handover.model.database import open_database
from handover.model import events as ev
from handover.model import policy
from handover.model import prepared
from handover.model import signatures as sig
from handover.model.events import Event
from handover.model.policy import acts
from handover.model.state import Row, State
from ledger.encoding import normalize_time

T = TypeVar("T")


def current_host() -> str:
    return socket.gethostname()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):   # no passwd entry (some containers): say so rather than fail
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


@dataclass
class Journal:
    """Where and how facts are recorded: database, log, signing key, clock, workstation."""
    engine: sa.Engine
    log: str
    key_path: Path | None = None
    clock: Callable[[], dt.datetime] = now_jst
    host: str = field(default_factory=current_host)
    os_user: str = field(default_factory=_os_user)
    # The credentials unlocked at the edge, by person ID. Signers hold private keys in memory
    # only; they are never stored or printed.
    signers: dict[str, sig.Signer] = field(default_factory=dict, repr=False)
    # Set only by model/prepared.py: a dry run that prepares an act for a passkey to sign,
    # or the recording of such an act with the prepared time, nonces and assertions.
    plan: prepared.Preparing | prepared.Committing | None = field(default=None, repr=False)

    def unlocked(self, signer: sig.Signer) -> "Journal":
        """Let `signer`'s person act through this journal."""
        self.signers[signer.person_id] = signer
        return self

    def now(self) -> dt.datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise HandoverError("the clock returned a time without a time zone")
        return moment.astimezone(JST)

    @contextmanager
    def reading(self) -> Iterator[State]:
        """The current state for reports: folds anything new first."""
        fold.ensure_current(self.engine, self.log)
        with self.engine.connect() as conn:
            yield State(conn, self.log)


def open_journal(settings: Settings, *, clock: Callable[[], dt.datetime] | None = None,
                 host: str | None = None, create: bool = False) -> Journal:
    """The journal the settings name; `create` only for `init` and the demo."""
    return Journal(open_database(settings.db_url, create=create), settings.log, settings.key_path,
                   clock or now_jst, host or current_host())


@dataclass(frozen=True)
class Tx:
    """What `build` sees: the state under the lock, the acting person, and the time."""
    state: State
    actor: Row | None        # None only while bootstrapping the first person
    actor_id: str
    now: dt.datetime
    journal: Journal


@dataclass(frozen=True)
class Recorded(Generic[T]):
    value: T
    entries: list[ledger.Entry]
    checkpoint: ledger.SignedCheckpoint
    events: list[Event] = field(default_factory=list)   # as recorded, with the overrides used


def _load_signer(journal: Journal):
    """The log's signing key: every recorded action ends with a signed checkpoint."""
    if journal.key_path is not None and Path(journal.key_path).exists():
        with lifted():
            return ledger.load_signer(journal.key_path)
    where = "no signing key configured" if journal.key_path is None else \
        f"signing key {journal.key_path} not found"
    with lifted(), journal.engine.connect() as conn:
        current = ledger.current_key_id(conn, journal.log)
    if current is None:
        raise HandoverError(f"{where}; every recorded action ends with a signed checkpoint",
                            "create the log's key once with `handover ledger keygen` "
                            "(or pass --key / set HANDOVER_KEY), then back it up (docs/backup.md)")
    # Never suggest keygen here: a new key would make auditors reject everything after it.
    raise HandoverError(f"{where}; log {journal.log!r} is signed by key {current} and every "
                        "recorded action ends with a checkpoint signed by it",
                        f"restore the key file from its backup (docs/backup.md) to "
                        f"{journal.key_path or '--key / HANDOVER_KEY'}; do not run keygen")


def record(journal: Journal, actor_id: str,
           build: Callable[[Tx], tuple[Sequence[Event], T]], *,
           bootstrap: bool = False,
           also: Callable[[sa.Connection], None] | None = None) -> Recorded[T]:
    """Check and record, atomically, and sign a checkpoint over the result. `actor_id` is the
    person the edge (CLI, web) established as acting; `build(tx)` reads `tx.state` and returns
    the events to append and a value handed back to the caller. Each event is checked by
    `policy.acts.check` against the state its predecessors in this act left, then appended.
    Each entry is signed with the actor's unlocked credential. `also(conn)` writes rows beside
    the entries in the same transaction (a new credential's encrypted key).

    With the journal's `plan` set by model/prepared.py, `record` either dry-runs the act and
    raises the digests to sign (nothing written), or records a prepared act with its prepared
    time and nonces, refusing if it is no longer what was signed."""
    actor_id = ids.parse_id(actor_id, "person")
    preparing = isinstance(journal.plan, prepared.Preparing)
    signed = journal.plan.prepared if isinstance(journal.plan, prepared.Committing) else None
    signer = journal.signers.get(actor_id)
    log_signer = _load_signer(journal)
    origin = {"os_user": journal.os_user, "host": journal.host}
    with lifted(), ledger.writer(journal.engine, journal.log) as lg:
        now = journal.now() if signed is None else signed.now
        time = normalize_time(now)
        fold.catch_up(lg)
        size = lg.size
        st = State(lg.connection, journal.log)
        actor = None if bootstrap else st.find_person(actor_id)
        if actor is None and not bootstrap:
            raise _unknown_actor(actor_id)
        if signed is not None:
            _require_still_fresh(journal, lg, signed, actor_id)
        if not preparing:
            policy.require_signer(st, actor_id, signer)
        events, value = build(Tx(st, actor, actor_id, now, journal))
        if signed is not None:
            policy.require_same_count(actor_id, len(events), len(signed.entries))
        credential = None
        appended, recorded, to_sign = [], [], []
        for i, event in enumerate(events):
            used = acts.check(st, actor_id, now, event, origin, events[i + 1:])
            event = acts.with_overrides(event, used)
            payload = event.to_payload()
            payload["origin"] = origin
            if preparing:
                nonce = sig.new_nonce()
                to_sign.append(prepared.PreparedEntry(event.KIND, nonce, sig.action_digest(
                    journal.log, event.KIND, payload, actor_id, time, nonce)))
            else:
                if credential is None:
                    credential = _signing_credential(st, actor_id, signer, event, bootstrap)
                payload[sig.SIGNATURE_FIELD] = _signed(
                    journal.log, event.KIND, payload, actor_id, time, signer, credential,
                    None if signed is None else (i, signed.entries[i]))
            entry = ledger.append(lg, event.KIND, payload, actor_id, now)
            fold.apply(lg.connection, journal.log, entry)
            appended.append(entry)
            recorded.append(event)
        if bootstrap and st.find_person(actor_id) is None:
            raise _unknown_actor(actor_id)
        if preparing:      # unwinds the act and rolls the transaction back
            raise prepared.Prepared(actor_id, to_sign, now, size)
        if also is not None:
            also(lg.connection)
        cp = ledger.take_checkpoint(lg, log_signer)
    return Recorded(value, appended, cp, recorded)


def _signing_credential(st: State, actor_id: str, signer: sig.Signer, first: Event,
                        bootstrap: bool):
    """The registered credential the signer claims. At bootstrap only, the first entry
    registers the very credential that signs it (the first staff member enrols themselves)."""
    if (bootstrap and isinstance(first, ev.CredentialRegistered)
            and first.credential_id == signer.credential_id and st.find_credential(first.credential_id) is None):
        return first
    return policy.require_usable_credential(st, actor_id, signer.credential_id)


def _require_still_fresh(journal: Journal, lg, signed: prepared.PreparedAct,
                         actor_id: str) -> None:
    """A prepared act is recorded soon after it was prepared, before anything dated after it,
    and once."""
    policy.require_prepared_recently(actor_id, signed.now, journal.now(), prepared.MAX_AGE)
    newer = list(ledger.read_entries(lg.connection, journal.log, signed.log_size)) \
        if lg.size > signed.log_size else []
    policy.require_not_overtaken(actor_id, signed.now, newer, signed.nonces)


def _signed(log: str, kind: str, payload: dict, actor_id: str, time: str, signer: sig.Signer,
            credential, as_signed: tuple[int, prepared.PreparedEntry] | None = None) -> dict:
    nonce = sig.new_nonce() if as_signed is None else as_signed[1].nonce
    digest = sig.action_digest(log, kind, payload, actor_id, time, nonce)
    if as_signed is not None:
        position, entry = as_signed
        policy.require_as_signed(actor_id, position, kind, digest, entry.kind, entry.digest)
    # What the signer returns cannot name another credential; it could carry another nonce
    # (a replayed assertion), which the check refuses.
    block = {"v": 1, "nonce": nonce, **signer.sign(digest), "credential": signer.credential_id}
    policy.require_valid_signature(credential, block, nonce, digest)
    return block


def require_actor(st: State, actor_id: str) -> Row:
    """The acting person's row, or NotFound naming the ID."""
    row = st.find_person(actor_id)
    if row is None:
        raise _unknown_actor(actor_id)
    return row


def _unknown_actor(actor_id: str) -> HandoverError:
    return NotFound(f"acting person {actor_id} is not registered / "
                    f"{actor_id} は登録されていない担当者です",
                    "check --as / HANDOVER_ACTOR; see `handover register list`")
