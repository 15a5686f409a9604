"""Reports: what the projection and the ledger say, for people (status, history, overrides,
the registry), for paper (確認書, label sheets) and for auditors (verification, proofs)."""

from handover.reports.case_sheet import case_sheet
from handover.reports.close_out import unmet_close_out
from handover.reports.case_status import (case_choices, overrides, require_person, status,
                                           ward_cases, where_text)
from handover.reports.enrolment_form import write_enrolment_form
from handover.reports.erasures import list_erasures, print_erasure, show_erasure
from handover.reports.incidents import (list_incidents, open_incidents_json, print_incident,
                                        show_incident)
from handover.reports.item_history import history
from handover.reports.lgwan import list_transfers
from handover.reports.label_sheets import FORMATS as LABEL_FORMATS
from handover.reports.label_sheets import print_labels
from handover.reports.print_logs import print_logs, print_submission
from handover.reports.proof_bundle import write_bundle
from handover.reports.registered import list_registry
from handover.reports.visit_lists import visit_lists
from handover.reports.visit_rounds import print_visit_register, show_round, visit_rounds
from handover.reports.verification import (check_paper, check_proof, export_proof,
                                           projection_differences, replay_rules, require_ok,
                                           require_rules_kept, require_same_projection,
                                           show_entries, verify)

# The auditor's report renders PDFs (reportlab): imported on first use, so `status` and
# `history` start without it (tests/cli/test_cold_start.py).
_LAZY = {"AuditResult": "handover.reports.audit_report",
         "audit_report": "handover.reports.audit_report",
         # the web pages' views of handovers print their items as the 確認書 does
         "case_handovers": "handover.reports.handover_sheets",
         "handover_sheet": "handover.reports.handover_sheets",
         "waiting_for": "handover.reports.dashboard",
         "case_page": "handover.reports.case_contents"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "AuditResult", "LABEL_FORMATS", "audit_report", "case_handovers", "case_page", "case_sheet", "check_paper", "check_proof", "export_proof",
    "handover_sheet", "history", "list_erasures", "list_incidents", "list_registry", "list_transfers", "overrides",
    "print_erasure", "print_incident", "print_labels", "print_logs", "print_submission",
    "projection_differences", "replay_rules", "require_ok", "require_person",
    "require_rules_kept", "require_same_projection", "show_entries", "show_erasure",
    "show_incident", "status", "verify", "visit_lists", "waiting_for", "where_text", "write_bundle",
    "write_enrolment_form", "unmet_close_out", "print_visit_register", "show_round", "visit_rounds",
]
