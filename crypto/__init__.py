"""Encrypted export packages and human-typable generated passwords. Knows nothing of databases.

The format is specified in docs/package-format.md; this package is its reference
implementation. Everything not re-exported here is private (crockford is public as a module).
"""
# The names below are imported on first use (PEP 562), so that a command which needs one
# module does not pay for all of them at start-up (docs/PERFORMANCE.md, cold start).

from __future__ import annotations

import importlib

_EXPORTS = {
    "crypto.errors": ("AuthenticationError", "CryptoError", "FormatError", "MediaTooSmall",
                      "OutputExists", "PackageDamaged", "PasswordTypo", "UnsupportedVersion",
                      "WrongPassword"),
    "crypto.kdf": ('DEFAULT_KDF', 'FLOOR_KDF', 'KdfParams', 'SuspiciousKdf', 'calibrate',
                   'check_calibrated'),
    "crypto.manifest": ('FileEntry', 'Manifest'),
    "crypto.media": ('COUNTERS', 'LABELS', 'MEDIA', 'check_fits'),
    "crypto.crockford": ('crockford',),
    "crypto.opening": ('PublicHeader', 'inspect_package', 'open_package', 'verify_package'),
    "crypto.package": ('SealedPackage', 'StagedPackage', 'StreamSource', 'seal_package',
                       'seal_staged'),
    "crypto.passwords": ('Password', 'generate_password', 'parse_password'),
    "crypto.placement": ('CrashedPartRemoved', 'StagedFile', 'stage_bytes', 'sweep_stale_parts'),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "AuthenticationError", "CryptoError", "FormatError", "MediaTooSmall", "OutputExists",
    "PackageDamaged", "PasswordTypo", "UnsupportedVersion", "WrongPassword",
    "DEFAULT_KDF", "FLOOR_KDF", "KdfParams", "SuspiciousKdf", "calibrate", "check_calibrated",
    "FileEntry", "Manifest",
    "MEDIA", "LABELS", "COUNTERS", "check_fits",
    "PublicHeader", "inspect_package", "open_package", "verify_package",
    "SealedPackage", "StagedPackage", "StreamSource", "seal_package", "seal_staged",
    "CrashedPartRemoved", "StagedFile", "stage_bytes", "sweep_stale_parts",
    "Password", "generate_password", "parse_password",
    "crockford",  # IDs and check characters, shared with handover.ids
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
