"""A tamper-evident, append-only log on SQLAlchemy. Knows nothing of handovers.

Entries are chained by hash and are the leaves of an RFC 6962 Merkle tree; signed C2SP
checkpoints leave the database so deletion or rewriting is caught. See docs/ledger-format.md.
"""
# The names below are imported on first use (PEP 562), so that a command which needs one
# module does not pay for all of them at start-up (docs/PERFORMANCE.md, cold start).

from __future__ import annotations

import importlib

_EXPORTS = {
    "ledger.checkpoints": ("SignedCheckpoint", "open_checkpoint", "origin_for", "stored_checkpoints",
                           "take_checkpoint"),
    "ledger.encoding": ("Entry", "canonical_json", "canonical_json_fast", "decode_entry"),
    "ledger.errors": ("EncodingError", "LedgerError", "VerificationError"),
    "ledger.keys": ("generate_key", "load_signer", "load_verifiers"),
    "ledger.log": ("Log", "append", "list_logs", "log_size", "read_entries", "read_entry",
                   "write_connection", "writer"),
    "ledger.proofs": ("ProofResult", "export_consistency_proof", "export_inclusion_bundle",
                      "export_inclusion_proof",
                      "verify_proof"),
    "ledger.replay": ("Problem",),
    "ledger.rotation": ("ROTATION_KIND", "current_key_id", "rotate_key"),
    "ledger.schema": ("create_engine", "create_schema"),
    "ledger.verify": ("VerifyReport", "verify_log"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "ROTATION_KIND", "EncodingError", "Entry", "LedgerError", "Log", "Problem", "ProofResult", "SignedCheckpoint",
    "VerificationError", "VerifyReport", "append", "canonical_json", "create_engine",
    "create_schema", "canonical_json_fast", "current_key_id", "decode_entry", "export_consistency_proof", "export_inclusion_bundle", "export_inclusion_proof",
    "generate_key", "list_logs", "load_signer", "load_verifiers",
    "log_size", "open_checkpoint", "origin_for", "read_entries", "read_entry", "rotate_key", "stored_checkpoints", "take_checkpoint",
    "verify_log", "verify_proof", "write_connection", "writer",
]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = importlib.import_module(module)
    value = found if module == f"{__name__}.{name}" else getattr(found, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
