"""The scanning station against the ledger: scan labels for a pickup or a delivery, report
each scan at once, list what is missing or unexpected at the end, and record the result as
the handover (or as the receiver's confirmation of one).

The manifest is either a list of expected items (a pickup being prepared) or an already
recorded handover (a delivery being checked by the receiver). Scans come from a keyboard-wedge
scanner (one payload per line) or from camera images (zxing-cpp), via handover/scanners.py,
which tolerates full-width characters and lower case.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from handover import ids
from handover.actions import handovers
from handover.actions.incidents import incident_event
from handover.errors import HandoverError, VerificationFailed
from handover.ids import InvalidID
from handover.label_codes import load_key
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal, Tx, record
from handover.model.state import State
from handover.scanners import ScanResult, ScanSession, ScanSummary, decode_image


_SCANNABLE = ("M", "N", "E")


@dataclass
class Station:
    session: ScanSession
    expected: list[str] | None
    handover_id: str | None

    def scan(self, text: str) -> ScanResult:
        return self.session.scan(text)

    def summary(self) -> ScanSummary:
        return self.session.summary()

    def summary_json(self) -> dict:
        s = self.summary()
        return {"handover_id": self.handover_id, "expected": self.expected,
                "complete": s.complete, **{k: v for k, v in dataclasses.asdict(s).items()}}

    def require_complete(self, recording: bool = True) -> list[str]:
        s = self.summary()
        if not s.complete:
            problems = [f"{name}: {', '.join(values)}" for name, values in (
                ("missing", s.missing), ("unexpected", s.unexpected), ("forged", s.forged),
                ("unknown", s.unknown)) if values]
            # A forged label is a verification failure (its own exit code), not a mere gap.
            error = VerificationFailed if s.forged else HandoverError
            outcome = ", so nothing was recorded" if recording else ""
            raise error(f"the scan is not complete{outcome}: " + "; ".join(problems),
                        "find the missing items, set aside the rest, and scan again")
        if not s.ok:
            raise HandoverError("nothing was scanned, so nothing was recorded")
        return s.ok


def open_station(journal: Journal, *, label_key_path: Path | str | None = None,
                 expected: Iterable[str] = (), handover_id: str | None = None) -> Station:
    """A scanning session. With `handover_id`, the manifest is that handover's items; with
    `expected`, those items; with neither, any registered item is ok."""
    key = load_key(label_key_path)
    manifest = [ids.parse_id(e) for e in expected]
    with journal.reading() as st:
        # A manifest names registered items: a typo or a package ID here would otherwise
        # only show up as "missing" at the end of the pickup.
        for item_id in manifest:
            if item_id[0] not in _SCANNABLE:
                raise InvalidID(f"{item_id} is a {ids.KINDS[item_id[0]].en} ID; a manifest "
                                "lists media (M-…), password notices (N-…) or envelope "
                                "batches (E-…)", "--expect the IDs printed on the labels",
                                reason="kind")
            st.item(item_id)
        if handover_id is not None:
            handover_id = ids.parse_id(handover_id, "handover")
            st.handover(handover_id)
            manifest += st.handover_items(handover_id)
    manifest = list(dict.fromkeys(manifest))
    expected_list = manifest if manifest or handover_id else None
    return Station(ScanSession(expected_list, _registered(journal), key), expected_list,
                   handover_id)


def _registered(journal: Journal) -> Callable[[str], bool]:
    """Whether a scanned ID is registered: one lookup by key per scan, so opening the station
    costs the same with ten items as with a hundred thousand. On PostgreSQL the lookup runs
    outside a transaction (one statement needs none): one round trip per scan instead of
    three (BEGIN, the SELECT, ROLLBACK), which is most of a scan's wait on a busy server."""
    engine = journal.engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    def known(item_id: str) -> bool:
        with engine.connect() as conn:
            return State(conn, journal.log).find_item(item_id) is not None
    return known


def scan_images(station: Station, paths: Iterable[Path | str]) -> list[ScanResult]:
    """Every QR code in every image, scanned in order."""
    return [station.scan(text) for path in paths for text in decode_image(path)]


def record_scanned(journal: Journal, actor: str, station: Station,
                   request: handovers.HandoverRequest, *,
                   pdf_dir: Path | str | None = None) -> handovers.HandoverRecord:
    """Record a complete scan as the handover of the scanned items."""
    _report_forged(journal, actor, station, request.case_id)
    items = station.require_complete()
    request = dataclasses.replace(request, items=tuple(items), scan=station.summary_json())
    return handovers.record_handover(journal, actor, request, pdf_dir=pdf_dir)


def confirm_scanned(journal: Journal, actor: str, station: Station, *, condition: str = "",
                    pdf_dir: Path | str | None = None) -> handovers.HandoverRecord:
    """The receiver's confirmation of a handover whose every item was scanned on arrival."""
    if station.handover_id is None:
        raise HandoverError("confirming needs the handover being checked", "pass --handover H-…")
    with journal.reading() as st:
        case_id = st.handover(station.handover_id).case_id
    _report_forged(journal, actor, station, case_id)
    station.require_complete()
    return handovers.confirm_handover(journal, actor, station.handover_id, condition=condition,
                                    scan=station.summary_json(), pdf_dir=pdf_dir)


def _report_forged(journal: Journal, actor: str, station: Station, case_id: str) -> None:
    """A forged label at a station that records opens an incident by itself (label-forged),
    before the scan is refused: the label is evidence, whoever set it aside."""
    forged = station.summary().forged
    if not forged:
        return
    case_id = ids.parse_id(case_id, "case")
    shown = "; ".join(f"「{raw[:60]}」" for raw in forged)

    def build(tx: Tx):
        st = tx.state
        case = policy.require_open_case(st, case_id)
        policy.require_on_roster(st, case, tx.actor_id, "scan its items")
        event = incident_event(st, case, ev.LABEL_FORGED,
                               f"受渡し時の読取りで偽造・改変されたラベルを検出: {shown}",
                               tx.actor_id, tx.now, source=ev.BY_SCAN)
        return [event], event.incident_id

    incident = record(journal, actor, build).value
    raise VerificationFailed(
        f"{len(forged)} forged label(s) scanned, so nothing was recorded as handed over; "
        f"incident {incident} was opened / 偽造ラベルを検出しました（事故報告 {incident}）",
        "do not accept the item: set it aside as it is and tell the ward; see "
        f"`handover incident show {incident}`")
