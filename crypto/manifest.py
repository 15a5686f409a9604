"""The encrypted manifest: what is in the package (docs/package-format.md, "Manifest").

File names are personal data too (a name like 「生活保護受給者一覧.csv」 says a lot), so
they are only ever stored encrypted. The manifest is canonical JSON (sorted keys, no
spaces, UTF-8) sealed with AES-256-GCM under the manifest key; the key is used for this
one message only, so the nonce is fixed.

On disk, at the header's manifest_offset:  length(4, big-endian) ‖ ciphertext‖tag(length).
"""

from __future__ import annotations

import json
import re
import struct
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import FormatError, PackageDamaged
from crypto.rows import is_csv

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
    # For a CSV: whether its first record is a header line, not data. None for other files,
    # and for CSVs in packages sealed before the key existed (then nobody can say).
    header: bool | None = None

    @property
    def records(self) -> int | None:
        """Data records (データ件数): `rows` without the header line; None when unknown."""
        if self.rows is None or self.header is None:
            return None
        return self.rows - 1 if self.header else self.rows

    def as_dict(self) -> dict:
        d = {"name": self.name, "rows": self.rows, "sha256": self.sha256, "size": self.size}
        if self.header is not None:
            d["header"] = self.header
        return d


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


def sealed_size_bound(package_id: str, files: list[tuple[str, int, bool]], *,
                      csv_header: bool = False) -> int:
    """An upper bound on the manifest area's size, known before any file is read:
    the real manifest with every row count at its largest possible value (and each CSV's
    `header` when one is recorded)."""
    # "false" is longer than "true"
    header = False if csv_header else None
    entries = tuple(FileEntry(n, size, "0" * 64, 10**20 if csv_ else None,
                              header if csv_ else None)
                    for n, size, csv_ in files)
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


_CREATED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_REQUIRED = ("format", "version", "package_id", "created", "files")
_REQUIRED_FILE = ("name", "size", "sha256", "rows")


class _Invalid(ValueError):
    pass


def _no_duplicates(pairs: list[tuple]) -> dict:
    # json.loads keeps the last of two equal keys; two readers could then disagree on
    # what the sealer meant, so the spec forbids them.
    doc = {}
    for key, value in pairs:
        if key in doc:
            raise _Invalid(f"the key {key!r} appears twice")
        doc[key] = value
    return doc


def _no_constant(name: str):
    raise _Invalid(f"{name} is not a JSON number")


def _load_json(plain: bytes):
    if plain.startswith(b"\xef\xbb\xbf"):
        raise _Invalid("it starts with a byte order mark")
    try:
        text = plain.decode("utf-8")
    except UnicodeDecodeError:
        raise _Invalid("not UTF-8") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        if isinstance(e, _Invalid):
            raise
        raise _Invalid("not JSON") from None


def _missing(doc: dict, keys: tuple[str, ...], where: str) -> None:
    absent = [k for k in keys if k not in doc]
    if absent:
        raise _Invalid(f"{where} has no {', '.join(absent)}")


def decode(plain: bytes) -> Manifest:
    """Parse an authenticated manifest. Authenticated is not the same as well-formed:
    a buggy or hostile sealer can still write nonsense, so every field is checked, and
    everything the spec forbids is refused (an independent reader must agree with us)."""
    try:
        return _decode(plain)
    except _Invalid as e:
        raise FormatError(f"the package manifest is invalid: {e}",
                          "the package was not written by a compatible handover tool") from None


def _decode(plain: bytes) -> Manifest:
    doc = _load_json(plain)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _Invalid("not a manifest")
    _missing(doc, _REQUIRED, "the manifest")
    version = doc["version"]
    if type(version) is not int or version != VERSION:  # not true, not 1.0
        raise _Invalid(f"manifest version {json.dumps(version)}")
    pid, created, files = doc["package_id"], doc["created"], doc["files"]
    if not isinstance(pid, str):
        raise _Invalid("package_id is not a string")
    if not isinstance(created, str) or not _CREATED.fullmatch(created):
        raise _Invalid("created is not a UTC time written YYYY-MM-DDTHH:MM:SSZ")
    try:
        when = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise _Invalid("created is not a valid date and time") from None
    if not isinstance(files, list):
        raise _Invalid("files is not a list")
    if not 1 <= len(files) <= MAX_FILES:
        raise _Invalid(f"{len(files)} files (1 to {MAX_FILES} allowed)")
    entries = []
    for number, f in enumerate(files, start=1):
        if not isinstance(f, dict):
            raise _Invalid(f"file entry {number} is not an object")
        _missing(f, _REQUIRED_FILE, f"file entry {number}")
        name, size, digest, rows = f["name"], f["size"], f["sha256"], f["rows"]
        if not isinstance(name, str):
            raise _Invalid(f"the name of file entry {number} is not a string")
        if type(size) is not int or size < 0:
            raise _Invalid(f"the size of {name!r} is not a non-negative integer")
        if not (isinstance(digest, str) and len(digest) == 64
                and all(c in "0123456789abcdef" for c in digest)):
            raise _Invalid(f"the SHA-256 of {name!r} is not 64 lower-case hex digits")
        if is_csv(name):
            if type(rows) is not int or rows < 0:
                raise _Invalid(f"the row count of {name!r} is not a non-negative integer "
                               "(a .csv file needs one)")
        elif rows is not None:
            raise _Invalid(f"{name!r} has a row count but is not a .csv file (rows must be null)")
        header = f.get("header")   # optional: packages sealed before it have none
        if header is not None:
            if not is_csv(name) or type(header) is not bool:
                raise _Invalid(f"the header of {name!r} is not true or false on a .csv file")
            if header and rows == 0:
                raise _Invalid(f"{name!r} has a header line but no records")
        entries.append(FileEntry(name, size, digest, rows, header))
    check_names([e.name for e in entries])
    return Manifest(pid, when, tuple(entries))
