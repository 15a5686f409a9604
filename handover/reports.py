"""Where everything is: status per case, the custody chain of one item, and overrides.

Reports read the projection for the present and the ledger itself for the past: `history`
reads each entry that concerns the item from the ledger (the projection only indexes which
ones), so what it shows is what the auditor's verification covers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ledger
from handover import events as ev
from handover import ids, projection
from handover.errors import NotFound, lifted
from handover.journal import JST, Journal, require_actor
from handover.labelling import kind_label
from handover.state import Row, State, overrides_of

_METHOD_TEXT = {ev.HAND: "by hand", ev.REGISTERED_MAIL: "by registered mail", ev.LGWAN: "over LGWAN"}


def _where(st: State, item: Row) -> dict[str, Any]:
    return {
        "cabinet_id": item.cabinet_id, "cabinet": st.name(item.cabinet_id) if item.cabinet_id else None,
        "holder_person_id": item.holder_person,
        "holder_person": st.name(item.holder_person) if item.holder_person else None,
        "holder_org_id": item.holder_org, "holder_org": st.name(item.holder_org),
        "since": item.since,
    }


def _item_json(st: State, item: Row, case: Row, today: dt.date) -> dict[str, Any]:
    out = not st.is_ward(item.holder_org)
    overdue = out and item.kind != ev.ENVELOPES and today > dt.date.fromisoformat(case.period_end)
    return {"item_id": item.item_id, "kind": item.kind, "kind_label": kind_label(item),
            "package_id": item.package_id, "count": item.count, **_where(st, item),
            "out": out, "overdue": overdue,
            "return_due": case.period_end if out and item.kind != ev.ENVELOPES else None,
            "last_handover": item.last_handover}


def where_text(item: dict) -> str:
    """One line: where an item is and since when (for the CLI)."""
    holder = f"{item['holder_person']} ({item['holder_org']})" if item["holder_person"] \
        else item["holder_org"]
    place = f"in {item['cabinet']} ({item['cabinet_id']}) of {item['holder_org']}" \
        if item["cabinet_id"] else f"held by {holder}"
    return f"{place} since {item['since']}"


def status(journal: Journal, case_id: str | None = None) -> dict[str, Any]:
    """For each case: every medium, notice and envelope batch, where it is, who holds it,
    since when; overdue returns, unconfirmed handovers and overrides."""
    now = journal.now()
    with journal.reading() as st:
        if case_id is not None:
            case_rows = [st.case(ids.parse_id(case_id, "case"))]
        else:
            case_rows = st.list(projection.cases)
        cases = []
        for case in case_rows:
            items = [_item_json(st, i, case, now.date()) for i in st.items(case_id=case.case_id)]
            handovers = st.handovers(case.case_id)
            cases.append({
                "case_id": case.case_id, "name": case.name, "status": case.status,
                "period_start": case.period_start, "period_end": case.period_end,
                "contractors": [{"org_id": o, "name": st.name(o)} for o in st.case_orgs(case.case_id)],
                "roster": [{"person_id": r.person_id, "name": st.name(r.person_id), "role": r.role}
                           for r in st.roster(case.case_id)],
                "items": items,
                "out": [i["item_id"] for i in items if i["out"] and i["kind"] != ev.ENVELOPES],
                "overdue": [i["item_id"] for i in items if i["overdue"]],
                "unconfirmed_handovers": [h.handover_id for h in handovers if h.confirmed_by is None],
                "overrides": [_override_json(st, h) for h in handovers if h.override_reason]
                + _closing_overrides(st, case),
            })
    return {"as_of": now.isoformat(), "cases": cases}


def _override_json(st: State, h: Row) -> dict[str, Any]:
    return {"handover_id": h.handover_id, "occurred_at": h.occurred_at,
            "reason": h.override_reason, "recorded_by": h.recorded_by,
            "recorded_by_name": st.name(h.recorded_by), "rules": overrides_of(h)}


def _closing_overrides(st: State, case: Row) -> list[dict[str, Any]]:
    """A case closed although items were still out or handovers unconfirmed: the reason
    recorded, and the rules it overrode."""
    closing = st.closing_override(case.case_id)
    if closing is None:
        return []
    return [{"handover_id": None, "case_id": case.case_id, "occurred_at": closing.closed_at,
             "reason": closing.reason, "recorded_by": closing.recorded_by,
             "recorded_by_name": st.name(closing.recorded_by), "rules": overrides_of(closing)}]


def overrides(journal: Journal) -> list[dict[str, Any]]:
    """Every handover recorded with an override reason, and every case closed with items
    still out, for audit reports."""
    with journal.reading() as st:
        found = [dict(_override_json(st, h), case_id=h.case_id)
                 for h in st.handovers() if h.override_reason]
        for case in st.list(projection.cases):
            found += _closing_overrides(st, case)
        return found


def require_person(journal: Journal, person_id: str) -> None:
    """A reader who names themselves must be registered."""
    with journal.reading() as st:
        require_actor(st, person_id)


# --- history ---------------------------------------------------------------------------------

def _summary(st: State, entry: ledger.Entry) -> str:
    match ev.decode(entry):
        case ev.PackageSealed() as e:
            return (f"package sealed on {st.label(e.workstation_id)}: {e.record_count} "
                    f"records in {e.file_count} file(s), sha256 {e.sha256}")
        case ev.MediumRegistered() as e:
            return f"{ev.MEDIUM_KINDS.get(e.medium_kind, e.medium_kind)} {e.medium_id} " \
                   f"registered for package {e.package_id}"
        case ev.NoticeIssued() as e:
            return f"password notice {e.notice_id} issued for {e.package_id} " \
                   f"by {st.label(e.issued_by)}"
        case ev.ItemStored() as e:
            return f"{e.item_id} stored in {st.label(e.cabinet_id)}"
        case ev.HandoverRecorded() as e:
            courier = f", courier {st.label(e.courier)}" if e.courier else ""
            override = f"; override: {e.override_reason}" if e.override_reason else ""
            return (f"{e.moment} {e.handover_id} at {e.occurred_at}: "
                    f"{st.label(e.from_person)} of {st.name(e.from_org)} → "
                    f"{st.label(e.to_person)} of {st.name(e.to_org)}, "
                    f"{_METHOD_TEXT.get(e.method, e.method)}{courier}{override}")
        case ev.HandoverConfirmed() as e:
            cond = f": {e.condition}" if e.condition else ""
            return f"{e.handover_id} confirmed by {st.label(e.confirmed_by)}{cond}"
        case ev.CaseOpened() as e:
            return f"case opened: {e.name} ({e.period_start} to {e.period_end})"
        case ev.RosterChanged() as e:
            added = ", ".join(st.label(m["person_id"]) for m in e.added) or "-"
            removed = ", ".join(st.label(r) for r in e.removed) or "-"
            return f"roster changed: added {added}; removed {removed}"
        case ev.CaseClosed() as e:
            return f"case closed: {e.reason or '-'}"
        case ev.WorkstationAuthorised() as e:
            return f"workstation {st.label(e.workstation_id)} designated for {e.case_id}"
    return entry.kind


def history(journal: Journal, any_id: str) -> dict[str, Any]:
    """The whole custody chain of one item (or package, case, cabinet, person, handover)."""
    subject = ids.parse_id(any_id)
    with journal.reading() as st:
        indexes = st.subject_entries(subject)
        if not indexes:
            kind = ids.KINDS[subject[0]]
            raise NotFound(f"nothing is recorded about {subject} / {subject} の記録はありません",
                           f"check the {kind.en} ID on the label")
        entries = []
        with lifted():
            for index in indexes:
                e = ledger.read_entry(st.conn, journal.log, index)
                entries.append({"index": e.index, "time": e.time, "kind": e.kind,
                                "actor": e.actor, "actor_name": st.name(e.actor),
                                "origin": e.payload.get("origin"), "summary": _summary(st, e)})
        item = st.find_item(subject)
        current = None
        if item is not None:
            case = st.case(item.case_id)
            current = _item_json(st, item, case, journal.now().astimezone(JST).date())
        return {"id": subject, "kind": ids.KINDS[subject[0]].en, "current": current,
                "entries": entries}
