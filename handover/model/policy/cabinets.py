"""Locked cabinets: key holders, possession, media and notices kept apart."""

from __future__ import annotations

from handover.model import events as ev
from handover.model.policy.rules import (ALREADY_STORED, ENVELOPE_BATCH, NOT_IN_POSSESSION,
                                         NOT_KEY_HOLDER, SAME_CABINET, refuse)
from handover.model.state import Row, State


def require_tracked(item: Row, doing: str) -> None:
    """Delivered envelope batches are counted, not tracked: they are neither stored in a
    cabinet nor handed on."""
    if item.kind == ev.ENVELOPES:
        raise refuse(ENVELOPE_BATCH, item.item_id,
                      f"{item.item_id} is a batch of delivered envelopes; only media and password "
                      f"notices are {doing}",
                      f"{item.item_id} は封入封緘済み通知書の束です",
                      "name the media (M-…) and password notices (N-…)")


def require_not_in(item: Row, cabinet: Row) -> None:
    if item.cabinet_id == cabinet.cabinet_id:
        raise refuse(ALREADY_STORED, item.item_id,
                      f"{item.item_id} is already in {cabinet.name} ({cabinet.cabinet_id})",
                      f"{item.item_id} は既に{cabinet.name}に保管されています",
                      f"nothing to record; see `handover history {item.item_id}`")


def require_separate_cabinet(st: State, item: Row, cabinet: Row) -> None:
    """Media and their password notice never share a locked cabinet (004 区が行う対策 3)."""
    for other in st.counterparts(item):
        if other.cabinet_id == cabinet.cabinet_id:
            raise refuse(SAME_CABINET, item.item_id,
                          f"{item.item_id} cannot go into {cabinet.name} ({cabinet.cabinet_id}): "
                          f"{other.item_id} of the same package {item.package_id} is already in it",
                          "暗号化媒体とパスワード通知書は別の鍵付キャビネットに保管してください",
                          "choose another locked cabinet")


def require_key_holder(st: State, cabinet: Row, person_id: str, *, taking: str | None = None) -> None:
    """Only a key holder puts an item into a locked cabinet, or takes one out (`taking`)."""
    if person_id not in cabinet.key_holders.split():
        what = f"so cannot take {taking} out of it" if taking else "so cannot store into it"
        raise refuse(NOT_KEY_HOLDER, person_id,
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
        raise refuse(NOT_IN_POSSESSION, item.item_id,
                      f"{item.item_id} is held by {st.label(item.holder_org)}, so it cannot be "
                      f"stored in {cabinet.name} of {st.label(cabinet.org_id)}",
                      f"{item.item_id} は{st.name(item.holder_org)}が保有しています",
                      "record the handover first")
