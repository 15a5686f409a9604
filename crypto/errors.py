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


class PasswordTypo(CryptoError):
    """The typed password fails its check characters: caught before the slow KDF runs.
    `groups` holds the 1-based numbers of the groups that are wrong (empty when the
    length itself is wrong). The message never repeats what was typed."""

    def __init__(self, message: str, hint: str | None = None, *, groups: tuple[int, ...] = ()):
        super().__init__(message, hint)
        self.groups = groups


class FormatError(CryptoError):
    """The input is not a package this tool can read, or asks for something it refuses
    (hostile KDF parameters, unsafe file names, an unknown key slot)."""


class UnsupportedVersion(FormatError):
    def __init__(self, message: str, hint: str | None = None, *, version: int):
        super().__init__(message, hint)
        self.version = version


class WrongPassword(AuthenticationError):
    """The password does not unwrap the file key."""


class PackageDamaged(AuthenticationError):
    """The package is damaged or was tampered with. `part` names where: "header",
    "chunk", "manifest", "truncated" or "trailing"; `chunk` is the 1-based chunk number
    for "chunk" and the number of intact chunks for "truncated"."""

    def __init__(self, message: str, hint: str | None = None, *, part: str,
                 chunk: int | None = None):
        super().__init__(message, hint)
        self.part = part
        self.chunk = chunk


class MediaTooSmall(CryptoError):
    """The package would not fit on the chosen medium. Raised before any work starts."""

    def __init__(self, message: str, hint: str | None = None, *, media: str, size: int,
                 capacity: int):
        super().__init__(message, hint)
        self.media = media
        self.size = size
        self.capacity = capacity


class OutputExists(CryptoError):
    """An output file already exists; packages never overwrite anything."""
