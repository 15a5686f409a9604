"""Reading the projection a page at a time, for pages a person opens: the cases a person works
on and what waits for them there (the dashboard), one case's items by state and kind and its
handovers. Counts are aggregate queries and lists are LIMIT/OFFSET slices, so the cost follows
the page shown, not the size of the ward (docs/PERFORMANCE.md, issue 14).

Every query is scoped to one person's cases (`my_cases`): a contractor's person works on the
cases whose roster (取扱者名簿) names them; ward staff are on no roster, and work on the open
cases their own section opened.
"""

from __future__ import annotations

import sqlalchemy as sa

from handover.model import events as ev
from handover.model import tables as p
from handover.model.state import Row, State

# Where an item is, as one word: with a contractor (持出中), in a ward cabinet (保管中), back
# at the ward after having been out (返却済), or at the ward and never provided (区で保有).
OUT, STORED, RETURNED, AT_WARD = "out", "stored", "returned", "at_ward"
ITEM_STATES = (OUT, STORED, RETURNED, AT_WARD)
ITEM_KINDS = (ev.MEDIUM, ev.NOTICE, ev.ENVELOPES)

_i, _o, _c = p.items, p.organisations, p.cases
_holder = sa.and_(_o.c.log == _i.c.log, _o.c.org_id == _i.c.holder_org)
ITEM_STATE = sa.case(
    (_o.c.kind != ev.WARD, OUT),
    (_i.c.cabinet_id.is_not(None), STORED),
    (_i.c.ever_provided, RETURNED),
    else_=AT_WARD)
# An item out that is due back at the end of the contract: not envelopes (delivered to
# residents) and not an LGWAN file (erased, never returned: 004 受託事業者 10).
_RETURNABLE = sa.and_(_o.c.kind != ev.WARD, _i.c.kind != ev.ENVELOPES,
                      sa.or_(_i.c.medium_kind.is_(None), _i.c.medium_kind != ev.LGWAN_FILE))


def my_cases(st: State, me: Row, ward_staff: bool) -> sa.Select:
    """The IDs of the cases `me` works on, as a subquery."""
    if ward_staff:
        return sa.select(_c.c.case_id).where(_c.c.log == st.log, _c.c.ward_org_id == me.org_id,
                                             _c.c.status == "open")
    r = p.roster
    return sa.select(r.c.case_id).where(r.c.log == st.log, r.c.person_id == me.person_id)


def _count(st: State, q: sa.Select) -> int:
    return st.conn.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one()


def case_count(st: State, scope: sa.Select) -> int:
    return _count(st, scope)


def ward_case_count(st: State) -> int:
    return _count(st, sa.select(_c.c.case_id).where(_c.c.log == st.log))


def case_before(st: State, offset: int) -> str | None:
    """The ID of the case just before position `offset` in ID order (None at 0): where a
    page of the whole ward's cases starts, for `status`'s paging by case ID."""
    if offset <= 0:
        return None
    return st.conn.execute(sa.select(_c.c.case_id).where(_c.c.log == st.log)
                           .order_by(_c.c.case_id).offset(offset - 1).limit(1)).scalar()


def cases_page(st: State, scope: sa.Select, offset: int, limit: int) -> list[Row]:
    """The slice of `scope`'s cases shown: open ones first, then by ID."""
    q = sa.select(_c).where(_c.c.log == st.log, _c.c.case_id.in_(scope))
    return st.conn.execute(q.order_by(sa.case((_c.c.status == "open", 0), else_=1), _c.c.case_id)
                           .offset(offset).limit(limit)).all()


def case_counts(st: State, case_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per case: items out (not envelopes), items due back, unconfirmed handovers."""
    out: dict[str, dict[str, int]] = {c: {"out": 0, "returnable": 0, "unconfirmed": 0}
                                      for c in case_ids}
    if not case_ids:
        return out
    for case_id, n_out, n_due in st.conn.execute(
            sa.select(_i.c.case_id,
                      sa.func.count().filter(sa.and_(_o.c.kind != ev.WARD, _i.c.kind != ev.ENVELOPES)),
                      sa.func.count().filter(_RETURNABLE))
            .join(_o, _holder).where(_i.c.log == st.log, _i.c.case_id.in_(case_ids))
            .group_by(_i.c.case_id)):
        out[case_id].update(out=n_out, returnable=n_due)
    h = p.handovers
    for case_id, n in st.conn.execute(
            sa.select(h.c.case_id, sa.func.count()).where(
                h.c.log == st.log, h.c.case_id.in_(case_ids), h.c.confirmed_by.is_(None))
            .group_by(h.c.case_id)):
        out[case_id]["unconfirmed"] = n
    return out


def returns_due(st: State, scope: sa.Select, limit: int) -> tuple[int, list[Row]]:
    """Items out and due back in `scope`'s cases: how many, and the first `limit` (each with
    its case's name and end of contract, `case_name` and `period_end`), earliest due first."""
    q = (sa.select(_i, _c.c.name.label("case_name"), _c.c.period_end)
         .join(_o, _holder).join(_c, sa.and_(_c.c.log == _i.c.log, _c.c.case_id == _i.c.case_id))
         .where(_i.c.log == st.log, _i.c.case_id.in_(scope), _RETURNABLE))
    rows = st.conn.execute(q.order_by(_c.c.period_end, _i.c.item_id).limit(limit)).all()
    return _count(st, q), rows


def unconfirmed_to(st: State, org_id: str, limit: int) -> tuple[int, list[Row]]:
    """Handovers received by `org_id` and not yet confirmed, oldest first."""
    h = p.handovers
    q = sa.select(h).where(h.c.log == st.log, h.c.to_org == org_id, h.c.confirmed_by.is_(None))
    return _count(st, q), st.conn.execute(q.order_by(h.c.entry_index).limit(limit)).all()


def open_incidents(st: State, scope: sa.Select, limit: int) -> tuple[int, list[Row]]:
    t = p.incidents
    q = sa.select(t).where(t.c.log == st.log, t.c.case_id.in_(scope), t.c.status == "open")
    return _count(st, q), st.conn.execute(q.order_by(t.c.entry_index).limit(limit)).all()


def unexplained_print_excess(st: State, scope: sa.Select, limit: int) -> tuple[int, list[Row]]:
    """Print logs beyond the designated count without a reason (004 受託事業者 13)."""
    t = p.print_logs
    q = sa.select(t).where(t.c.log == st.log, t.c.case_id.in_(scope), t.c.excess > 0,
                           t.c.reason.is_(None))
    return _count(st, q), st.conn.execute(q.order_by(t.c.entry_index).limit(limit)).all()


def open_cases_in(st: State, scope: sa.Select) -> list[Row]:
    """The open cases of `scope` (whose inspections are due), by ID."""
    return st.conn.execute(sa.select(_c).where(_c.c.log == st.log, _c.c.case_id.in_(scope),
                                               _c.c.status == "open").order_by(_c.c.case_id)).all()


# --- one case --------------------------------------------------------------------------------

def item_counts(st: State, case_id: str) -> dict[tuple[str, str], int]:
    """How many items of the case are in each (kind, state)."""
    return {(kind, state): n for kind, state, n in st.conn.execute(
        sa.select(_i.c.kind, ITEM_STATE, sa.func.count()).join(_o, _holder)
        .where(_i.c.log == st.log, _i.c.case_id == case_id).group_by(_i.c.kind, ITEM_STATE))}


def items_page(st: State, case_id: str, *, state: str | None, kind: str | None,
               offset: int, limit: int) -> list[Row]:
    """The slice of the case's items shown, in the order they were registered, each with its
    `state`."""
    q = sa.select(_i, ITEM_STATE.label("state")).join(_o, _holder).where(_i.c.log == st.log, _i.c.case_id == case_id)
    if state is not None:
        q = q.where(ITEM_STATE == state)
    if kind is not None:
        q = q.where(_i.c.kind == kind)
    return st.conn.execute(q.order_by(_i.c.entry_index, _i.c.item_id).offset(offset).limit(limit)).all()


def handover_count(st: State, case_id: str) -> int:
    h = p.handovers
    return st.conn.execute(sa.select(sa.func.count()).where(
        h.c.log == st.log, h.c.case_id == case_id)).scalar_one()


def handovers_page(st: State, case_id: str, offset: int, limit: int) -> list[Row]:
    h = p.handovers
    return st.conn.execute(sa.select(h).where(h.c.log == st.log, h.c.case_id == case_id)
                           .order_by(h.c.entry_index).offset(offset).limit(limit)).all()


def open_incident_count(st: State, case_id: str) -> int:
    t = p.incidents
    return st.conn.execute(sa.select(sa.func.count()).where(
        t.c.log == st.log, t.c.case_id == case_id, t.c.status == "open")).scalar_one()


def erasure_count(st: State, case_id: str) -> int:
    t = p.erasures
    return st.conn.execute(sa.select(sa.func.count()).where(
        t.c.log == st.log, t.c.case_id == case_id)).scalar_one()
