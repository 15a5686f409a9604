"""Encrypted export packages and human-typable generated passwords. Knows nothing of databases.

The format is specified in docs/package-format.md; this package is its reference
implementation. Everything not re-exported here is private.
"""

from crypto.errors import (AuthenticationError, CryptoError, FormatError, MediaTooSmall,
                           OutputExists, PackageDamaged, PasswordTypo, UnsupportedVersion,
                           WrongPassword)
from crypto.kdf import DEFAULT_KDF, KdfParams
from crypto.manifest import FileEntry, Manifest
from crypto.media import MEDIA, check_fits
from crypto.package import (PublicHeader, SealedPackage, inspect_package, open_package,
                            seal_package, verify_package)
from crypto.passwords import Password, generate_password, parse_password

__all__ = [
    "AuthenticationError", "CryptoError", "FormatError", "MediaTooSmall", "OutputExists",
    "PackageDamaged", "PasswordTypo", "UnsupportedVersion", "WrongPassword",
    "DEFAULT_KDF", "KdfParams",
    "FileEntry", "Manifest",
    "MEDIA", "check_fits",
    "PublicHeader", "SealedPackage", "inspect_package", "open_package", "seal_package",
    "verify_package",
    "Password", "generate_password", "parse_password",
]
