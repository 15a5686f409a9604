"""The custody rules: each a named function that raises PolicyViolation naming the rule and
the item, in English and Japanese.

The rules come from seeds/004 (REQUIREMENTS.md rules 1-4): media and password notices in
different locked cabinets (区が行う対策 3), handed over on separate occasions (対策 4), only
rostered people handle the data (受託事業者 3), only designated computers write it to media
(システム上の対策 1), and a traceable record at every handover (対策 6).

Some rules may be broken for a reason a person records (`Overrides`): the reason is written
into the entry and printed on the 確認書 and in audit reports. The others may not be broken
at all. Every check reads `State` inside the writer's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from handover import events as ev
from handover.errors import PolicyViolation
from handover.state import Row, State

JST = dt.timezone(dt.timedelta(hours=9), "JST")

# Rule identifiers, as printed in refusals and recorded with overrides.
NOT_ON_ROSTER = "not-on-roster"
ROLE_REQUIRED = "role-required"
CASE_CLOSED = "case-closed"
WORKSTATION_NOT_REGISTERED = "workstation-not-registered"
SAME_CABINET = "same-cabinet"
NOT_IN_POSSESSION = "not-in-possession"
NOT_KEY_HOLDER = "not-key-holder"
SEPARATE_OCCASIONS = "separate-occasions"
SAME_RECIPIENT_INTERVAL = "same-recipient-interval"
SAME_COURIER = "same-courier"
ALREADY_OUT = "already-out"
NEVER_PROVIDED = "never-provided"
ALREADY_RETURNED = "already-returned"
NOT_HOLDER = "not-holder"
WRONG_CASE = "wrong-case"
WRONG_DIRECTION = "wrong-direction"
METHOD_MISMATCH = "method-mismatch"
ENVELOPES_EXCEED_RECORDS = "envelopes-exceed-records"
NOT_RECEIVING_PARTY = "not-receiving-party"
ALREADY_CONFIRMED = "already-confirmed"
ITEMS_OUTSTANDING = "items-outstanding"
OUT_OF_ORDER = "out-of-order"
UNCONFIRMED_HANDOVERS = "unconfirmed-handovers"

OVERRIDABLE = frozenset({SAME_RECIPIENT_INTERVAL, SAME_COURIER, ENVELOPES_EXCEED_RECORDS,
                         ITEMS_OUTSTANDING, UNCONFIRMED_HANDOVERS})
_OVERRIDE_HINT = ("if this is deliberate, record why with --override-reason TEXT; the reason is "
                  "printed on the 確認書 and in audit reports / 例外とする場合は理由を記録してください")


def _refuse(rule: str, item: str, en: str, ja: str, hint: str | None = None) -> PolicyViolation:
    if hint is None and rule in OVERRIDABLE:
        hint = _OVERRIDE_HINT
    return PolicyViolation(rule, item, f"{en} / {ja}", hint)


class Overrides:
    """Collects the overridable violations a recorded reason lets through."""

    def __init__(self, reason: str | None):
        self.reason = reason.strip() if reason and reason.strip() else None
        self.used: list[dict] = []

    def check(self, rule_fn: Callable[..., None], *args) -> None:
        try:
            rule_fn(*args)
        except PolicyViolation as v:
            if v.rule not in OVERRIDABLE or self.reason is None:
                raise
            self.used.append({"rule": v.rule, "item": v.item, "message": v.message})


# --- people --------------------------------------------------------------------------------

def require_role(st: State, person_id: str, *roles: str, doing: str) -> None:
    have = st.roles(person_id)
    if not have & set(roles):
        wanted = " or ".join(roles)
        raise _refuse(ROLE_REQUIRED, person_id,
                      f"{st.label(person_id)} may not {doing}: it needs the role {wanted}",
                      f"{st.name(person_id)} にはこの操作の権限がありません（{ev.ROLE_LABELS[roles[0]]}）",
                      "register the person with that role, or act as someone who has it")


def require_on_roster(st: State, case: Row, person_id: str, doing: str) -> None:
    """Only people on a case's roster receive, handle or return its media (004 受託事業者 3).
    Ward staff act for the ward and need the staff role instead."""
    person = st.person(person_id)
    if st.is_ward(person.org_id):
        require_role(st, person_id, ev.STAFF, doing=doing)
        if person.org_id != case.ward_org_id:
            raise _refuse(NOT_ON_ROSTER, person_id,
                          f"{person.name} ({person_id}) is staff of {st.label(person.org_id)}, "
                          f"not of {st.label(case.ward_org_id)} which runs case {case.name} "
                          f"({case.case_id}), and may not {doing}",
                          f"{person.name} は業務「{case.name}」の担当課の職員ではありません",
                          f"act as staff of {st.name(case.ward_org_id)}")
        return
    if st.roster_role(case.case_id, person_id) is None:
        raise _refuse(NOT_ON_ROSTER, person_id,
                      f"{person.name} ({person_id}) is not on the roster of case {case.name} "
                      f"({case.case_id}) and may not {doing}",
                      f"{person.name} は業務「{case.name}」の取扱者名簿に登載されていません",
                      "add them first with `handover case roster` (the contractor must report "
                      "every 取扱者 in advance), or hand over to someone on the roster")


# --- cases and workstations ----------------------------------------------------------------

def require_open(case: Row) -> None:
    if case.status != "open":
        raise _refuse(CASE_CLOSED, case.case_id,
                      f"case {case.name} ({case.case_id}) is closed; nothing more can be done on it",
                      f"業務「{case.name}」は終了しています",
                      "open a new case for new work")


def require_workstation(st: State, case: Row, hostname: str) -> Row:
    """Only designated computers write personal data to media (004 システム上の対策 1)."""
    ws = st.workstation_by_host(hostname)
    if ws is None or not st.workstation_authorised(ws.workstation_id, case.case_id):
        what = "is not a registered workstation" if ws is None else \
            f"({ws.workstation_id}) is not designated for case {case.case_id}"
        raise _refuse(WORKSTATION_NOT_REGISTERED, hostname,
                      f"this computer {hostname} {what}; it may not seal data for {case.name}",
                      f"この端末 {hostname} は業務「{case.name}」の個人情報を記録できる端末として登録されていません",
                      "seal on a designated computer, or have it designated with "
                      "`handover register workstation HOST --case CASE`")
    return ws


def require_no_items_out(st: State, case: Row) -> None:
    out = [i.item_id for i in st.items(case_id=case.case_id)
           if i.kind != ev.ENVELOPES and not st.is_ward(i.holder_org)]
    if out:
        raise _refuse(ITEMS_OUTSTANDING, out[0],
                      f"case {case.case_id} still has {len(out)} item(s) with a contractor: "
                      f"{', '.join(out)}",
                      f"未返却の媒体・通知書が{len(out)}件あります")


def require_confirmed(st: State, case: Row, handover: Row) -> None:
    """A closed case accepts nothing, not even a confirmation: close it once every handover
    has been confirmed by its receiving party (004 受託事業者 11)."""
    if handover.confirmed_by is None:
        raise _refuse(UNCONFIRMED_HANDOVERS, handover.handover_id,
                      f"{handover.handover_id} of case {case.case_id} is not yet confirmed by "
                      f"the receiving party {st.label(handover.to_org)}; once the case is "
                      "closed it never can be",
                      f"{handover.handover_id} は受領側の確認が済んでいません")


# --- cabinets --------------------------------------------------------------------------------

def require_separate_cabinet(st: State, item: Row, cabinet: Row) -> None:
    """Media and their password notice never share a locked cabinet (004 区が行う対策 3)."""
    for other in st.counterparts(item):
        if other.cabinet_id == cabinet.cabinet_id:
            raise _refuse(SAME_CABINET, item.item_id,
                          f"{item.item_id} cannot go into {cabinet.name} ({cabinet.cabinet_id}): "
                          f"{other.item_id} of the same package {item.package_id} is already in it",
                          "暗号化媒体とパスワード通知書は別の鍵付キャビネットに保管してください",
                          "choose another locked cabinet")


def require_key_holder(st: State, cabinet: Row, person_id: str, *, taking: str | None = None) -> None:
    """Only a key holder puts an item into a locked cabinet, or takes one out (`taking`)."""
    if person_id not in cabinet.key_holders.split():
        what = f"so cannot take {taking} out of it" if taking else "so cannot store into it"
        raise _refuse(NOT_KEY_HOLDER, person_id,
                      f"{st.label(person_id)} does not hold a key of {cabinet.name} "
                      f"({cabinet.cabinet_id}), {what}",
                      f"{st.name(person_id)} は{cabinet.name}の鍵の保管者ではありません",
                      ("have a key holder hand it over (--from)" if taking else
                       "ask a key holder to store it")
                      + ", or record the key's handover with `handover register keys`")


def require_taken_out_by_key_holder(st: State, item: Row, person_id: str) -> None:
    """An item locked in a cabinet leaves it only through one of its key holders."""
    if item.cabinet_id is not None:
        require_key_holder(st, st.cabinet(item.cabinet_id), person_id, taking=item.item_id)


def require_possession(st: State, item: Row, cabinet: Row) -> None:
    if item.holder_org != cabinet.org_id:
        raise _refuse(NOT_IN_POSSESSION, item.item_id,
                      f"{item.item_id} is held by {st.label(item.holder_org)}, so it cannot be "
                      f"stored in {cabinet.name} of {st.label(cabinet.org_id)}",
                      f"{item.item_id} は{st.name(item.holder_org)}が保有しています",
                      "record the handover first")


# --- handovers -------------------------------------------------------------------------------

def require_direction(st: State, case: Row, moment: str, from_org: str, to_org: str) -> None:
    ward_from, ward_to = st.is_ward(from_org), st.is_ward(to_org)
    contractors = set(st.case_orgs(case.case_id))
    expected = {ev.PROVIDE: (True, False), ev.DELIVER: (False, True), ev.RETURN: (False, True),
                ev.TRANSFER: (False, False)}[moment]
    outside = [o for o in (from_org, to_org) if not st.is_ward(o) and o not in contractors]
    if (ward_from, ward_to) != expected or outside:
        raise _refuse(WRONG_DIRECTION, outside[0] if outside else to_org,
                      f"a '{moment}' handover goes "
                      + {ev.PROVIDE: "from the ward to a contractor of the case",
                         ev.DELIVER: "from a contractor of the case to the ward",
                         ev.RETURN: "from a contractor of the case to the ward",
                         ev.TRANSFER: "between two contractors of the case"}[moment]
                      + f", not from {st.label(from_org)} to {st.label(to_org)}",
                      "受渡しの方向が正しくありません（委託先はこの業務の契約先に限ります）",
                      "check --moment, --from and --to")


def require_item_of_case(item: Row, case: Row) -> None:
    if item.case_id != case.case_id:
        raise _refuse(WRONG_CASE, item.item_id,
                      f"{item.item_id} belongs to case {item.case_id}, not {case.case_id}",
                      f"{item.item_id} は別の業務のものです",
                      "record it under its own case (--case), or check the ID")


def require_method(item: Row, method: str) -> None:
    lgwan_file = item.kind == ev.MEDIUM and item.medium_kind == "lgwan"
    if lgwan_file != (method == ev.LGWAN):
        what = "an LGWAN file travels only over LGWAN" if lgwan_file else \
            "paper and physical media cannot travel over LGWAN"
        raise _refuse(METHOD_MISMATCH, item.item_id, f"{item.item_id}: {what}",
                      "この品目はこの方法では受け渡せません", "choose --method accordingly")


def require_moment_fits(st: State, item: Row, moment: str, from_org: str) -> None:
    """The lifecycle: provide only what is at the ward, return only what was provided and is
    still out, and move only what the sender holds."""
    at_ward = st.is_ward(item.holder_org)
    if moment == ev.PROVIDE and not at_ward:
        raise _refuse(ALREADY_OUT, item.item_id,
                      f"{item.item_id} is already out: held by {st.label(item.holder_org)} "
                      f"since {item.since}",
                      f"{item.item_id} は提供済みで、まだ返却されていません",
                      "record its return first; see `handover history " + item.item_id + "`")
    if moment == ev.RETURN and not item.ever_provided:
        raise _refuse(NEVER_PROVIDED, item.item_id,
                      f"{item.item_id} was never provided to a contractor, so it cannot be returned",
                      f"{item.item_id} は委託先に提供された記録がありません",
                      "check the ID; see `handover history " + item.item_id + "`")
    if moment == ev.RETURN and at_ward:
        raise _refuse(ALREADY_RETURNED, item.item_id,
                      f"{item.item_id} is already back at the ward ({st.label(item.holder_org)}, "
                      f"since {item.since})",
                      f"{item.item_id} は返却済みです",
                      f"nothing to record; see `handover history {item.item_id}`")
    if item.holder_org != from_org:
        raise _refuse(NOT_HOLDER, item.item_id,
                      f"{item.item_id} is held by {st.label(item.holder_org)}, not by the sender "
                      f"{st.label(from_org)}",
                      f"{item.item_id} の保有者は{st.name(item.holder_org)}です",
                      "check --from, or record the missing handover first")


def require_in_order(st: State, item: Row, occurred_at: str) -> None:
    """An item cannot move before it got where it is: the claimed time of a handover is not
    earlier than the item's creation or its last movement."""
    if dt.datetime.fromisoformat(occurred_at) < dt.datetime.fromisoformat(item.since):
        raise _refuse(OUT_OF_ORDER, item.item_id,
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
            raise _refuse(SEPARATE_OCCASIONS, i.item_id,
                          f"{i.item_id} is the password notice of {media[i.package_id].item_id}; "
                          "a medium and its notice are never handed over together",
                          "暗号化媒体とパスワード通知書は別の機会に受け渡してください",
                          "record two handovers, on different occasions")


def _local_day(iso: str) -> dt.date:
    return dt.datetime.fromisoformat(iso).astimezone(JST).date()


def check_interval(st: State, case: Row, item: Row, to_org: str, occurred_at: str) -> None:
    """The notice (or medium) may not reach the same recipient within the case's interval
    (default: the same day) as its counterpart did."""
    counterparts = [c.item_id for c in st.counterparts(item)]
    when = dt.datetime.fromisoformat(occurred_at)
    for h in st.handovers_of(counterparts):
        if h.to_org != to_org:
            continue
        other = dt.datetime.fromisoformat(h.occurred_at)
        if case.separation_minutes is None:
            close, span = _local_day(h.occurred_at) == _local_day(occurred_at), "on the same day"
        else:
            close = abs(when - other) < dt.timedelta(minutes=case.separation_minutes)
            span = f"within {case.separation_minutes} minutes"
        if close:
            raise _refuse(SAME_RECIPIENT_INTERVAL, item.item_id,
                          f"{item.item_id} would reach {st.label(to_org)} {span} as its "
                          f"counterpart did in {h.handover_id} ({h.occurred_at})",
                          f"同じ受領者への媒体とパスワード通知書の受渡しは別の日に行ってください（{h.handover_id}）")


def check_courier(st: State, item: Row, courier: str | None) -> None:
    if courier is None:
        return
    counterparts = [c.item_id for c in st.counterparts(item)]
    for h in st.handovers_of(counterparts):
        if h.courier == courier:
            raise _refuse(SAME_COURIER, item.item_id,
                          f"{st.label(courier)} already carried the counterpart of {item.item_id} "
                          f"in {h.handover_id}; medium and notice go by different couriers",
                          f"{st.name(courier)} は対になる媒体・通知書を運搬済みです（{h.handover_id}）")


def require_package_of_case(st: State, package_id: str, case: Row) -> None:
    package = st.package(package_id)
    if package.case_id != case.case_id:
        raise _refuse(WRONG_CASE, package_id,
                      f"package {package_id} belongs to case {package.case_id}, not "
                      f"{case.case_id}",
                      f"パッケージ {package_id} は別の業務のものです",
                      "record the delivery under the package's own case (--case)")


def check_envelopes(st: State, package_id: str, count: int) -> None:
    package = st.package(package_id)
    total = st.envelopes_delivered(package_id) + count
    if total > package.record_count:
        raise _refuse(ENVELOPES_EXCEED_RECORDS, package_id,
                      f"{total} envelopes would be delivered for {package_id}, which holds only "
                      f"{package.record_count} records",
                      f"封入封緘された通知書の数（{total}通）がデータ件数（{package.record_count}件）を超えています")


# --- confirmation ----------------------------------------------------------------------------

def require_receiving_party(st: State, handover: Row, person_id: str) -> None:
    if handover.confirmed_by is not None:
        raise _refuse(ALREADY_CONFIRMED, handover.handover_id,
                      f"{handover.handover_id} was already confirmed by "
                      f"{st.label(handover.confirmed_by)} at {handover.confirmed_at}",
                      f"{handover.handover_id} は確認済みです",
                      f"nothing to do; see `handover history {handover.handover_id}`")
    if st.person(person_id).org_id != handover.to_org:
        raise _refuse(NOT_RECEIVING_PARTY, person_id,
                      f"{st.label(person_id)} is not of the receiving party "
                      f"{st.label(handover.to_org)} and cannot confirm {handover.handover_id}",
                      f"確認は受領側（{st.name(handover.to_org)}）が行います",
                      f"run it as {handover.to_person}")
