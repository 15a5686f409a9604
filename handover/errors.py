"""The project's one base error, and the lifting of lower-layer errors into it.

crypto/ and ledger/ stand alone and have base errors of their own; the domain layer
lifts them into `HandoverError` so the CLI catches one class, once.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from crypto.errors import AuthenticationError, CryptoError
from ledger.errors import LedgerError, VerificationError

# Exit codes, decided here and applied only at the CLI's edge.
EXIT_FAILURE = 1
EXIT_USAGE = 2          # click's own code for bad usage
EXIT_VERIFY_FAILED = 3  # tampering, forgery, failed authentication
EXIT_REFUSED = 4        # a custody rule refused the action


class HandoverError(Exception):
    exit_code = EXIT_FAILURE

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotFound(HandoverError):
    """An ID or name that is not registered."""


class VerificationFailed(HandoverError):
    """Something that must verify did not: a log, a proof, a package, a label."""
    exit_code = EXIT_VERIFY_FAILED

    def __init__(self, message: str, hint: str | None = None, *,
                 failure: str | None = None, index: int | None = None):
        super().__init__(message, hint)
        self.failure = failure
        self.index = index


class PolicyViolation(HandoverError):
    """A custody rule refused an action. Names the rule and the item."""
    exit_code = EXIT_REFUSED

    def __init__(self, rule: str, item: str, message: str, hint: str | None = None):
        super().__init__(f"{message} [rule: {rule}; item: {item}]", hint)
        self.rule = rule
        self.item = item


@contextmanager
def lifted() -> Iterator[None]:
    """Re-raise crypto and ledger errors as HandoverError, keeping message and hint."""
    try:
        yield
    except VerificationError as e:
        raise VerificationFailed(e.message, e.hint, failure=e.failure, index=e.index) from e
    except LedgerError as e:
        raise HandoverError(e.message, e.hint) from e
    except AuthenticationError as e:
        raise VerificationFailed(e.message, e.hint, failure="authentication") from e
    except CryptoError as e:
        raise HandoverError(e.message, e.hint) from e
