"""Errors raised by crypto/. Misuse gets a full sentence; authentication failures are specific
about what failed (header, chunk N, password) but never echo secret material."""

from __future__ import annotations


class CryptoError(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class AuthenticationError(CryptoError):
    """Data failed authentication: wrong password, damaged or tampered package."""
