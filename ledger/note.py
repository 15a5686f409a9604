"""C2SP signed notes with Ed25519 keys, and C2SP tlog-checkpoint bodies.

Signed note (https://c2sp.org/signed-note): a text ending in a newline, a blank
line, then lines "— <key name> base64(key ID ‖ signature)". The signed message is
the text including its final newline. Only the Ed25519 type (0x01) is supported;
its key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian.

Key strings are those of golang.org/x/mod/sumdb/note, so keys interoperate with
Go tooling: verifier "<name>+<key ID, 8 hex>+base64(0x01 ‖ public key)" and
signer "PRIVATE+KEY+<name>+<key ID>+base64(0x01 ‖ seed)".

Checkpoint (https://c2sp.org/tlog-checkpoint, "Note text"): origin, decimal tree
size, base64 RFC 6962 root hash, then optional extension lines.

A malformed note raises VerificationError(failure="note-format"), a malformed
checkpoint body failure="checkpoint-format", a missing or bad signature
failure="signature". Malformed keys and misuse raise LedgerError.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import LedgerError, VerificationError

__all__ = [
    "Checkpoint", "Signer", "Verifier", "generate_signer", "open_note", "parse_checkpoint",
    "parse_signer_key", "parse_verifier_key", "sign_note", "signer_key_string",
    "verifier_key_string",
]

ALG_ED25519 = 0x01                 # signed-note signature type byte for Ed25519
SIGNATURE_PREFIX = "\u2014 "       # em dash, space: starts every signature line
SIGNER_KEY_PREFIX = "PRIVATE+KEY+"
# The spec requires accepting at least 16; golang.org/x/mod/sumdb/note stops at
# 100 so that a note stuffed with signatures cannot keep a verifier busy.
MAX_SIGNATURES = 100
MAX_TREE_SIZE = 2**64 - 1          # sizes are uint64 in every other implementation

_SIZE_RE = re.compile(r"0|[1-9][0-9]*")
_HEX8_RE = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII controls except newline
_KEY_HINT = "a verifier key looks like name+1a2b3c4d+base64, one per line"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes | None:
    """Strict standard base64: no stray characters, canonical padding bits."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if _b64(raw) == text else None


def _valid_name(name: str) -> bool:
    # signed-note: non-empty, no Unicode spaces, no "+" (it separates key fields).
    return (bool(name) and "+" not in name and not any(c.isspace() for c in name)
            and not _CONTROL_RE.search(name))


def _key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class Verifier:
    """A trusted Ed25519 public key with its note key name and key ID."""

    name: str
    key_hash: int
    public_key: bytes

    def __post_init__(self) -> None:
        if not _valid_name(self.name):
            raise LedgerError(f"invalid key name {self.name!r}: it must be non-empty, "
                              "without spaces or '+'")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise LedgerError("an Ed25519 public key is 32 bytes")
        if self.key_hash != _key_id(self.name, self.public_key):
            raise LedgerError(f"key ID {self.key_hash:#010x} does not match key {self.name!r}")

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


class Signer:
    """An Ed25519 private key with its note key name. The repr never shows the key."""

    __slots__ = ("name", "key_hash", "_key", "_public", "_line_start", "_hash_bytes")

    def __init__(self, name: str, private_key: Ed25519PrivateKey):
        if not _valid_name(name):
            raise LedgerError(f"invalid key name {name!r}: it must be non-empty, "
                              "without spaces or '+'")
        self.name = name
        self._key = private_key
        self._public = private_key.public_key().public_bytes_raw()
        self.key_hash = _key_id(name, self._public)
        self._line_start = f"{SIGNATURE_PREFIX}{name} "
        self._hash_bytes = self.key_hash.to_bytes(4, "big")

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_hash, self._public)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_hash={self.key_hash:08x})"


def generate_signer(name: str) -> Signer:
    return Signer(name, Ed25519PrivateKey.generate())


def signer_key_string(signer: Signer) -> str:
    seed = signer._key.private_bytes_raw()
    return (f"{SIGNER_KEY_PREFIX}{signer.name}+{signer.key_hash:08x}+"
            f"{_b64(bytes([ALG_ED25519]) + seed)}")


def verifier_key_string(key: Verifier | Signer) -> str:
    v = key.verifier() if isinstance(key, Signer) else key
    return f"{v.name}+{v.key_hash:08x}+{_b64(bytes([ALG_ED25519]) + v.public_key)}"


def _parse_key_fields(name: str, hash16: str, key64: str) -> tuple[int, bytes] | str:
    """(key ID, raw key) or the reason the fields are malformed."""
    if not _valid_name(name):
        return "the key name is empty or has spaces"
    if not _HEX8_RE.fullmatch(hash16):
        return "the key ID is not 8 hex digits"
    raw = _unb64(key64)
    if raw is None:
        return "the key is not valid base64"
    if not raw or raw[0] != ALG_ED25519:
        return "the key is not an Ed25519 key (type byte 0x01)"
    if len(raw) != 33:
        return "an Ed25519 key is 32 bytes"
    return int(hash16, 16), raw[1:]


def parse_verifier_key(text: str) -> Verifier:
    """Parse "<name>+<key ID>+<base64(0x01 ‖ public key)>"."""
    fields = text.split("+", 2)
    parsed = (_parse_key_fields(*fields) if len(fields) == 3
              else "it needs three '+'-separated fields")
    if isinstance(parsed, str):
        raise LedgerError(f"verifier key {text[:100]!r} is malformed: {parsed}", hint=_KEY_HINT)
    key_id, public = parsed
    if key_id != _key_id(fields[0], public):
        raise LedgerError(f"verifier key {text[:100]!r} is damaged: its key ID does not match "
                          "its name and key", hint=_KEY_HINT)
    return Verifier(fields[0], key_id, public)


def parse_signer_key(text: str) -> Signer:
    """Parse "PRIVATE+KEY+<name>+<key ID>+<base64(0x01 ‖ seed)>". Errors never quote the key."""
    fields = text[len(SIGNER_KEY_PREFIX):].split("+", 2)
    if not text.startswith(SIGNER_KEY_PREFIX) or len(fields) != 3:
        parsed: tuple[int, bytes] | str = "it must start with PRIVATE+KEY+ and have five fields"
    else:
        parsed = _parse_key_fields(*fields)
    if isinstance(parsed, str):
        raise LedgerError(f"signing key is malformed: {parsed}",
                          hint="a signing key looks like PRIVATE+KEY+name+1a2b3c4d+base64")
    key_id, seed = parsed
    signer = Signer(fields[0], Ed25519PrivateKey.from_private_bytes(seed))
    if signer.key_hash != key_id:
        # The ID is of the public key, so it can only be checked after deriving it.
        raise LedgerError("signing key is damaged: its key ID does not match its key")
    return signer


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def sign_note(body: str, signer: Signer) -> str:
    """The signed note: body, blank line, one signature line by `signer`."""
    if not body.endswith("\n") or _CONTROL_RE.search(body) or not _encodable(body):
        raise LedgerError("a note text must end with a newline and contain no control "
                          "characters other than newlines")
    sig = signer.sign(body.encode())
    return (f"{body}\n{SIGNATURE_PREFIX}{signer.name} "
            f"{_b64(signer.key_hash.to_bytes(4, 'big') + sig)}\n")


def sign_own_checkpoint(origin: str, size: int, root_hash: bytes, signer: Signer) -> str:
    """`sign_note(Checkpoint(origin, size, root_hash).body(), signer)`, for a writer signing
    its own tree head at the end of every transaction: the same text (Ed25519 is
    deterministic; tests/ledger/test_note.py compares them), without re-validating an origin
    made from a checked log name and a size and root that come from the writer's own tree."""
    body = f"{origin}\n{size}\n{_b64(root_hash)}\n"
    sig = signer._hash_bytes + signer._key.sign(body.encode())
    return f"{body}\n{signer._line_start}{_b64(sig)}\n"


def _sig_bytes(text: str) -> bytes:
    # Standard base64, but padding bits are not checked: they are not signed,
    # and Go's decoder accepts them too.
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _format_error(message: str) -> VerificationError:
    return VerificationError(f"malformed signed note: {message}", failure="note-format",
                             hint="the note must be kept byte for byte; copying it through "
                                  "e-mail or a word processor can change line ends or spaces")


def open_note(note: str, verifiers: Sequence[Verifier]) -> tuple[str, list[str]]:
    """Check a signed note against trusted keys; return (text, names of trusted signers).

    As the spec requires, signatures by unknown keys (name and key ID not both
    those of a trusted key) are ignored, a bad signature by a trusted key rejects
    the whole note, and so does the absence of any trusted signature.
    """
    if _CONTROL_RE.search(note):
        raise _format_error("it contains control characters")
    if not _encodable(note):
        raise _format_error("it is not valid UTF-8")
    split = note.rfind("\n\n")
    if split < 0:
        raise _format_error("there is no blank line before the signatures")
    text, sigs = note[:split + 1], note[split + 2:]
    if not sigs.endswith("\n"):
        raise _format_error("the signature block is empty or does not end with a newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _format_error(f"more than {MAX_SIGNATURES} signatures")

    # A Verifier's key ID is checked against its key, so two different trusted
    # keys can share name and ID only through a deliberate 32-bit collision.
    trusted = {(v.name, v.key_hash): v for v in verifiers}
    message = text.encode()
    signed_by: list[str] = []
    untrusted: list[str] = []
    for line in lines:
        name, _, b64 = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        raw = _sig_bytes(b64)
        if not line.startswith(SIGNATURE_PREFIX) or not _valid_name(name) or len(raw) < 5:
            raise _format_error(f"{line[:60]!r} is not a signature line")
        key_id = int.from_bytes(raw[:4], "big")
        v = trusted.get((name, key_id))
        if v is None:
            untrusted.append(f"{name}+{key_id:08x}")
        elif not v.verify(message, raw[4:]):
            raise VerificationError(
                f"the signature by trusted key {name}+{key_id:08x} is invalid",
                failure="signature",
                hint="the note was altered after it was signed, or the signature is damaged")
        elif name not in signed_by:
            signed_by.append(name)
    if not signed_by:
        if not trusted:
            raise VerificationError("no trusted keys were given to check the note's signatures",
                                    failure="signature", hint=_KEY_HINT)
        renamed = {n.split("+")[0] for n in untrusted} & {name for name, _ in trusted}
        hint = (f"a trusted key named {sorted(renamed)[0]} exists with another key ID: "
                "the log key may have been replaced" if renamed
                else "check that the trusted keys are the ones of this log")
        signers = ", ".join(dict.fromkeys(untrusted))
        raise VerificationError(
            f"the note is signed only by {signers}, and none of these keys is trusted",
            failure="signature", hint=hint)
    return text, signed_by


@dataclass(frozen=True)
class Checkpoint:
    """The note text of a C2SP tlog-checkpoint: a log's tree head at one size."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for what, line in (("origin", self.origin),
                           *(("extension line", e) for e in self.extensions)):
            if not isinstance(line, str) or not line or "\n" in line or _CONTROL_RE.search(line):
                raise LedgerError(f"checkpoint {what} must be one non-empty line: {line!r}")
        if type(self.size) is not int or not 0 <= self.size <= MAX_TREE_SIZE:
            raise LedgerError(f"checkpoint size {self.size!r} is not a tree size")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != 32:
            raise LedgerError("checkpoint root hash must be 32 bytes")

    def body(self) -> str:
        lines = (self.origin, str(self.size), _b64(self.root_hash), *self.extensions)
        return "\n".join(lines) + "\n"


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse a checkpoint note text strictly (tlog-checkpoint "Note text")."""
    def bad(why: str) -> VerificationError:
        return VerificationError(f"malformed checkpoint: {why}", failure="checkpoint-format")

    if not body.endswith("\n"):
        raise bad("it does not end with a newline")
    if _CONTROL_RE.search(body):
        raise bad("it contains control characters")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise bad("it needs an origin, a tree size and a root hash line")
    if "" in lines:
        raise bad(f"line {lines.index('') + 1} is empty")
    origin, size_line, root_line, *extensions = lines
    if not _SIZE_RE.fullmatch(size_line) or int(size_line) > MAX_TREE_SIZE:
        raise bad(f"tree size {size_line[:30]!r} is not a decimal number without leading zeros")
    root = _unb64(root_line)
    if root is None or len(root) != 32:
        raise bad(f"root hash {root_line[:60]!r} is not a base64 SHA-256 hash")
    return Checkpoint(origin, int(size_line), root, tuple(extensions))
