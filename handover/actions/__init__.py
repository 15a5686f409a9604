"""Actions: each records facts through the journal after the policy allowed them. The CLI
(and later the web application) call these, with an actor the edge established."""

from handover.actions.cabinets import store_item
from handover.actions.cases import change_roster, close_case, open_case
from handover.actions.credentials import (NewCredential, PasskeyCounters, PasskeySignIn,
                                          check_assertion_online, credential_list,
                                          enrol_credential, enrol_passkey,
                                          new_passphrase_credential, passkey_registration,
                                          passkey_sign_in, revoke_credential, unlock)
from handover.actions.handovers import (HandoverRecord, HandoverRequest, confirm_handover,
                                        record_handover, reprint)
from handover.actions.incidents import (close_incident, follow_up_incident,
                                        open_overdue_incidents, report_incident)
from handover.actions.lgwan import Received, Sent, receive_by_hash, receive_file, send_file
from handover.actions.erasures import check_erasure, receive_certificate, record_erasure
from handover.actions.inspections import (Inspected, parse_findings, print_inspection,
                                          record_inspection)
from handover.actions.ledger_admin import (create_signing_key, rebuild, rotate_signing_key,
                                           sign_checkpoint)
from handover.actions.registry import (Bootstrapped, authorise_workstation, bootstrap,
                                       change_key_holders, register_cabinet, register_org,
                                       register_person, register_workstation)
from handover.actions.print_logs import (PrintLogImport, explain_print_excess,
                                         import_print_log, set_print_allowance)
from handover.actions.remarks import record_remark
from handover.actions.scanning_station import (Station, confirm_scanned, open_station,
                                               record_scanned, scan_images)
from handover.actions.sealing import (HeldSeal, Sealed, check_may_seal, hold_seal, record_seal,
                                      seal_extract, seal_report)
from handover.actions.witnessing import cosign, create_witness_key
from handover.actions.visit_lists import SplitLists, split_visit_list
from handover.actions.visit_rounds import (Closed, Returned, close_visit_round,
                                           return_visit_lists, start_visit_round)
from handover.label_codes import create_key as create_label_key
from handover.scanners import read_scans

__all__ = [
    "Bootstrapped", "HandoverRecord", "HandoverRequest", "Inspected", "NewCredential",
    "HeldSeal", "PasskeyCounters", "PasskeySignIn", "PrintLogImport", "Received", "Sealed", "Sent", "SplitLists", "Station",
    "authorise_workstation", "bootstrap", "change_key_holders", "change_roster",
    "check_erasure", "close_case", "close_incident", "credential_list", "enrol_credential",
    "enrol_passkey", "explain_print_excess", "follow_up_incident", "import_print_log",
    "new_passphrase_credential", "open_overdue_incidents", "parse_findings", "passkey_registration",
    "passkey_sign_in", "check_assertion_online",
    "print_inspection", "receive_by_hash", "receive_certificate", "receive_file", "record_erasure",
    "record_inspection", "report_incident", "revoke_credential", "send_file",
    "set_print_allowance", "split_visit_list", "unlock",
    "confirm_handover", "confirm_scanned", "cosign", "create_label_key", "create_signing_key",
    "create_witness_key",
    "open_case", "open_station", "read_scans", "rebuild", "record_handover", "record_remark",
    "record_scanned", "register_cabinet", "register_org", "register_person",
    "register_workstation", "reprint", "rotate_signing_key", "scan_images", "check_may_seal", "hold_seal",
    "record_seal", "seal_extract", "seal_report", "sign_checkpoint",
    "store_item", "Closed", "Returned", "close_visit_round", "return_visit_lists",
    "start_visit_round",
]
