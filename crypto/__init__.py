"""Encrypted export packages and human-typable generated passwords. Knows nothing of databases."""

from crypto.errors import AuthenticationError, CryptoError

__all__ = ["AuthenticationError", "CryptoError"]
