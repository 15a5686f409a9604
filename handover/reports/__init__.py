"""Reports: what the projection and the ledger say, for people (status, history, overrides,
the registry), for paper (確認書, label sheets) and for auditors (verification, proofs)."""

from handover.reports.case_sheet import case_sheet
from handover.reports.case_status import overrides, require_person, status, where_text
from handover.reports.item_history import history
from handover.reports.label_sheets import FORMATS as LABEL_FORMATS
from handover.reports.label_sheets import print_labels
from handover.reports.registered import list_registry
from handover.reports.verification import (check_paper, check_proof, export_proof, require_ok,
                                           show_entries, verify)

__all__ = [
    "LABEL_FORMATS", "case_sheet", "check_paper", "check_proof", "export_proof", "history", "list_registry", "overrides",
    "print_labels", "require_ok", "require_person", "show_entries", "status", "verify",
    "where_text",
]
