"""Errors raised by the ledger. Verification failures carry the first bad index."""

from __future__ import annotations


class LedgerError(Exception):
    """Base class for ledger errors: a message for people and an optional hint."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class EncodingError(LedgerError):
    """A payload that has no canonical encoding (a float, a set, a non-string key…)."""


class VerificationError(LedgerError):
    """The log, a checkpoint or a proof does not check out.

    `index` is the first bad entry index when one can be named, `failure` a short
    machine-readable kind ("hash-mismatch", "chain-break", "missing-entry", …).
    `expected` and `found` are the values that disagreed (hex for hashes), when there are two.
    """

    def __init__(self, message: str, *, failure: str, index: int | None = None,
                 hint: str | None = None, expected: object = None, found: object = None):
        super().__init__(message, hint)
        self.failure = failure
        self.index = index
        self.expected = expected
        self.found = found
