"""Whether each contractor and sub-contractor of a case was inspected this fiscal year
(立入調査, 年度当たり1回以上: 000 特記事項 19, 004 特記事項 16).

For every fiscal year (April-March) of the contract period that has begun, each organisation
of the case is `done` (an inspection dated in that year), `due` (not yet, and that year's
deadline has not passed) or `overdue`. The deadline is the earlier of 31 March and the end of
the contract period: a contract ending in June is inspected by June.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handover.clock import fiscal_year, fiscal_year_bounds
from handover.documents.wareki import format_fiscal_year
from handover.model.state import Row

DONE, DUE, OVERDUE = "done", "due", "overdue"


def _years(case: Row, today: dt.date) -> list[int]:
    start, end = dt.date.fromisoformat(case.period_start), dt.date.fromisoformat(case.period_end)
    last = fiscal_year(min(end, today))
    return list(range(fiscal_year(start), last + 1)) if today >= start else []


def inspection_status(case: Row, orgs: list[str], inspections: list[Row], today: dt.date,
                      names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per organisation and fiscal year of the case, oldest year first; the last
    year listed is this fiscal year (or the contract's last, once it has ended)."""
    end = dt.date.fromisoformat(case.period_end)
    out = []
    for year in _years(case, today):
        deadline = min(fiscal_year_bounds(year)[1], end)
        for org in orgs:
            done = [v for v in inspections if v.org_id == org and v.fiscal_year == year]
            state = DONE if done else (OVERDUE if today > deadline else DUE)
            out.append({"org_id": org, "org": names.get(org, org), "fiscal_year": year,
                        "fiscal_year_label": format_fiscal_year(year), "status": state,
                        "due_by": deadline.isoformat(),
                        "inspections": [{"inspection_id": v.inspection_id,
                                         "inspected_on": v.inspected_on} for v in done]})
    return out
