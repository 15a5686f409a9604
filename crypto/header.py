"""The public package header: byte layout, parsing and checks (docs/package-format.md, "Header").

    magic(8) version(2) header_length(2) chunk_size(4) payload_size(8) manifest_offset(8)
    package_nonce(16) id_length(1) package_id(id_length) slot_count(1) slots…
    checksum(32) = SHA-256(everything before it)
    mac(32)      = HMAC-SHA-256(header_key, everything before it)

All integers are unsigned big-endian. The checksum is keyless: it tells accidental damage
(a scratched disc, a text-mode FTP copy) from a wrong password before the slow KDF runs.
The MAC is keyed from the file key: it tells deliberate tampering, which can recompute
the checksum but not the MAC.

Parsing never trusts a length before bounding it, so any byte string yields a Header or a
CryptoError and nothing else (tests/crypto/test_header_fuzz.py).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from crypto import keys, stream
from crypto.errors import FormatError, PackageDamaged, UnsupportedVersion
from crypto.kdf import SALT_LEN, KdfParams

# PNG-style magic: the high byte catches 7-bit transports, CR LF catches line-ending
# conversion, ^Z stops `type` on Windows, the final LF catches LF→CRLF conversion.
MAGIC = b"\x89HOP\r\n\x1a\n"
VERSION = 1

_PREFIX = struct.Struct(">8sHH")          # magic, version, header_length
_FIXED = struct.Struct(">8sHHIQQ16sB")    # … chunk_size, payload_size, manifest_offset, nonce, id_length
PREFIX_LEN = _PREFIX.size                 # 12: enough to learn the version and the length
CHECKSUM_LEN = 32
MAC_LEN = 32
MIN_HEADER_LEN = _FIXED.size + 1 + 1 + 3 + CHECKSUM_LEN + MAC_LEN  # 1-byte ID, one empty slot
MAX_HEADER_LEN = 4096

NONCE_LEN = 16
MAX_ID_LEN = 64
MAX_SLOTS = 8
DEFAULT_CHUNK_SIZE = 64 * 1024
MIN_CHUNK_SIZE = 1024             # bounds per-chunk overhead
MAX_CHUNK_SIZE = 1024 * 1024      # bounds the memory a reader needs per chunk

SLOT_PASSWORD_ARGON2ID = 1
_ARGON2_BODY = struct.Struct(f">{SALT_LEN}sIII{keys.WRAPPED_KEY_LEN}s")

_DAMAGED_HINT = ("the header's checksum does not match: the medium or the copy is damaged; "
                 "copy the package again or ask the sender for a new one")


@dataclass(frozen=True)
class PasswordSlot:
    """The file key wrapped under an Argon2id-derived key."""

    salt: bytes
    kdf: KdfParams
    wrapped_key: bytes = field(repr=False)


@dataclass(frozen=True)
class UnknownSlot:
    """A slot type this version does not know: skipped, so later writers can add one."""

    type: int
    body: bytes = field(repr=False)


@dataclass(frozen=True)
class Header:
    version: int
    chunk_size: int
    payload_size: int
    manifest_offset: int
    package_nonce: bytes
    package_id: str
    slots: tuple[PasswordSlot | UnknownSlot, ...]
    raw: bytes = field(repr=False)  # the exact bytes, checksum and MAC included

    @property
    def length(self) -> int:
        return len(self.raw)

    @property
    def chunk_count(self) -> int:
        return stream.chunk_count(self.payload_size, self.chunk_size)

    @property
    def password_slot(self) -> PasswordSlot | None:
        for s in self.slots:
            if isinstance(s, PasswordSlot):
                return s
        return None

    def mac_is_valid(self, header_key: bytes) -> bool:
        expected = keys.header_mac(header_key, self.raw[:-MAC_LEN])
        return hmac.compare_digest(expected, self.raw[-MAC_LEN:])


def _encode_slot(slot: PasswordSlot | UnknownSlot) -> bytes:
    if isinstance(slot, PasswordSlot):
        body = _ARGON2_BODY.pack(slot.salt, slot.kdf.memory_kib, slot.kdf.iterations,
                                 slot.kdf.lanes, slot.wrapped_key)
        kind = SLOT_PASSWORD_ARGON2ID
    else:
        body, kind = slot.body, slot.type
    return struct.pack(">BH", kind, len(body)) + body


def header_length(package_id: str, slots: tuple[PasswordSlot | UnknownSlot, ...]) -> int:
    """The encoded length, known before any key exists (for the medium check)."""
    return (_FIXED.size + len(package_id.encode("ascii")) + 1
            + sum(len(_encode_slot(s)) for s in slots) + CHECKSUM_LEN + MAC_LEN)


def check_package_id(package_id: str) -> None:
    if not (1 <= len(package_id) <= MAX_ID_LEN
            and all(0x21 <= ord(c) <= 0x7E for c in package_id)):
        raise ValueError("a package ID is 1 to 64 printable ASCII characters without spaces")


def encode_header(*, chunk_size: int, payload_size: int, package_nonce: bytes, package_id: str,
                  slots: tuple[PasswordSlot | UnknownSlot, ...], header_key: bytes) -> bytes:
    check_package_id(package_id)
    if len(package_nonce) != NONCE_LEN:
        raise ValueError("package nonce must be 16 bytes")
    if not 1 <= len(slots) <= MAX_SLOTS:
        raise ValueError("a header has 1 to 8 slots")
    pid = package_id.encode("ascii")
    length = header_length(package_id, slots)
    manifest_offset = length + stream.ciphertext_size(payload_size, chunk_size)
    body = (_FIXED.pack(MAGIC, VERSION, length, chunk_size, payload_size, manifest_offset,
                        package_nonce, len(pid))
            + pid + bytes([len(slots)]) + b"".join(_encode_slot(s) for s in slots))
    body += hashlib.sha256(body).digest()
    raw = body + keys.header_mac(header_key, body)
    assert len(raw) == length
    return raw


def _invalid(detail: str) -> FormatError:
    # The checksum matched, so this is not accidental damage: a buggy or hostile writer.
    return FormatError(f"the package header is invalid: {detail}",
                       "the package was not written by a compatible handover tool")


def parse_prefix(data: bytes) -> int:
    """Check magic and version; return the declared header length."""
    if len(data) < PREFIX_LEN:
        if data and MAGIC.startswith(data[:len(MAGIC)]):
            raise PackageDamaged("the package is truncated inside its header",
                                 "the copy is incomplete; copy the package again",
                                 part="truncated", chunk=0)
        raise FormatError("this is not a handover package",
                          "check that you gave the package file (.hop), not its contents")
    magic, version, length = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        if magic[1:4] == MAGIC[1:4]:
            # Our magic, mangled: typically a text-mode copy that rewrote line endings.
            raise PackageDamaged("the package header is damaged",
                                 "the file was probably copied in text mode; copy it again in "
                                 "binary mode", part="header")
        raise FormatError("this is not a handover package",
                          "check that you gave the package file (.hop), not its contents")
    if version != VERSION:
        raise UnsupportedVersion(
            f"unsupported package version {version}: this tool reads version {VERSION}",
            "the package was made by a newer handover, or its header is damaged; "
            "update handover or ask the sender", version=version)
    if not MIN_HEADER_LEN <= length <= MAX_HEADER_LEN:
        raise PackageDamaged("the package header is damaged", _DAMAGED_HINT, part="header")
    return length


def parse_header(data: bytes) -> Header:
    """Parse and check a header from the first bytes of a package (extra bytes are ignored).

    Checks magic, version, length and checksum, then structure. The MAC needs the file key
    and is checked by the caller (Header.mac_is_valid)."""
    length = parse_prefix(data)
    if len(data) < length:
        raise PackageDamaged("the package is truncated inside its header",
                             "the copy is incomplete; copy the package again",
                             part="truncated", chunk=0)
    raw = bytes(data[:length])
    covered = raw[:-(CHECKSUM_LEN + MAC_LEN)]
    if not hmac.compare_digest(hashlib.sha256(covered).digest(),
                               raw[-(CHECKSUM_LEN + MAC_LEN):-MAC_LEN]):
        raise PackageDamaged("the package header is damaged", _DAMAGED_HINT, part="header")

    (_, _, _, chunk_size, payload_size, manifest_offset, nonce,
     id_len) = _FIXED.unpack_from(covered)
    if not (MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE and chunk_size & (chunk_size - 1) == 0):
        raise _invalid(f"chunk size {chunk_size} is not a power of two from 1 KiB to 1 MiB")
    if payload_size > 2**62:
        raise _invalid("payload size out of range")
    if manifest_offset != length + stream.ciphertext_size(payload_size, chunk_size):
        raise _invalid("the manifest offset does not match the payload size")
    pos = _FIXED.size
    if not 1 <= id_len <= MAX_ID_LEN or pos + id_len + 1 > len(covered):
        raise _invalid("package ID length out of range")
    pid = covered[pos:pos + id_len]
    if not all(0x21 <= b <= 0x7E for b in pid):
        raise _invalid("package ID is not printable ASCII")
    pos += id_len
    count = covered[pos]
    pos += 1
    if not 1 <= count <= MAX_SLOTS:
        raise _invalid(f"{count} key slots (1 to {MAX_SLOTS} allowed)")
    slots: list[PasswordSlot | UnknownSlot] = []
    for _ in range(count):
        if pos + 3 > len(covered):
            raise _invalid("key slot runs past the end of the header")
        kind, body_len = struct.unpack_from(">BH", covered, pos)
        pos += 3
        if pos + body_len > len(covered):
            raise _invalid("key slot runs past the end of the header")
        body = covered[pos:pos + body_len]
        pos += body_len
        if kind == SLOT_PASSWORD_ARGON2ID:
            if body_len != _ARGON2_BODY.size:
                raise _invalid("password slot has the wrong length")
            salt, m, t, p, wrapped = _ARGON2_BODY.unpack(body)
            slots.append(PasswordSlot(salt, KdfParams(m, t, p), wrapped))
        else:
            slots.append(UnknownSlot(kind, body))
    if pos != len(covered):
        raise _invalid("unexpected bytes after the last key slot")
    if sum(isinstance(s, PasswordSlot) for s in slots) > 1:
        raise _invalid("more than one password slot")
    return Header(VERSION, chunk_size, payload_size, manifest_offset, nonce, pid.decode("ascii"),
                  tuple(slots), raw)


def read_header(f: BinaryIO) -> Header:
    prefix = f.read(PREFIX_LEN)
    length = parse_prefix(prefix)
    return parse_header(prefix + f.read(length - len(prefix)))
