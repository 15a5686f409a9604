"""The custody rules, the one place that refuses: each a named function that raises
PolicyViolation naming the rule and the item, in English and Japanese.

The rules come from seeds/004 (REQUIREMENTS.md rules 1-4): media and password notices in
different locked cabinets (区が行う対策 3), handed over on separate occasions (対策 4), only
rostered people handle the data (受託事業者 3), only designated computers write it to media
(システム上の対策 1), and a traceable record at every handover (対策 6). Reports the
contractor seals for the ward follow the same rules, and travel by hand (受託事業者 6).

Some rules may be broken for a reason a person records (`Overrides`): the reason is written
into the entry and printed on the 確認書 and in audit reports. The others may not be broken
at all. Every check reads `State` inside the writer's transaction.
"""
# Imported on first use (PEP 562): the separate-locations rule, which `package seal` checks,
# must not start SQLAlchemy and the State (about 35 MB of a 64 MB budget, issue 15 §4).

from __future__ import annotations

import importlib

_EXPORTS = {
    "handover.model.policy.rules": (
        "NOT_ON_ROSTER", "ROLE_REQUIRED", "CASE_CLOSED", "WORKSTATION_NOT_REGISTERED",
        "SAME_CABINET", "NOT_IN_POSSESSION", "NOT_KEY_HOLDER", "SEPARATE_OCCASIONS",
        "SAME_RECIPIENT_INTERVAL", "SAME_COURIER", "ALREADY_OUT", "NEVER_PROVIDED",
        "ALREADY_RETURNED", "NOT_HOLDER", "WRONG_CASE", "WRONG_DIRECTION",
        "METHOD_MISMATCH", "ENVELOPES_EXCEED_RECORDS", "NOT_RECEIVING_PARTY",
        "ALREADY_CONFIRMED", "ITEMS_OUTSTANDING", "OUT_OF_ORDER", "NOT_YET_HAPPENED",
        "UNCONFIRMED_HANDOVERS", "SEPARATE_LOCATIONS", "ENVELOPE_BATCH",
        "ALREADY_STORED", "NOT_A_CONTRACTOR", "RESPONSIBLE_REQUIRED",
        "ALREADY_INITIALISED", "ALREADY_REGISTERED", "ROLE_MISMATCH",
        "KEY_HOLDER_ELSEWHERE", "SIGNATURE_REQUIRED", "CREDENTIAL_OF_ANOTHER",
        "CREDENTIAL_NOT_REGISTERED", "CREDENTIAL_REVOKED", "SIGNATURE_INVALID",
        "PROOF_OF_POSSESSION", "SIGNED_ACT_STALE", "INCIDENT_CLOSED", "INCIDENTS_OPEN",
        "LGWAN_SEND_REQUIRED", "LGWAN_NOT_RETURNED", "FILE_NOT_PACKAGE",
        "ERASURE_OTHER_ORG", "VERIFIER_NOT_RESPONSIBLE", "CERTIFICATE_ALREADY_RECEIVED",
        "CERTIFICATE_NOT_RECEIVED", "LGWAN_FILE_NOT_ERASED",
        "ERASURE_CERTIFICATE_MISSING", "NOT_ON_CASE", "INSPECTION_DATE",
        "FOLLOW_UP_REQUIRED", "PRINT_ALLOWANCE_MISSING", "NO_EXCESS",
        "ALREADY_EXPLAINED", "COLUMN_ON_BOTH_LISTS", "REPORT_BY_HAND", "REPORT_MOMENT",
        "REPORT_BY_CONTRACTOR", "VISITOR_PAIR", "HALVES_TO_ONE_VISITOR",
        "LIST_TO_VISITOR", "LIST_COUNT", "LIST_ALREADY_ISSUED", "LIST_MISSING",
        "LIST_NOT_OUT", "ROUND_CLOSED", "LISTS_OUT", "VISIT_DATE", "VISIT_ROUNDS_OPEN",
        "OVERRIDABLE", "Overrides", "refuse",
    ),
    "handover.model.policy.people": (
        "require_role", "require_staff", "require_on_roster", "require_empty_log",
        "require_nobody_yet", "require_contractor", "require_roles_fit",
        "require_holders_of", "require_new_host",
    ),
    "handover.model.policy.cases": (
        "require_open_case", "require_case_contractors", "require_member_of",
        "require_rostered", "require_responsible", "require_open",
        "require_workstation", "require_no_items_out", "require_confirmed",
    ),
    "handover.model.policy.cabinets": (
        "require_tracked", "require_not_in", "require_separate_cabinet",
        "require_key_holder", "require_taken_out_by_key_holder", "require_possession",
    ),
    "handover.model.policy.handovers": (
        "require_direction", "require_paper_method", "require_item_of_case",
        "require_method", "require_moment_fits", "require_in_order", "require_happened",
        "require_not_together", "check_interval", "check_courier",
        "require_package_of_case", "check_envelopes", "require_receiving_party",
    ),
    "handover.model.policy.signatures": (
        "require_signer", "require_usable_credential", "require_valid_signature",
        "require_proof", "require_may_revoke", "require_prepared_recently",
        "require_same_count", "require_as_signed", "require_not_overtaken",
    ),
    "handover.model.policy.incidents": (
        "require_incident_open", "require_no_open_incidents",
    ),
    "handover.model.policy.erasures": (
        "require_of_org", "require_contractor_of", "require_verifier",
        "require_receiver", "require_received_by_ward", "require_lgwan_files_erased",
        "require_certificates", "close_out_checks", "unmet_close_out",
    ),
    "handover.model.policy.lgwan": (
        "is_lgwan_file", "require_file_is_package", "require_lgwan_send",
    ),
    "handover.model.policy.print_logs": (
        "require_print_allowance", "require_excess", "require_unexplained",
    ),
    "handover.model.policy.visit_lists": (
        "require_columns_apart",
    ),
    "handover.model.policy.visit_rounds": (
        "require_pair", "require_visit_date", "require_list_of_case",
        "require_issuable", "require_to_visitors", "require_halves_apart",
        "require_count", "require_round_open", "require_out_on", "require_all_back",
        "require_rounds_closed",
    ),
    "handover.model.policy.inspections": (
        "require_inspector", "require_org_of_case", "require_inspection_date",
        "require_follow_ups",
    ),
    "handover.model.policy.reports": (
        "require_report_sealer", "require_report_medium", "require_report_method",
        "require_report_moment",
    ),
    "handover.model.policy.rule_titles": (
        "RULE_TITLES_JA",
    ),
    "handover.model.policy.locations": (
        "require_separate_locations",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        try:  # a submodule used as an attribute (policy.acts)
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
