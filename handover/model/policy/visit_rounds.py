"""Visit rounds and the 授受簿 (000 受託事業者 4: 訪問リストの配布枚数等の管理を徹底するため、
訪問開始時と終了時の授受簿をつけさせる; 002 受託事業者 5): a pair of rostered visitors, each
holding a half that identifies nobody alone (受託事業者 6), every list issued once at a time
and back before the round ends, or declared missing with an incident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from handover.model.policy.rules import (HALVES_TO_ONE_VISITOR, LIST_ALREADY_ISSUED, LIST_COUNT,
                                         LIST_MISSING, LIST_NOT_OUT, LIST_TO_VISITOR, LISTS_OUT,
                                         ROUND_CLOSED, VISIT_DATE, VISIT_ROUNDS_OPEN,
                                         VISITOR_PAIR, WRONG_CASE, refuse)
from handover.model.state import Row, State


def require_pair(visitors: Sequence[str]) -> None:
    if len(visitors) != 2 or visitors[0] == visitors[1]:
        shown = ", ".join(visitors) or "none"
        raise refuse(VISITOR_PAIR, visitors[0] if visitors else "-",
                     f"a visit round needs two different visitors, not {len(visitors)} "
                     f"({shown})",
                     "訪問は異なる2人の訪問者で行います（2人体制）",
                     "name both visitors: --visitor U-… --visitor U-…")


def require_visit_date(case: Row, visit_date: dt.date, recorded_on: dt.date) -> None:
    start, end = dt.date.fromisoformat(case.period_start), dt.date.fromisoformat(case.period_end)
    if not start <= visit_date <= end or visit_date > recorded_on:
        raise refuse(VISIT_DATE, case.case_id,
                     f"visit date {visit_date} is outside the contract period of case "
                     f"{case.name} ({start} to {end}) or after today ({recorded_on})"
                     if visit_date <= recorded_on else
                     f"visit date {visit_date} is after today ({recorded_on}); a round is "
                     "recorded when its lists are issued",
                     f"訪問日 {visit_date} は契約期間外か記録日より後です",
                     "give the day of the visit, within the contract period (--date)")


def require_list_of_case(lst: Row, case: Row) -> None:
    if lst.case_id != case.case_id:
        raise refuse(WRONG_CASE, lst.list_id,
                     f"visit list {lst.list_id} belongs to case {lst.case_id}, not {case.case_id}",
                     f"訪問リスト {lst.list_id} は別の業務のものです",
                     "issue the lists made for this case (`handover visits list CASE`)")


def require_issuable(st: State, lst: Row) -> None:
    """A list is issued to one open round at a time, and never once declared lost."""
    if lst.state == "missing":
        raise refuse(LIST_MISSING, lst.list_id,
                     f"visit list {lst.list_id} was declared missing on round {lst.round_id}",
                     f"訪問リスト {lst.list_id} は紛失として報告されています",
                     "if it was found, record it on the incident (`handover incident "
                     "follow-up`); make a new split for the visits")
    if lst.state == "out":
        held = st.label(lst.holder_person)
        raise refuse(LIST_ALREADY_ISSUED, lst.list_id,
                     f"visit list {lst.list_id} is already out on round {lst.round_id}, with "
                     f"{held} since {lst.since}",
                     f"訪問リスト {lst.list_id} は訪問 {lst.round_id} で交付中です",
                     f"take it back first: `handover visits round return {lst.round_id} "
                     f"--list {lst.list_id}`")


def require_to_visitors(issued: Iterable[Mapping], visitors: Sequence[str]) -> None:
    for i in issued:
        if i["visitor"] not in visitors:
            raise refuse(LIST_TO_VISITOR, i["list_id"],
                         f"visit list {i['list_id']} is issued to {i['visitor']}, who is not "
                         f"one of the round's visitors ({', '.join(visitors)})",
                         f"訪問リスト {i['list_id']} の交付先が訪問者ではありません",
                         "issue each list to one of the two visitors")


def require_halves_apart(st: State, issued: Iterable[Mapping]) -> None:
    """Each visitor holds a list that identifies nobody alone; the pair matches them on the
    doorstep (受託事業者 6). A visitor holding both halves of a split would hold the extract."""
    to = {i["list_id"]: i["visitor"] for i in issued}
    for list_id, visitor in to.items():
        other = st.visit_list(list_id).paired_with
        if to.get(other) == visitor:
            raise refuse(HALVES_TO_ONE_VISITOR, list_id,
                         f"visit lists {list_id} and {other} are the two halves of one split, "
                         f"both issued to {st.label(visitor)}: together they identify every "
                         "resident",
                         f"分割した訪問リスト {list_id} と {other} が同じ訪問者に交付されています",
                         "give list A to one visitor and list B to the other")


def require_count(count: int, issued: Sequence) -> None:
    """The count on the register is the number of lists named, each named once."""
    named = [i["list_id"] if isinstance(i, Mapping) else i for i in issued]
    if count != len(issued) or not issued or len(set(named)) != len(named):
        raise refuse(LIST_COUNT, str(count),
                     f"the register says {count} list(s) issued but names {len(issued)}",
                     f"配布枚数 {count} が交付した訪問リストの数 {len(issued)} と一致しません",
                     "issue at least one list and count each list issued once")


def require_round_open(rnd: Row) -> None:
    if rnd.status != "open":
        raise refuse(ROUND_CLOSED, rnd.round_id,
                     f"visit round {rnd.round_id} was closed at {rnd.closed_at}; nothing more "
                     "is recorded on it",
                     f"訪問 {rnd.round_id} は終了しています",
                     "start a new round for further visits; a list found later is a follow-up "
                     "of its incident")


def require_out_on(st: State, rnd: Row, list_id: str) -> None:
    if list_id not in st.lists_out(rnd.round_id):
        issued = {r.list_id: r for r in st.round_lists(rnd.round_id)}
        why = ("was returned at " + issued[list_id].returned_at) if list_id in issued and \
            issued[list_id].returned_at else \
            "was declared missing" if list_id in issued else "was not issued on it"
        raise refuse(LIST_NOT_OUT, list_id,
                     f"visit list {list_id} is not out on round {rnd.round_id}: it {why}",
                     f"訪問リスト {list_id} は訪問 {rnd.round_id} で交付中ではありません",
                     f"see `handover visits round show {rnd.round_id}`")


def require_all_back(st: State, rnd: Row, declared_missing: Sequence[str],
                     incident_items: Sequence[str] | None) -> None:
    """A round closes with every list back; the lists still out may only be declared missing
    all together, with the incident that reports them recorded in the same act."""
    out = st.lists_out(rnd.round_id)
    if not out and not declared_missing:
        return
    if declared_missing and sorted(declared_missing) == sorted(out) and incident_items is not None \
            and set(out) <= set(incident_items):
        return
    named = [i for i in out if i not in declared_missing] or out or list(declared_missing)
    raise refuse(LISTS_OUT, named[0],
                 f"visit round {rnd.round_id} cannot close: list(s) {', '.join(named)} "
                 f"{'are' if len(named) > 1 else 'is'} not back"
                 if out else f"visit round {rnd.round_id}: {', '.join(named)} declared missing "
                 "but not out",
                 f"訪問リスト {'、'.join(named)} が返却されていないため訪問を終了できません",
                 f"take them back (`handover visits round return {rnd.round_id}`), or close the "
                 "round with --missing: the lists still out are reported lost (事故報告)")


def require_rounds_closed(st: State, case: Row) -> None:
    """The close-out gate: every visit round of the case ended, its lists back or reported."""
    still = [r.round_id for r in st.visit_rounds(case.case_id) if r.status == "open"]
    if still:
        raise refuse(VISIT_ROUNDS_OPEN, still[0],
                     f"case {case.case_id} has {len(still)} visit round(s) not closed: "
                     f"{', '.join(still)}",
                     f"終了していない訪問が{len(still)}件あります",
                     "take the lists back and close each round (`handover visits round close "
                     "R-…`), or record why the case closes anyway with --override-reason TEXT")
