"""Handovers: recording one, its confirmation by the receiving party, and reprinting its 確認書.

A handover is one 確認書 (004 区が行う対策 6): date and time, who handed over and who
received (people and organisations), the content (情報の内容), the quantity (media, records,
envelopes) and the method. Staff record it; the receiving party confirms it, because the
contractor must check what staff recorded (004 受託事業者 11). Both steps take a signed
checkpoint covering their own entry, printed on the 確認書.

Every rule in model/policy/ is checked against the projection inside the same transaction that
appends the entry, so two staff cannot both provide the same medium.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from handover import ids
from handover.clock import JST
from handover.errors import HandoverError
from handover.files import make_output_dir, remove_empty_dirs
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal, Tx, record
from handover.model.state import Row, State
from handover.reports import confirmation

# More sealed envelopes than any ward has residents is a typing error, not a delivery.
MAX_ENVELOPES = 100_000_000
# --- handovers -------------------------------------------------------------------------------

@dataclass(frozen=True)
class HandoverRequest:
    """What staff record for one handover. `envelopes` is [(package_id, count)]."""
    case_id: str
    moment: str
    from_person: str
    to_person: str
    method: str
    items: tuple[str, ...] = ()
    envelopes: tuple[tuple[str, int], ...] = ()
    courier: str | None = None
    content: str = ""
    occurred_at: dt.datetime | None = None
    override_reason: str | None = None
    scan: dict | None = None

    def normalized(self) -> "HandoverRequest":
        if self.moment not in ev.MOMENTS:
            raise HandoverError(f"unknown moment {self.moment!r}", f"use {', '.join(ev.MOMENTS)}")
        if self.method not in ev.METHODS:
            raise HandoverError(f"unknown method {self.method!r}", f"use {', '.join(ev.METHODS)}")
        items = tuple(ids.parse_id(i) for i in self.items)
        dupes = sorted({i for i in items if items.count(i) > 1})
        if dupes:
            raise HandoverError(f"{', '.join(dupes)} listed twice")
        envelopes = tuple((ids.parse_id(p, "package"), int(n)) for p, n in self.envelopes)
        for package_id, n in envelopes:
            if n <= 0:
                raise HandoverError(f"{n} envelopes for {package_id}: an envelope count must be "
                                    "a positive number", "write PACKAGE_ID=COUNT, e.g. =68000")
            if n > MAX_ENVELOPES:
                raise HandoverError(f"{n} envelopes for {package_id} is not a plausible count "
                                    f"(at most {MAX_ENVELOPES:,})", "check the number typed")
        packages = [p for p, _ in envelopes]
        twice = sorted({p for p in packages if packages.count(p) > 1})
        if twice:
            raise HandoverError(f"{', '.join(twice)} listed twice in --envelopes",
                                "give one total per package")
        if bool(envelopes) != (self.moment == ev.DELIVER):
            raise HandoverError("envelopes are what a 'deliver' handover carries, and only it",
                                "use --moment deliver with --envelopes PACKAGE=COUNT")
        if self.moment == ev.DELIVER and items:
            raise HandoverError(f"a 'deliver' handover carries only sealed envelopes, not "
                                f"{', '.join(items)}",
                                "record media and password notices coming back with "
                                "--moment return, as a handover of their own")
        if not items and not envelopes:
            raise HandoverError("a handover needs at least one item", "list the media/notices")
        when = self.occurred_at
        if when is not None and when.tzinfo is None:
            raise HandoverError("the handover time needs a time zone, e.g. 2026-04-06T10:00+09:00")
        sender, receiver = ids.parse_id(self.from_person, "person"), \
            ids.parse_id(self.to_person, "person")
        if sender == receiver:
            raise HandoverError(f"{sender} would hand over to themselves",
                                "--from names who hands over, --to who receives")
        return HandoverRequest(
            ids.parse_id(self.case_id, "case"), self.moment, sender, receiver,
            self.method, items, envelopes,
            ids.parse_id(self.courier, "person") if self.courier else None,
            self.content.strip(), when, self.override_reason, self.scan)


@dataclass(frozen=True)
class HandoverRecord:
    handover_id: str
    entry_index: int
    checkpoint_size: int | None
    pdf_path: Path | None
    overrides: list[dict] = field(default_factory=list)
    envelope_batches: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"handover_id": self.handover_id, "entry": self.entry_index,
                "checkpoint_size": self.checkpoint_size,
                "pdf": str(self.pdf_path) if self.pdf_path else None,
                "overrides": self.overrides, "envelope_batches": self.envelope_batches}


def _describe(st: State, items: list[Row], envelopes, content: str) -> tuple[str, int, int, int]:
    media = [i for i in items if i.kind == ev.MEDIUM]
    packages = list(dict.fromkeys(i.package_id for i in media))
    records = sum(st.package(p).record_count for p in packages)
    parts = [st.package(p).content for p in packages]
    if any(i.kind == ev.NOTICE for i in items):
        parts.append("パスワード通知書")
    if envelopes:
        parts.append("封入封緘された通知書")
    return content or "、".join(dict.fromkeys(parts)), len(media), records, \
        sum(n for _, n in envelopes)


def record_handover(journal: Journal, actor: str, request: HandoverRequest, *,
                    pdf_dir: Path | str | None = None) -> HandoverRecord:
    """Check every custody rule and record one handover; print its 確認書 to `pdf_dir`."""
    req = request.normalized()
    handover_id = ids.new_id("H")
    batches = [ids.new_id("E") for _ in req.envelopes]

    def build(tx: Tx):
        return [handover_event(tx, req, handover_id, batches)], None

    return record_and_print(journal, actor, build, handover_id, pdf_dir, batches)


def handover_event(tx: Tx, req: HandoverRequest, handover_id: str,
                   batches: list[str]) -> ev.HandoverRecorded:
    """The event that records one normalized request. Its custody rules are in
    policy/acts.py, checked by `record`, which also fills in the overrides used."""
    st = tx.state
    sender, receiver = st.person(req.from_person), st.person(req.to_person)
    moment = (req.occurred_at or tx.now).astimezone(JST)
    when = moment.isoformat()
    items = [st.tracked_item(i) for i in req.items]
    content, media, records, envelopes = _describe(st, items, req.envelopes, req.content)
    event = ev.HandoverRecorded(
        handover_id=handover_id, case_id=req.case_id, moment=req.moment,
        occurred_at=when, from_person=sender.person_id, from_org=sender.org_id,
        to_person=receiver.person_id, to_org=receiver.org_id, method=req.method,
        items=list(req.items),
        envelopes=[{"batch_id": b, "package_id": p, "count": n}
                   for b, (p, n) in zip(batches, req.envelopes)],
        courier=req.courier, content=content, media_count=media, record_count=records,
        envelope_count=envelopes, override_reason=req.override_reason, scan=req.scan)
    return event


def confirm_handover(journal: Journal, actor: str, handover_id: str, *, condition: str = "",
                     scan: dict | None = None, pdf_dir: Path | str | None = None) -> HandoverRecord:
    """The receiving party confirms what staff recorded; prints the confirmed 確認書."""
    handover_id = ids.parse_id(handover_id, "handover")

    def build(tx: Tx):   # the rules: policy/acts.py, checked by record
        return [ev.HandoverConfirmed(handover_id, tx.actor_id, tx.now.isoformat(),
                                     condition.strip(), scan)], None

    return record_and_print(journal, actor, build, handover_id, pdf_dir)


def record_and_print(journal: Journal, actor: str, build, handover_id: str,
                      pdf_dir: Path | str | None, batches: list[str] | None = None) -> HandoverRecord:
    """Record the handover's entry and, when asked, print its 確認書 with the checkpoint
    signed in the same transaction. A 確認書 directory that cannot be made is refused before
    anything is recorded; a write that fails afterwards says the handover *was* recorded."""
    made = make_output_dir(pdf_dir, "確認書") if pdf_dir is not None else []
    try:
        done = record(journal, actor, build)
    except BaseException:
        remove_empty_dirs(made)   # a refused handover leaves nothing behind (issue 8 §5)
        raise
    entry = done.entries[0]
    pdf = None
    if pdf_dir is not None:
        pdf = write_kakuninsho(journal, handover_id, done.checkpoint, entry.index,
                                Path(pdf_dir), f"{handover_id} was recorded (entry {entry.index})")
    return HandoverRecord(handover_id, entry.index,
                          done.checkpoint.size, pdf,
                          list(getattr(done.events[0], "overrides", ())), batches or [])


def reprint(journal: Journal, actor: str, handover_id: str, pdf_dir: Path | str) -> Path:
    """Print a handover's 確認書 again, marked 再発行 with the date, under a name of its own
    (the filed original stays). The reprint is recorded, so the ledger accounts for every
    copy; the checkpoint signed with it covers the handover's entries."""
    handover_id = ids.parse_id(handover_id, "handover")

    def build(tx: Tx):
        h = tx.state.handover(handover_id)
        index = h.confirm_index if h.confirm_index is not None else h.entry_index
        return [ev.ConfirmationReprinted(handover_id, tx.now.isoformat(), index)], index

    make_output_dir(pdf_dir, "確認書")
    done = record(journal, actor, build)
    entry = done.entries[0]
    event = ev.decode(entry)
    return write_kakuninsho(journal, handover_id, done.checkpoint, done.value, Path(pdf_dir),
                             f"the reprint of {handover_id} was recorded (entry {entry.index})",
                             reprinted_at=dt.datetime.fromisoformat(event.reprinted_at),
                             reprint_index=entry.index)


def write_kakuninsho(journal: Journal, handover_id: str, checkpoint, index: int, pdf_dir: Path,
                      done: str, **reprint) -> Path:
    try:
        return confirmation.write(journal, handover_id, checkpoint, index, pdf_dir, **reprint)
    except OSError as e:
        raise HandoverError(f"{done}, but its 確認書 could not be written to {pdf_dir}: "
                            f"{e.strerror or e}",
                            f"free the space or fix the directory, then print it with "
                            f"`handover print {handover_id} --pdf-dir DIR`") from None
