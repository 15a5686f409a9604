"""QR label payloads: an ID and a MAC keyed by the ward, so forged or altered labels are refused;
and the ward's label key file, which --label-key, $HANDOVER_LABEL_KEY or ./handover-label.key names.

Payload, format v1 (DESIGN.md "Identifiers and labels", REQUIREMENTS.md "Labels and scanners")::

    M-7K3Q-9XZD-P2TA-H-6G2V8TRN9QZ4C
    <---- canonical ID ----> <- MAC -->   32 characters, A-Z 0-9 and "-" only

* MAC = HMAC-SHA256(label key, MAC_DOMAIN ‖ canonical ID in ASCII), first 8 bytes (64 bits),
  written as 13 Crockford base32 digits with `crockford.encode` (the last digit carries the last
  4 bits and one zero bit). Unlike the ID, the MAC has no check character: every changed
  character must read as "forged", never as "probably a typo, let me fix it".
* Only QR-alphanumeric characters, so the QR uses alphanumeric mode: 32 characters fit a
  version 2 symbol (25×25 modules) at error correction M, small enough for 24 mm tape.
  Upper case, digits and "-" also survive a USB scanner typing through a Japanese IME.
* No version marker in the payload: it would cost characters on every label, and the version is
  bound by MAC_DOMAIN. A later format must differ in length (e.g. a longer MAC) so that
  `verify_label` can tell the two apart before checking a MAC.
* The ID comes first so that the text printed beside the QR starts with what people read aloud.

`verify_label` normalizes first (full width, lower case, missing or garbled dashes, as in
`handover.ids.parse_id`) and then requires the MAC: normalization never rescues a failed MAC.

The label key is 32 random bytes, one per ward, in a file of mode 0600. Labels printed with one
key verify only with that key, so the key is made once and backed up, never regenerated casually.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Callable

from crypto import crockford
from handover import ids
from handover.errors import HandoverError, VerificationFailed
from handover.files import write_bytes_atomically

__all__ = ["LabelKey", "LabelKeyError", "InvalidLabel", "ForgedLabel", "generate_label_key",
           "load_label_key", "label_payload", "verify_label", "LABEL_KEY_SIZE", "MAC_DOMAIN",
           "label_key_path", "load_key", "create_key"]

ENV_LABEL_KEY = "HANDOVER_LABEL_KEY"
DEFAULT_LABEL_KEY = "handover-label.key"

LABEL_KEY_SIZE = 32
MAC_DOMAIN = b"handover/label/v1/mac\x00"   # separates label MACs from any other use of a key
MAC_BYTES = 8                                # 64 bits: a forger needs ~2^63 tries per label
MAC_CHARS = 13                               # ceil(64 / 5)
PAYLOAD_LENGTH = ids.ID_LENGTH + 1 + MAC_CHARS


class LabelKeyError(HandoverError):
    """The label key file is missing, damaged, exposed, or would be overwritten."""


class InvalidLabel(HandoverError):
    """Scanned text that is not a handover label at all. `reason`: empty, prefix, character,
    length, check."""

    def __init__(self, message: str, hint: str | None = None, *, reason: str):
        super().__init__(message, hint)
        self.reason = reason


class ForgedLabel(VerificationFailed):
    """A well-formed label whose MAC does not match. `claimed_id` is what the label says,
    untrusted, for finding the item — never for accepting it."""

    def __init__(self, message: str, hint: str | None = None, *, claimed_id: str):
        super().__init__(message, hint, failure="label-mac")
        self.claimed_id = claimed_id


class LabelKey:
    """A ward's label key. Holds the secret; never shows it in repr or error messages."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes):
        if len(secret) != LABEL_KEY_SIZE:
            raise ValueError(f"a label key is {LABEL_KEY_SIZE} bytes, got {len(secret)}")
        self._secret = bytes(secret)

    @property
    def fingerprint(self) -> str:
        """8 characters to compare two stations' keys by eye without revealing either."""
        digest = hashlib.sha256(b"handover/label/v1/fingerprint\x00" + self._secret).digest()
        return crockford.encode(digest[:5])

    def mac(self, canonical_id: str) -> str:
        tag = hmac.new(self._secret, MAC_DOMAIN + canonical_id.encode("ascii"), hashlib.sha256)
        return crockford.encode(tag.digest()[:MAC_BYTES])

    def __repr__(self) -> str:
        return f"LabelKey(fingerprint={self.fingerprint})"


def generate_label_key(path: Path | str, *,
                       _rng: Callable[[int], bytes] = secrets.token_bytes) -> None:
    """Create a new label key file (mode 0600). Refuses to replace an existing one."""
    path = Path(path)
    existing = LabelKeyError(
        f"label key {path} already exists; not overwriting it",
        "labels already printed need that key; remove it only if no printed label uses it")
    if path.exists():
        raise existing
    # Write the whole key beside the target, then hard-link it into place: link() fails if the
    # name was taken meanwhile, so two stations racing cannot replace each other's key.
    tmp = write_bytes_atomically(path.with_name(f".{path.name}.{secrets.token_hex(4)}.new"),
                                 _rng(LABEL_KEY_SIZE), mode=0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise existing from None
    except OSError as e:
        # Some file systems (FAT, certain network shares) have no hard links.
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if path.exists():
            raise existing from None
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_label_key(path: Path | str) -> LabelKey:
    """Read a label key file, refusing one that is missing, the wrong size or readable by others."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise LabelKeyError(
            f"label key {path} not found",
            "check the path; each ward has one label key, made once and backed up. Make a new "
            "one only if the ward has none: labels printed with another key will not verify"
        ) from None
    except OSError as e:
        raise LabelKeyError(f"cannot read label key {path}: {e.strerror}",
                            "check the path and that this user may read the file") from None
    try:
        st = os.fstat(fd)   # the file we opened, not whatever the name points to now
        if not stat.S_ISREG(st.st_mode):
            raise LabelKeyError(f"label key {path} is not a regular file",
                                "give the path of the key file itself")
        if os.name == "posix" and st.st_mode & 0o077:
            raise LabelKeyError(
                f"label key {path} is accessible to other users "
                f"(mode {stat.S_IMODE(st.st_mode):04o})",
                f"restrict it with: chmod 600 {path}")
        secret = os.read(fd, LABEL_KEY_SIZE + 1)
    finally:
        os.close(fd)
    if len(secret) != LABEL_KEY_SIZE:
        raise LabelKeyError(
            f"label key {path} has "
            f"{'more than 32' if len(secret) > LABEL_KEY_SIZE else len(secret)} bytes; "
            f"a label key is exactly {LABEL_KEY_SIZE}",
            "the file is damaged or is not a label key; restore it from the ward's backup")
    return LabelKey(secret)


def label_key_path(option: Path | str | None = None) -> Path:
    return Path(option or os.environ.get(ENV_LABEL_KEY) or DEFAULT_LABEL_KEY)


def load_key(option: Path | str | None = None) -> LabelKey:
    """The ward's label key from --label-key, else $HANDOVER_LABEL_KEY, else the default."""
    return load_label_key(label_key_path(option))


def create_key(option: Path | str | None = None) -> Path:
    path = label_key_path(option)
    try:
        generate_label_key(path)
    except OSError as e:   # e.g. a parent that is a regular file: a clear error, no traceback
        raise LabelKeyError(f"cannot create label key file {path}: {e.strerror or e}",
                            "give a path in a directory that exists and can be written") from None
    return path


def label_payload(item_id: str, key: LabelKey) -> str:
    """The QR payload for an ID: canonical ID, "-", 13-character MAC."""
    canonical = ids.parse_id(item_id)
    return f"{canonical}-{key.mac(canonical)}"


def verify_label(scanned_text: str, key: LabelKey) -> str:
    """The canonical ID in a scanned label. InvalidLabel if the text is not a label;
    ForgedLabel if its MAC does not match (forged, altered, or another ward's key)."""
    s = crockford.normalize(scanned_text.strip())   # scanners end each scan with CR/LF
    if not s:
        raise InvalidLabel("empty scan", "scan the label again", reason="empty")
    letter = ids.prefix_letter(s)
    body, tag = s[1:1 + ids.BODY_LENGTH], s[1 + ids.BODY_LENGTH:]
    if letter not in ids.KINDS:
        raise InvalidLabel(f"not a handover label: unknown prefix {letter!r}",
                           "is this a label from another system?", reason="prefix")
    for c in s[1:]:
        if c not in crockford.ALPHABET:
            raise InvalidLabel(f"not a handover label: character {c!r} (U+{ord(c):04X}) "
                               "is not allowed", "if the scanner types through a Japanese IME, "
                               "switch the IME to direct input (半角英数)", reason="character")
    if len(s) != 1 + ids.BODY_LENGTH + MAC_CHARS:
        raise InvalidLabel(f"not a handover label: {len(s)} characters without dashes, "
                           f"expected {1 + ids.BODY_LENGTH + MAC_CHARS}",
                           "scan the whole label again", reason="length")
    claimed = ids.format_id(letter, body)
    # The MAC comes before the ID's own check: an altered ID is a forgery, not a typo.
    if not hmac.compare_digest(key.mac(claimed), tag):
        raise ForgedLabel(f"label MAC does not match for {claimed}: forged or altered label",
                          "do not accept this item; report it. If every label fails, check "
                          "that this station has the ward's label key", claimed_id=claimed)
    try:
        return ids.parse_id(claimed)
    except ids.InvalidID as e:   # only reachable if a key holder signed a bad ID
        raise InvalidLabel(f"label carries an invalid ID: {e.message}", e.hint,
                           reason=e.reason) from None
