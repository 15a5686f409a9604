"""Handovers and their confirmation: direction, lifecycle, order, separation, method."""

from __future__ import annotations

import datetime as dt

from handover.clock import JST
from handover.model import events as ev
from handover.model.policy.rules import (ALREADY_CONFIRMED, ALREADY_OUT, ALREADY_RETURNED,
                                         ENVELOPES_EXCEED_RECORDS, METHOD_MISMATCH, NEVER_PROVIDED,
                                         NOT_HOLDER, NOT_RECEIVING_PARTY, NOT_YET_HAPPENED,
                                         OUT_OF_ORDER,
                                         SAME_COURIER, SAME_RECIPIENT_INTERVAL, SEPARATE_OCCASIONS,
                                         WRONG_CASE, WRONG_DIRECTION, refuse)
from handover.model.state import Row, State


def require_direction(st: State, case: Row, moment: str, from_org: str, to_org: str) -> None:
    ward_from, ward_to = st.is_ward(from_org), st.is_ward(to_org)
    contractors = set(st.case_orgs(case.case_id))
    expected = {ev.PROVIDE: (True, False), ev.DELIVER: (False, True), ev.RETURN: (False, True),
                ev.TRANSFER: (False, False), ev.REPORT: (False, True)}[moment]
    outside = [o for o in (from_org, to_org) if not st.is_ward(o) and o not in contractors]
    if (ward_from, ward_to) != expected or outside:
        raise refuse(WRONG_DIRECTION, outside[0] if outside else to_org,
                      f"a '{moment}' handover goes "
                      + {ev.PROVIDE: "from the ward to a contractor of the case",
                         ev.DELIVER: "from a contractor of the case to the ward",
                         ev.RETURN: "from a contractor of the case to the ward",
                         ev.TRANSFER: "between two contractors of the case",
                         ev.REPORT: "from a contractor of the case to the ward"}[moment]
                      + f", not from {st.label(from_org)} to {st.label(to_org)}",
                      "受渡しの方向が正しくありません（委託先はこの業務の契約先に限ります）",
                      "check --moment, --from and --to")


def require_paper_method(method: str) -> None:
    if method == ev.LGWAN:
        raise refuse(METHOD_MISMATCH, method,
                      "sealed envelopes are paper; they cannot travel over LGWAN",
                      "封入封緘された通知書はLGWANでは受け渡せません",
                      "choose --method hand or registered_mail")


def require_item_of_case(item: Row, case: Row) -> None:
    if item.case_id != case.case_id:
        raise refuse(WRONG_CASE, item.item_id,
                      f"{item.item_id} belongs to case {item.case_id}, not {case.case_id}",
                      f"{item.item_id} は別の業務のものです",
                      "record it under its own case (--case), or check the ID")


def require_method(item: Row, method: str) -> None:
    lgwan_file = item.kind == ev.MEDIUM and item.medium_kind == "lgwan"
    if lgwan_file != (method == ev.LGWAN):
        what = "an LGWAN file travels only over LGWAN" if lgwan_file else \
            "paper and physical media cannot travel over LGWAN"
        raise refuse(METHOD_MISMATCH, item.item_id, f"{item.item_id}: {what}",
                      "この品目はこの方法では受け渡せません", "choose --method accordingly")


def require_moment_fits(st: State, item: Row, moment: str, from_org: str) -> None:
    """The lifecycle: provide only what is at the ward, return only what was provided and is
    still out, and move only what the sender holds."""
    at_ward = st.is_ward(item.holder_org)
    if moment == ev.PROVIDE and not at_ward:
        raise refuse(ALREADY_OUT, item.item_id,
                      f"{item.item_id} is already out: held by {st.label(item.holder_org)} "
                      f"since {item.since}",
                      f"{item.item_id} は提供済みで、まだ返却されていません",
                      "record its return first; see `handover history " + item.item_id + "`")
    if moment == ev.RETURN and not item.ever_provided:
        raise refuse(NEVER_PROVIDED, item.item_id,
                      f"{item.item_id} was never provided to a contractor, so it cannot be returned",
                      f"{item.item_id} は委託先に提供された記録がありません",
                      "check the ID; see `handover history " + item.item_id + "`")
    if moment == ev.RETURN and at_ward:
        raise refuse(ALREADY_RETURNED, item.item_id,
                      f"{item.item_id} is already back at the ward ({st.label(item.holder_org)}, "
                      f"since {item.since})",
                      f"{item.item_id} は返却済みです",
                      f"nothing to record; see `handover history {item.item_id}`")
    if item.holder_org != from_org:
        raise refuse(NOT_HOLDER, item.item_id,
                      f"{item.item_id} is held by {st.label(item.holder_org)}, not by the sender "
                      f"{st.label(from_org)}",
                      f"{item.item_id} の保有者は{st.name(item.holder_org)}です",
                      "check --from, or record the missing handover first")


# A handover may be recorded a little after it happened, never before: a claimed time later
# than this past the recording would let a notice slip past the same-day rule.
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


def require_happened(handover_id: str, occurred_at: str, recorded_at: dt.datetime) -> None:
    """A handover is recorded once it happened: its claimed time is not later than the
    recording (the writer's clock; the entry's recorded time when replayed)."""
    moment = dt.datetime.fromisoformat(occurred_at)
    if moment > recorded_at + CLOCK_TOLERANCE:
        raise refuse(NOT_YET_HAPPENED, handover_id,
                     f"the handover time {occurred_at} is in the future (now "
                     f"{recorded_at.isoformat()}); record a handover once it happened",
                     "受渡し日時が記録時点より後になっています",
                     "check --at: date, time and +09:00")


def require_in_order(st: State, item: Row, occurred_at: str) -> None:
    """An item cannot move before it got where it is: the claimed time of a handover is not
    earlier than the item's creation or its last movement."""
    if dt.datetime.fromisoformat(occurred_at) < dt.datetime.fromisoformat(item.since):
        raise refuse(OUT_OF_ORDER, item.item_id,
                      f"{item.item_id} has been where it is ({st.label(item.holder_org)}) only "
                      f"since {item.since}, so it cannot have been handed over at {occurred_at}",
                      f"{item.item_id} の受渡し日時が、その前の記録（{item.since}）より前になっています",
                      "check --at (date, time and +09:00); handovers are recorded in the "
                      f"order they happened, see `handover history {item.item_id}`")


def require_not_together(items: list[Row]) -> None:
    """A medium and its password notice never travel in the same handover (004 対策 4)."""
    media = {i.package_id: i for i in items if i.kind == ev.MEDIUM}
    for i in items:
        if i.kind == ev.NOTICE and i.package_id in media:
            raise refuse(SEPARATE_OCCASIONS, i.item_id,
                          f"{i.item_id} is the password notice of {media[i.package_id].item_id}; "
                          "a medium and its notice are never handed over together",
                          "暗号化媒体とパスワード通知書は別の機会に受け渡してください",
                          "record two handovers, on different occasions")


def _local_day(iso: str) -> dt.date:
    return dt.datetime.fromisoformat(iso).astimezone(JST).date()


def check_interval(st: State, case: Row, item: Row, to_org: str, occurred_at: str,
                   earlier: list[Row]) -> None:
    """The notice (or medium) may not reach the same recipient within the case's interval
    (default: the same day) as its counterpart did. `earlier`: the handovers of the item's
    counterparts (`State.counterpart_handovers`)."""
    when = dt.datetime.fromisoformat(occurred_at)
    for h in earlier:
        if h.to_org != to_org:
            continue
        other = dt.datetime.fromisoformat(h.occurred_at)
        if case.separation_minutes is None:
            close, span = _local_day(h.occurred_at) == _local_day(occurred_at), "on the same day"
        else:
            close = abs(when - other) < dt.timedelta(minutes=case.separation_minutes)
            span = f"within {case.separation_minutes} minutes"
        if close:
            raise refuse(SAME_RECIPIENT_INTERVAL, item.item_id,
                          f"{item.item_id} would reach {st.label(to_org)} {span} as its "
                          f"counterpart did in {h.handover_id} ({h.occurred_at})",
                          f"同じ受領者への媒体とパスワード通知書の受渡しは別の日に行ってください（{h.handover_id}）")


def check_courier(st: State, item: Row, courier: str | None, earlier: list[Row]) -> None:
    if courier is None:
        return
    for h in earlier:
        if h.courier == courier:
            raise refuse(SAME_COURIER, item.item_id,
                          f"{st.label(courier)} already carried the counterpart of {item.item_id} "
                          f"in {h.handover_id}; medium and notice go by different couriers",
                          f"{st.name(courier)} は対になる媒体・通知書を運搬済みです（{h.handover_id}）")


def require_package_of_case(st: State, package_id: str, case: Row) -> None:
    package = st.package(package_id)
    if package.case_id != case.case_id:
        raise refuse(WRONG_CASE, package_id,
                      f"package {package_id} belongs to case {package.case_id}, not "
                      f"{case.case_id}",
                      f"パッケージ {package_id} は別の業務のものです",
                      "record the delivery under the package's own case (--case)")


def check_envelopes(st: State, package_id: str, count: int) -> None:
    package = st.package(package_id)
    total = st.envelopes_delivered(package_id) + count
    if total > package.record_count:
        raise refuse(ENVELOPES_EXCEED_RECORDS, package_id,
                      f"{total} envelopes would be delivered for {package_id}, which holds only "
                      f"{package.record_count} records",
                      f"封入封緘された通知書の数（{total}通）がデータ件数（{package.record_count}件）を超えています")


def require_receiving_party(st: State, handover: Row, person_id: str) -> None:
    if handover.confirmed_by is not None:
        raise refuse(ALREADY_CONFIRMED, handover.handover_id,
                      f"{handover.handover_id} was already confirmed by "
                      f"{st.label(handover.confirmed_by)} at {handover.confirmed_at}",
                      f"{handover.handover_id} は確認済みです",
                      f"nothing to do; see `handover history {handover.handover_id}`")
    if st.person(person_id).org_id != handover.to_org:
        raise refuse(NOT_RECEIVING_PARTY, person_id,
                      f"{st.label(person_id)} is not of the receiving party "
                      f"{st.label(handover.to_org)} and cannot confirm {handover.handover_id}",
                      f"確認は受領側（{st.name(handover.to_org)}）が行います",
                      f"run it as {handover.to_person}")
