"""The encrypted manifest: what is in the package (docs/package-format.md, "Manifest").

File names are personal data too (a name like 「生活保護受給者一覧.csv」 says a lot), so
they are only ever stored encrypted. The manifest is canonical JSON (sorted keys, no
spaces, UTF-8) sealed with AES-256-GCM under the manifest key; the key is used for this
one message only, so the nonce is fixed.

On disk, at the header's manifest_offset:  length(4, big-endian) ‖ ciphertext‖tag(length).
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import FormatError, PackageDamaged

FORMAT = "handover-manifest"
VERSION = 1
MAX_FILES = 10_000
MAX_NAME_BYTES = 255
MAX_MANIFEST_LEN = 16 * 1024 * 1024  # ciphertext bytes; bounds the reader's memory
LENGTH_PREFIX = struct.Struct(">I")
TAG_LEN = 16
_NONCE = bytes(12)

# Names Windows maps to devices whatever the extension: opening "NUL.csv" writes nowhere.
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    sha256: str           # lower-case hex of the file's plaintext
    rows: int | None      # CSV records (see crypto/rows.py); None for other files

    def as_dict(self) -> dict:
        return {"name": self.name, "rows": self.rows, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class Manifest:
    package_id: str
    created: datetime     # UTC, whole seconds
    files: tuple[FileEntry, ...]

    @property
    def payload_size(self) -> int:
        return sum(f.size for f in self.files)

    def as_dict(self) -> dict:
        return {"created": format_time(self.created), "files": [f.as_dict() for f in self.files],
                "format": FORMAT, "package_id": self.package_id, "version": VERSION}


def format_time(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def name_problem(name: str) -> str | None:
    """Why `name` is not a safe single file name, or None. Applied when sealing and again
    when opening, so a hostile manifest cannot write outside the chosen directory."""
    if not name:
        return "is empty"
    if name in (".", ".."):
        return "is a relative path"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if ":" in name:
        return "contains ':' (a drive or stream name on Windows)"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        return "contains control characters"
    if name != name.rstrip(". "):
        return "ends with a dot or space (Windows drops them)"
    if name.split(".")[0].upper() in _WINDOWS_DEVICES:
        return "is a device name on Windows"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    return None


def collision_key(name: str) -> str:
    # Windows and macOS compare names case-insensitively and often after normalization, so
    # "A.csv" and "a.csv" would land on the same file there.
    return unicodedata.normalize("NFC", name).casefold()


def check_names(names: list[str], error=FormatError) -> None:
    seen: set[str] = set()
    for name in names:
        problem = name_problem(name)
        if problem:
            raise error(f"the file name {name!r} {problem}",
                        "a package holds plain file names only")
        key = collision_key(name)
        if key in seen:
            raise error(f"the file name {name!r} appears twice",
                        "names must differ in more than letter case")
        seen.add(key)


def encode(manifest: Manifest) -> bytes:
    return json.dumps(manifest.as_dict(), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def seal(key: bytes, manifest: Manifest) -> bytes:
    """The manifest area: length prefix and ciphertext."""
    ct = AESGCM(key).encrypt(_NONCE, encode(manifest), None)
    return LENGTH_PREFIX.pack(len(ct)) + ct


def sealed_size_bound(package_id: str, files: list[tuple[str, int, bool]]) -> int:
    """An upper bound on the manifest area's size, known before any file is read:
    the real manifest with every row count at its largest possible value."""
    entries = tuple(FileEntry(n, size, "0" * 64, 10**20 if is_csv else None)
                    for n, size, is_csv in files)
    m = Manifest(package_id, datetime(2000, 1, 1, tzinfo=timezone.utc), entries)
    return LENGTH_PREFIX.size + len(encode(m)) + TAG_LEN


def _damaged(detail: str) -> PackageDamaged:
    return PackageDamaged(f"the package manifest is damaged or was tampered with ({detail})",
                          "copy the package again from the medium or ask the sender for a new one",
                          part="manifest")


def open_sealed(key: bytes, ciphertext: bytes) -> Manifest:
    try:
        plain = AESGCM(key).decrypt(_NONCE, ciphertext, None)
    except InvalidTag:
        raise _damaged("it does not authenticate") from None
    return decode(plain)


def decode(plain: bytes) -> Manifest:
    """Parse an authenticated manifest. Authenticated is not the same as well-formed:
    a buggy or hostile sealer can still write nonsense, so every field is checked."""
    def bad(detail: str) -> FormatError:
        return FormatError(f"the package manifest is invalid: {detail}",
                           "the package was not written by a compatible handover tool")
    try:
        doc = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad("not UTF-8 JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad("not a manifest")
    if doc.get("version") != VERSION:
        raise bad(f"manifest version {doc.get('version')!r}")
    pid, created, files = doc.get("package_id"), doc.get("created"), doc.get("files")
    if not isinstance(pid, str) or not isinstance(created, str) or not isinstance(files, list):
        raise bad("missing package_id, created or files")
    try:
        when = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise bad("created is not an ISO 8601 UTC time") from None
    if not 1 <= len(files) <= MAX_FILES:
        raise bad(f"{len(files)} files (1 to {MAX_FILES} allowed)")
    entries = []
    for f in files:
        if not isinstance(f, dict):
            raise bad("a file entry is not an object")
        name, size, digest, rows = f.get("name"), f.get("size"), f.get("sha256"), f.get("rows")
        if not isinstance(name, str):
            raise bad("a file name is not a string")
        if type(size) is not int or size < 0:
            raise bad("a file size is not a non-negative integer")
        if not (isinstance(digest, str) and len(digest) == 64
                and all(c in "0123456789abcdef" for c in digest)):
            raise bad("a SHA-256 is not 64 lower-case hex digits")
        if rows is not None and (type(rows) is not int or rows < 0):
            raise bad("a row count is not a non-negative integer or null")
        entries.append(FileEntry(name, size, digest, rows))
    check_names([e.name for e in entries])
    return Manifest(pid, when, tuple(entries))
