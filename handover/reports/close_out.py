"""What still stands between an open case and its closing, in Japanese: the close-out gate's
refusals as it would give them today (policy.unmet_close_out), each with its rule's title.
The case's closing page shows them beside the button (web/routes/closing.py)."""

from __future__ import annotations

from typing import Any

from handover import ids
from handover.model import policy
from handover.model.journal import Journal


def unmet_close_out(journal: Journal, case_id: str) -> list[dict[str, Any]]:
    """Every unmet close-out condition of an open case (none for a closed one): the rule, its
    Japanese title, the item it concerns and the message's Japanese half."""
    case_id = ids.parse_id(case_id, "case")
    with journal.reading() as st:
        case = st.case(case_id)
        if case.status != "open":
            return []
        return [{"rule": v.rule, "title": policy.RULE_TITLES_JA.get(v.rule, v.rule),
                 "item": v.item, "message": v.message.split(" [rule:")[0].split(" / ")[-1]}
                for v in policy.unmet_close_out(st, case)]
