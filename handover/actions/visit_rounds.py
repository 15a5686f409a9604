"""Visit rounds and their 授受簿 (000 受託事業者 4: 訪問リストの配布枚数等の管理を徹底するため、
訪問開始時と終了時の授受簿をつけさせる; 002 受託事業者 5).

A round starts when the contractor issues split visit lists (§3) to a pair of rostered
visitors, each holding one half (受託事業者 6); it ends when every list is back, scanned by its
label or read and counted, or when the lists still out are declared missing, which opens a
loss incident (事故報告) in the same act. The day's register is printed by
`reports.print_visit_register`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from handover import ids
from handover.actions.incidents import incident_event
from handover.errors import HandoverError, VerificationFailed
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal, Recorded, Tx, record
from handover.model.state import State
from handover.scanners import ScanSession, ScanStatus

MAX_NOTE = 500


@dataclass(frozen=True)
class Returned:
    round_id: str
    lists: tuple[str, ...]
    method: str
    still_out: tuple[str, ...]

    def as_json(self) -> dict:
        return {"round_id": self.round_id, "lists": list(self.lists), "method": self.method,
                "still_out": list(self.still_out)}


@dataclass(frozen=True)
class Closed:
    round_id: str
    missing: tuple[str, ...]
    incident_id: str | None

    def as_json(self) -> dict:
        return {"round_id": self.round_id, "missing": list(self.missing),
                "incident_id": self.incident_id}


def start_visit_round(journal: Journal, actor: str, case_id: str, visit_date: dt.date,
                      visitors: Iterable[str], lists: Iterable[str] | Mapping[str, str], *,
                      area: str = "") -> Recorded[str]:
    """Issue lists to a pair of visitors. `lists` maps each list to its visitor, or names the
    lists only: then each list A goes to the first visitor and each list B to the second, so
    that neither holds a resident's name and address together. Returns the round ID."""
    case_id = ids.parse_id(case_id, "case")
    pair = [ids.parse_id(v, "person") for v in visitors]
    given = dict(lists) if isinstance(lists, Mapping) else {i: None for i in lists}
    wanted = {ids.parse_id(k, "visit list"): (ids.parse_id(v, "person") if v else None)
              for k, v in given.items()}
    if not wanted:
        raise HandoverError("no visit list to issue", "name each list: --list L-…")
    if not isinstance(visit_date, dt.date):
        raise HandoverError(f"{visit_date!r} is not a date", "give the visit date as YYYY-MM-DD")
    area = " ".join((area or "").split())
    round_id = ids.new_id("R")

    def build(tx: Tx):
        st = tx.state
        issued = []
        for list_id, visitor in wanted.items():
            if visitor is None:
                half = st.visit_list(list_id).half
                visitor = pair[0 if half == "A" else 1] if len(pair) == 2 else \
                    (pair[0] if pair else "")
            issued.append({"list_id": list_id, "visitor": visitor})
        # The rules (pair, roster, date, each list free and of the case, halves apart):
        # policy/acts.py, checked by record before the entry is appended.
        return [ev.VisitRoundStarted(round_id, case_id, visit_date.isoformat(), pair, issued,
                                     len(issued), area)], round_id

    return record(journal, actor, build)


def return_visit_lists(journal: Journal, actor: str, round_id: str, *,
                       lists: Iterable[str] = (), scans: Iterable[str] = (),
                       label_key_path: Path | str | None = None) -> Recorded[Returned]:
    """Take lists back at the end of a round: by their labels' QR codes (`scans`, checked
    like every label: a forged one opens an incident and nothing is returned), or by the IDs
    read off the sheets and counted (`lists`)."""
    round_id = ids.parse_id(round_id, "visit round")
    scans = list(scans)
    typed = list(dict.fromkeys(ids.parse_id(i, "visit list") for i in lists))
    if scans and typed:
        raise HandoverError("give the returned lists either scanned or by ID, not both",
                            "scan every label (--scan), or read each ID off the sheet (--list)")
    if not scans and not typed:
        raise HandoverError("no list was returned", "scan the labels (--scan) or name each "
                            "list (--list L-…)")
    method = ev.RETURN_SCANNED if scans else ev.RETURN_COUNTED
    returned = _scanned(journal, actor, round_id, scans, label_key_path) if scans else typed

    def build(tx: Tx):
        st = tx.state   # the rules (round open, each list out on it): policy/acts.py
        st.visit_round(round_id)
        after = [i for i in st.lists_out(round_id) if i not in returned]
        return [ev.VisitListsReturned(round_id, returned, method, len(returned))], \
            Returned(round_id, tuple(returned), method, tuple(after))

    return record(journal, actor, build)


def _scanned(journal: Journal, actor: str, round_id: str, scans: list[str],
             label_key_path: Path | str | None) -> list[str]:
    """The visit lists the scanned labels name, each verified against the ward's label key."""
    from handover.label_codes import load_key

    def known(item_id: str) -> bool:
        with journal.engine.connect() as conn:
            return State(conn, journal.log).find_visit_list(item_id) is not None

    session = ScanSession(None, known, load_key(label_key_path))
    results = [session.scan(text) for text in scans]
    forged = [r.raw for r in results if r.status is ScanStatus.FORGED]
    if forged:
        _report_forged(journal, actor, round_id, forged)
    unknown = [r for r in results if r.status is ScanStatus.UNKNOWN]
    if unknown:
        raise HandoverError(
            "nothing was returned: " + "; ".join(
                f"{r.item_id} is not a registered visit list" + (
                    f" (it is a {ids.KINDS[r.item_id[0]].en} label)" if r.item_id[0] != "L"
                    else "") for r in unknown),
            "scan only the labels of the round's visit lists; set the rest aside")
    return list(dict.fromkeys(r.item_id for r in results if r.status is ScanStatus.OK))


def _report_forged(journal: Journal, actor: str, round_id: str, forged: list[str]) -> None:
    """A forged label at the return opens an incident (label-forged) before the return is
    refused: the sheet is evidence, as at the scanning station."""
    shown = "; ".join(f"「{raw[:60]}」" for raw in forged)

    def build(tx: Tx):
        st = tx.state
        case = policy.require_open_case(st, st.visit_round(round_id).case_id)
        policy.require_on_roster(st, case, tx.actor_id, "take back its visit lists")
        event = incident_event(st, case, ev.LABEL_FORGED,
                               f"訪問 {round_id} の訪問リスト返却時の読取りで偽造・改変されたラベルを検出: "
                               f"{shown}", tx.actor_id, tx.now, source=ev.BY_SCAN)
        return [event], event.incident_id

    incident = record(journal, actor, build).value
    raise VerificationFailed(
        f"{len(forged)} forged label(s) scanned, so no list was recorded as returned; incident "
        f"{incident} was opened / 偽造ラベルを検出しました（事故報告 {incident}）",
        f"keep the sheet aside as it is and tell the ward; see `handover incident show {incident}`")


def close_visit_round(journal: Journal, actor: str, round_id: str, *, missing: bool = False,
                      note: str = "") -> Recorded[Closed]:
    """End a round. With `missing`, the lists still out are declared lost and a loss incident
    naming them is opened in the same act; without it, a list still out refuses the close."""
    round_id = ids.parse_id(round_id, "visit round")
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise HandoverError(f"the note is {len(note)} characters long (at most {MAX_NOTE})",
                            "summarise it")

    def build(tx: Tx):
        st = tx.state
        rnd = st.visit_round(round_id)
        out = st.lists_out(round_id) if missing else []
        if missing and not out:
            raise HandoverError(f"every list of round {round_id} is back: nothing is missing",
                                "close it without --missing")
        events: list[ev.Event] = []
        incident_id = None
        if out:
            visitors = [st.label(r.visitor) for r in st.round_lists(round_id)
                        if r.list_id in out]
            incident = incident_event(
                st, st.case(rnd.case_id), ev.LOSS,
                f"訪問 {round_id}（{rnd.visit_date}）の終了時に訪問リスト {'、'.join(out)} が"
                f"返却されず紛失（最後の保持者: {'、'.join(dict.fromkeys(visitors))}）"
                + (f"。{note}" if note else ""), tx.actor_id, tx.now, items=out)
            incident_id = incident.incident_id
            events.append(ev.VisitRoundClosed(round_id, out, incident_id, note))
            events.append(incident)
        else:
            events.append(ev.VisitRoundClosed(round_id, (), None, note))
        return events, Closed(round_id, tuple(out), incident_id)

    return record(journal, actor, build)
