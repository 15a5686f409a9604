"""Encrypted export packages and human-typable generated passwords. Knows nothing of databases.

The format is specified in docs/package-format.md; this package is its reference
implementation. Everything not re-exported here is private (crockford is public as a module).
"""

from crypto.errors import (AuthenticationError, CryptoError, FormatError, MediaTooSmall,
                           OutputExists, PackageDamaged, PasswordTypo, UnsupportedVersion,
                           WrongPassword)
from crypto.kdf import DEFAULT_KDF, KdfParams, SuspiciousKdf
from crypto.manifest import FileEntry, Manifest
from crypto.media import COUNTERS, LABELS, MEDIA, check_fits
from crypto import crockford
from crypto.opening import PublicHeader, inspect_package, open_package, verify_package
from crypto.package import SealedPackage, StagedPackage, seal_package, seal_staged
from crypto.passwords import Password, generate_password, parse_password
from crypto.placement import CrashedPartRemoved, StagedFile, stage_bytes, sweep_stale_parts

__all__ = [
    "AuthenticationError", "CryptoError", "FormatError", "MediaTooSmall", "OutputExists",
    "PackageDamaged", "PasswordTypo", "UnsupportedVersion", "WrongPassword",
    "DEFAULT_KDF", "KdfParams", "SuspiciousKdf",
    "FileEntry", "Manifest",
    "MEDIA", "LABELS", "COUNTERS", "check_fits",
    "PublicHeader", "inspect_package", "open_package", "verify_package",
    "SealedPackage", "StagedPackage", "seal_package", "seal_staged",
    "CrashedPartRemoved", "StagedFile", "stage_bytes", "sweep_stale_parts",
    "Password", "generate_password", "parse_password",
    "crockford",  # IDs and check characters, shared with handover.ids
]
