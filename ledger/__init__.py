"""A tamper-evident, append-only log on SQLAlchemy. Knows nothing of handovers.

Entries are chained by hash and are the leaves of an RFC 6962 Merkle tree; signed C2SP
checkpoints leave the database so deletion or rewriting is caught. See docs/ledger-format.md.
"""

from ledger.checkpoints import SignedCheckpoint, open_checkpoint, origin_for, take_checkpoint
from ledger.encoding import Entry, canonical_json, decode_entry
from ledger.errors import EncodingError, LedgerError, VerificationError
from ledger.keys import generate_key, load_signer, load_verifiers
from ledger.log import (Log, append, list_logs, log_size, read_entries, read_entry,
                        write_connection, writer)
from ledger.proofs import ProofResult, export_consistency_proof, export_inclusion_proof, verify_proof
from ledger.replay import Problem
from ledger.rotation import ROTATION_KIND, current_key_id, rotate_key
from ledger.schema import create_engine, create_schema
from ledger.verify import VerifyReport, verify_log

__all__ = [
    "ROTATION_KIND", "EncodingError", "Entry", "LedgerError", "Log", "Problem", "ProofResult", "SignedCheckpoint",
    "VerificationError", "VerifyReport", "append", "canonical_json", "create_engine",
    "create_schema", "current_key_id", "decode_entry", "export_consistency_proof", "export_inclusion_proof",
    "generate_key", "list_logs", "load_signer", "load_verifiers",
    "log_size", "open_checkpoint", "origin_for", "read_entries", "read_entry", "rotate_key", "take_checkpoint",
    "verify_log", "verify_proof", "write_connection", "writer",
]
