"""Rule names, how a refusal is worded, and the overrides a recorded reason lets through."""

from __future__ import annotations

from typing import Callable

from handover.errors import PolicyViolation

# Rule identifiers, as printed in refusals and recorded with overrides.
NOT_ON_ROSTER = "not-on-roster"
ROLE_REQUIRED = "role-required"
CASE_CLOSED = "case-closed"
WORKSTATION_NOT_REGISTERED = "workstation-not-registered"
SAME_CABINET = "same-cabinet"
NOT_IN_POSSESSION = "not-in-possession"
NOT_KEY_HOLDER = "not-key-holder"
SEPARATE_OCCASIONS = "separate-occasions"
SAME_RECIPIENT_INTERVAL = "same-recipient-interval"
SAME_COURIER = "same-courier"
ALREADY_OUT = "already-out"
NEVER_PROVIDED = "never-provided"
ALREADY_RETURNED = "already-returned"
NOT_HOLDER = "not-holder"
WRONG_CASE = "wrong-case"
WRONG_DIRECTION = "wrong-direction"
METHOD_MISMATCH = "method-mismatch"
ENVELOPES_EXCEED_RECORDS = "envelopes-exceed-records"
NOT_RECEIVING_PARTY = "not-receiving-party"
ALREADY_CONFIRMED = "already-confirmed"
ITEMS_OUTSTANDING = "items-outstanding"
OUT_OF_ORDER = "out-of-order"
NOT_YET_HAPPENED = "not-yet-happened"
UNCONFIRMED_HANDOVERS = "unconfirmed-handovers"
SEPARATE_LOCATIONS = "separate-locations"
ENVELOPE_BATCH = "envelope-batch"
ALREADY_STORED = "already-stored"
NOT_A_CONTRACTOR = "not-a-contractor"
RESPONSIBLE_REQUIRED = "responsible-required"
ALREADY_INITIALISED = "already-initialised"
ALREADY_REGISTERED = "already-registered"
ROLE_MISMATCH = "role-mismatch"
KEY_HOLDER_ELSEWHERE = "key-holder-elsewhere"
# Person-bound signatures (issue 12, policy/signatures.py).
SIGNATURE_REQUIRED = "signature-required"
CREDENTIAL_OF_ANOTHER = "credential-of-another-person"
CREDENTIAL_NOT_REGISTERED = "credential-not-registered"
CREDENTIAL_REVOKED = "credential-revoked"
SIGNATURE_INVALID = "signature-invalid"
PROOF_OF_POSSESSION = "proof-of-possession"
# Two-phase acts signed with a passkey (model/prepared.py): what was signed is what is recorded.
SIGNED_ACT_STALE = "signed-act-stale"
INCIDENT_CLOSED = "incident-closed"
INCIDENTS_OPEN = "incidents-open"
LGWAN_SEND_REQUIRED = "lgwan-send-required"
LGWAN_NOT_RETURNED = "lgwan-not-returned"
FILE_NOT_PACKAGE = "file-not-package"
ERASURE_OTHER_ORG = "erasure-other-org"
VERIFIER_NOT_RESPONSIBLE = "verifier-not-responsible"
CERTIFICATE_ALREADY_RECEIVED = "certificate-already-received"
CERTIFICATE_NOT_RECEIVED = "certificate-not-received"
LGWAN_FILE_NOT_ERASED = "lgwan-file-not-erased"
ERASURE_CERTIFICATE_MISSING = "erasure-certificate-missing"
PRINT_ALLOWANCE_MISSING = "print-allowance-missing"
NO_EXCESS = "no-excess"
ALREADY_EXPLAINED = "already-explained"
COLUMN_ON_BOTH_LISTS = "column-on-both-lists"
# Visit rounds and the 授受簿 (000 受託事業者 4, 6; policy/visit_rounds.py).
VISITOR_PAIR = "visitor-pair"
HALVES_TO_ONE_VISITOR = "halves-to-one-visitor"
LIST_TO_VISITOR = "list-to-visitor"
LIST_COUNT = "list-count"
LIST_ALREADY_ISSUED = "list-already-issued"
LIST_MISSING = "list-missing"
LIST_NOT_OUT = "list-not-out"
ROUND_CLOSED = "round-closed"
LISTS_OUT = "lists-out"
VISIT_DATE = "visit-date"
VISIT_ROUNDS_OPEN = "visit-rounds-open"
NOT_ON_CASE = "not-on-case"
INSPECTION_DATE = "inspection-date"
FOLLOW_UP_REQUIRED = "follow-up-required"
REPORT_BY_HAND = "report-by-hand"
REPORT_MOMENT = "report-moment"
REPORT_BY_CONTRACTOR = "report-by-contractor"

OVERRIDABLE = frozenset({SAME_RECIPIENT_INTERVAL, SAME_COURIER, ENVELOPES_EXCEED_RECORDS,
                         ITEMS_OUTSTANDING, UNCONFIRMED_HANDOVERS, INCIDENTS_OPEN,
                         LGWAN_FILE_NOT_ERASED, ERASURE_CERTIFICATE_MISSING, VISIT_ROUNDS_OPEN})
_OVERRIDE_HINT = ("if this is deliberate, record why with --override-reason TEXT; the reason is "
                  "printed on the 確認書 and in audit reports / 例外とする場合は理由を記録してください")


def refuse(rule: str, item: str, en: str, ja: str, hint: str | None = None) -> PolicyViolation:
    if hint is None and rule in OVERRIDABLE:
        hint = _OVERRIDE_HINT
    return PolicyViolation(rule, item, f"{en} / {ja}", hint)


class Overrides:
    """Collects the overridable violations a recorded reason lets through."""

    def __init__(self, reason: str | None):
        self.reason = reason.strip() if reason and reason.strip() else None
        self.used: list[dict] = []

    def check(self, rule_fn: Callable[..., None], *args) -> None:
        try:
            rule_fn(*args)
        except PolicyViolation as v:
            if v.rule not in OVERRIDABLE or self.reason is None:
                raise
            self.used.append({"rule": v.rule, "item": v.item, "message": v.message})

    def check_all(self, *checks: tuple) -> None:
        """Run every check, each `(rule_fn, *args)`; a refusal names every unmet condition,
        not only the first, so one attempt shows all that is left to do."""
        unmet: list[PolicyViolation] = []
        for rule_fn, *args in checks:
            try:
                self.check(rule_fn, *args)
            except PolicyViolation as v:
                unmet.append(v)
        if len(unmet) == 1:
            raise unmet[0]
        if unmet:
            first = unmet[0]
            rest = "; ".join(v.message for v in unmet[1:])
            raise PolicyViolation(first.rule, first.item,
                                  f"{first.message}; also unmet: {rest}", first.hint)


