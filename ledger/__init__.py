"""A tamper-evident, append-only log on SQLAlchemy. Knows nothing of handovers."""

from ledger.errors import EncodingError, LedgerError, VerificationError

__all__ = ["EncodingError", "LedgerError", "VerificationError"]
