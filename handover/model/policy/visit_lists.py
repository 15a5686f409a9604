"""Split visit lists (000 受託事業者 6): neither list alone identifies a person, so no column
of the extract may be on both."""

from __future__ import annotations

from handover.model.policy.rules import COLUMN_ON_BOTH_LISTS, refuse


def require_columns_apart(a_columns: list[str], b_columns: list[str]) -> None:
    both = [c for c in a_columns if c in set(b_columns)]
    if both:
        raise refuse(COLUMN_ON_BOTH_LISTS, ", ".join(both),
                     f"column(s) {', '.join(both)} are assigned to both list A and list B; "
                     "only the pairing code is on both",
                     f"項目「{'」「'.join(both)}」がリストAとリストBの両方に割り当てられています",
                     "assign each column to one list only (--a / --b or the [lists] "
                     "configuration)")
