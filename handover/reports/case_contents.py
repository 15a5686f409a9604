"""One case's page, a page at a time: how many items are where (per kind and state, one
aggregate query), one page of its items filtered by state and kind, one page of its handovers,
and the counts its links show. The case sheet (roster, workstations) and the timeline come
from their own reports."""

from __future__ import annotations

from typing import Any

from handover import ids
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model import pages
from handover.model.journal import Journal
from handover.reports.case_status import item_json
from handover.reports.handover_sheets import handover_json
from handover.reports.label_sheets import KIND_LABELS
from handover.reports.paging import page_of
from handover.reports.visit_lists import visit_list_json

ITEMS_PER_PAGE = 100
HANDOVERS_PER_PAGE = 50
STATE_LABELS = {pages.OUT: "持出中", pages.STORED: "保管中", pages.RETURNED: "返却済",
                pages.AT_WARD: "区で保有"}
KIND_NAMES = {ev.MEDIUM: "媒体", ev.NOTICE: KIND_LABELS[ev.NOTICE],
              ev.ENVELOPES: KIND_LABELS[ev.ENVELOPES]}


def _choice(value: str | None, allowed: dict[str, str], what: str, ja: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise HandoverError(
            f"{what} {value!r} is not one of {', '.join(allowed)} / {ja}「{value}」はありません",
            f"{ja}は次から選んでください：{'、'.join(allowed.values())}")
    return value


def case_page(journal: Journal, case_id: str, *, state: str | None = None,
              kind: str | None = None, page: str | int | None = None,
              handover_page: str | int | None = None) -> dict[str, Any]:
    case_id = ids.parse_id(case_id, "case")
    state = _choice(state, STATE_LABELS, "item state", "状態")
    kind = _choice(kind, KIND_NAMES, "item kind", "種類")
    today = journal.now().date()
    with journal.reading() as st:
        case = st.case(case_id)
        counts = pages.item_counts(st, case_id)
        summary = [{"kind": k, "kind_label": KIND_NAMES[k],
                    **{s: counts.get((k, s), 0) for s in pages.ITEM_STATES},
                    "total": sum(counts.get((k, s), 0) for s in pages.ITEM_STATES)}
                   for k in pages.ITEM_KINDS if any(counts.get((k, s)) for s in pages.ITEM_STATES)]
        matching = sum(n for (k, s), n in counts.items()
                       if (kind is None or k == kind) and (state is None or s == state))
        items_shown = page_of(matching, page, ITEMS_PER_PAGE)
        items = [dict(item_json(st, row, case, today), state=row.state,
                      state_label=STATE_LABELS[row.state])
                 for row in pages.items_page(st, case_id, state=state, kind=kind,
                                             offset=items_shown.offset, limit=items_shown.size)]
        handovers_shown = page_of(pages.handover_count(st, case_id), handover_page,
                                  HANDOVERS_PER_PAGE)
        handovers = [handover_json(st, h, items=False) for h in pages.handovers_page(
            st, case_id, handovers_shown.offset, handovers_shown.size)]
        return {
            "case_id": case_id, "as_of": journal.now().isoformat(),
            "summary": summary, "total_items": sum(counts.values()),
            "filter": {"state": state, "kind": kind},
            "items": items, "items_page": items_shown.json(),
            "handovers": handovers, "handovers_page": handovers_shown.json(),
            "open_incidents": pages.open_incident_count(st, case_id),
            "erasure_certificates": pages.erasure_count(st, case_id),
            "visit_lists": [visit_list_json(st, r) for r in st.visit_lists(case_id)],
        }
