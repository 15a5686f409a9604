"""The versioned, canonical byte encoding of ledger entries.

The bytes defined here are what is hashed and what is stored; nothing is ever
re-serialized for hashing. Layout of version 1 (docs/ledger-format.md):

    magic    "HLE"           3 bytes
    version  0x01            1 byte
    index    uint64, big-endian
    prev     32 bytes        hash of the previous entry (a per-log genesis value at 0)
    body     canonical JSON  {"actor","kind","log","payload","time"}

Index and prev sit at fixed offsets so a full replay can check the chain without
parsing JSON. The body is RFC 8785 (JCS) canonical JSON restricted to what has a
single, unambiguous form: strings, integers in int64 range, booleans, null, arrays
and objects with string keys. Floats are refused: their text form is where other
projects' chains broke.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from ledger.errors import EncodingError
from ledger.rfc6962 import leaf_hash

MAGIC = b"HLE\x01"
HEADER = struct.Struct(">4sQ32s")
HEADER_SIZE = HEADER.size  # 44
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
GENESIS_LABEL = b"handover/ledger/v1 genesis\x00"

# The one entry kind the ledger itself writes (ledger/rotation.py).
ROTATION_KIND = "SigningKeyRotated"

LOG_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
KIND_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def genesis_hash(log: str) -> bytes:
    """The `prev` of entry 0: binds a chain to its log's name, so entries cannot be
    moved between logs without breaking it."""
    return hashlib.sha256(GENESIS_LABEL + log.encode()).digest()


def entry_hash(raw: bytes) -> bytes:
    """An entry's hash is its RFC 6962 leaf hash: the chain and the tree share it."""
    return leaf_hash(raw)


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON of `value`, or EncodingError naming the offending path."""
    out: list[str] = []
    _emit(value, out, "payload")
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as e:
        raise EncodingError(f"payload contains a lone surrogate ({e.reason})",
                            "strings must be valid Unicode text") from None


def _emit(v: Any, out: list[str], path: str) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, int):
        if not INT_MIN <= v <= INT_MAX:
            raise EncodingError(f"{path}: integer {v} is outside the 64-bit range",
                                "store large numbers as strings")
        out.append(str(int(v)))
    elif isinstance(v, str):
        out.append(json.dumps(v, ensure_ascii=False))
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i, item in enumerate(v):
            if i:
                out.append(",")
            _emit(item, out, f"{path}[{i}]")
        out.append("]")
    elif isinstance(v, dict):
        for k in v:
            if not isinstance(k, str):
                raise EncodingError(f"{path}: key {k!r} is not a string",
                                    "object keys must be strings")
        out.append("{")
        # JCS orders keys by their UTF-16 code units. (A lone surrogate sorts as its own
        # unit here, and is refused once the whole text is encoded.)
        for i, k in enumerate(sorted(v, key=lambda s: s.encode("utf-16-be", "surrogatepass"))):
            if i:
                out.append(",")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(":")
            _emit(v[k], out, f"{path}[{k!r}]")
        out.append("}")
    elif isinstance(v, float):
        raise EncodingError(f"{path}: floats are not allowed ({v!r})",
                            "use an integer (e.g. a count or minor units) or a decimal string")
    else:
        raise EncodingError(f"{path}: values of type {type(v).__name__} are not allowed",
                            "payloads hold strings, integers, booleans, null, lists and maps")


@dataclass(frozen=True)
class Entry:
    """One decoded ledger entry. `raw` is the exact stored, hashed bytes."""
    log: str
    index: int
    kind: str
    actor: str
    time: str
    payload: Any
    prev: bytes
    hash: bytes
    raw: bytes

    def as_json(self) -> dict:
        return {"log": self.log, "index": self.index, "kind": self.kind, "actor": self.actor,
                "time": self.time, "payload": self.payload, "prev": self.prev.hex(),
                "hash": self.hash.hex()}


def normalize_time(claimed_time: datetime | str) -> str:
    """The actor's claimed time as ISO 8601 with an explicit offset."""
    if isinstance(claimed_time, str):
        try:
            parsed = datetime.fromisoformat(claimed_time)
        except ValueError:
            raise EncodingError(f"claimed time {claimed_time!r} is not ISO 8601",
                                "write it like 2026-11-22T14:05:00+09:00") from None
    else:
        parsed = claimed_time
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise EncodingError(f"claimed time {parsed.isoformat()} has no UTC offset",
                            "give the offset, e.g. +09:00 for JST")
    return parsed.isoformat()


def encode_entry(log: str, index: int, prev: bytes, kind: str, payload: Any,
                 actor: str, claimed_time: datetime | str) -> bytes:
    if not LOG_NAME.fullmatch(log):
        raise EncodingError(f"log name {log!r} is not allowed",
                            "use 1-64 lower-case letters, digits, '.', '_' or '-'")
    if not KIND_NAME.fullmatch(kind):
        raise EncodingError(f"entry kind {kind!r} is not allowed",
                            "use a name like MediumProvided (letters, digits, '.', '_', '-')")
    if not isinstance(actor, str) or not actor.strip() or len(actor) > 200:
        raise EncodingError(f"actor {actor!r} must be a non-empty string of at most 200 characters")
    body = canonical_json_fast({"actor": actor, "kind": kind, "log": log, "payload": payload,
                                "time": normalize_time(claimed_time)})
    return HEADER.pack(MAGIC, index, prev) + body


def _no_float(text: str):
    raise EncodingError(f"number {text} is not an integer", "floats are not allowed")


def _int64(text: str) -> int:
    n = int(text)
    if not INT_MIN <= n <= INT_MAX:
        raise EncodingError(f"integer {text} is outside the 64-bit range")
    return n


_FIELDS = {"actor", "kind", "log", "payload", "time"}


class Body(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A decoded version 1 body. msgspec reads exactly these fields (none missing, none
    more) and writes them back in this order, which is JCS's: the keys sorted. (Not tracked
    by the garbage collector: it holds decoded JSON values, which cannot refer back to it.)"""
    actor: Any
    kind: Any
    log: Any
    payload: Any
    time: Any


def _refuse_float(text: str):
    raise ValueError(f"number {text} is not an integer")


# The verifier's fast path: msgspec decodes (refusing every float as it reads it) and
# re-encodes (keys sorted) at C speed. Its output equals canonical_json for every value
# without floats, with integers in int64 range and no key beyond U+FFFF (msgspec sorts by
# code point, JCS by UTF-16 unit): tests/ledger/test_canonical_fast.py checks this
# differentially. Integers are checked for range only in bodies with a run of 19 digits
# (int64 needs 19 digits to overflow), and any character beyond U+FFFF, not only in a key,
# sends a body the exact way: both are rare. The exact path alone may refuse: the fast path
# only ever accepts what it would accept.
_checking = msgspec.json.Decoder(Body, float_hook=_refuse_float)
_read_checked, _read_checked_lines = _checking.decode, _checking.decode_lines
_read_body = msgspec.json.Decoder(Body).decode      # for bytes already checked
_encoder = msgspec.json.Encoder(order="sorted")
_write, _write_lines = _encoder.encode, _encoder.encode_lines
# A character beyond U+FFFF anywhere (not only in keys): a 4-byte UTF-8 sequence.
_ASTRAL_UTF8 = re.compile(rb"[\xf0-\xf4]")
# Every digit as "0", to find a run of 19 with one substring search.
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else b for b in range(256))
_NINETEEN_DIGITS = b"0" * 19


def _no_float_or_wide_int(v: Any) -> bool:
    """True if `v` holds no float, no integer beyond int64, no key that is not a string and
    nothing but JSON values. Strings and integers, the usual members, are settled in the
    loop without a call."""
    t = type(v)
    if t is dict:
        for k in v:
            if type(k) is not str:
                return False
        v = v.values()
    elif t is not list:
        return t is str or v is None or t is bool or (t is int and INT_MIN <= v <= INT_MAX)
    for x in v:
        t = type(x)
        if t is str:
            continue
        if t is int:
            if INT_MIN <= x <= INT_MAX:
                continue
            return False
        if t is dict or t is list:
            if _no_float_or_wide_int(x):
                continue
            return False
        if x is None or t is bool:
            continue
        return False
    return True


_decoder = json.JSONDecoder(parse_float=_no_float, parse_int=_int64, parse_constant=_no_float)


def canonical_json_fast(value: Any) -> bytes:
    """canonical_json(value), through msgspec where its output is the same (the conditions of
    the verifier's fast path above), else the exact encoder. For hot loops over values read
    back from verified entries."""
    if _no_float_or_wide_int(value):
        try:
            out = _write(value)
        except (msgspec.EncodeError, ValueError):   # a lone surrogate: the exact path says so
            return canonical_json(value)
        if out.isascii() or not _ASTRAL_UTF8.search(out):
            return out
    return canonical_json(value)


def _exact_body(body_bytes: bytes, index: int) -> Any:
    """The decoded body if canonical_json gives back exactly `body_bytes`, else EncodingError."""
    try:
        body = _decoder.decode(body_bytes.decode("utf-8"))
    except EncodingError as e:
        raise EncodingError(f"entry {index}: {e.message}", e.hint) from None
    except (UnicodeDecodeError, ValueError) as e:
        raise EncodingError(f"entry {index}: body is not valid UTF-8 JSON ({e})") from None
    if canonical_json(body) != body_bytes:
        raise EncodingError(f"entry {index}: body is not in canonical form")
    return body


def _beyond_msgspec(text: bytes, bodies: list[Body]) -> bool:
    """True if msgspec's round trip of `text` into `bodies` may differ from canonical_json's:
    a character beyond U+FFFF, or an integer beyond int64 (looked for only where the text
    has a run of 19 digits)."""
    if not text.isascii() and _ASTRAL_UTF8.search(text):
        return True
    return (_NINETEEN_DIGITS in text.translate(_DIGITS_AS_ZERO) and not _no_float_or_wide_int(
        [[b.actor, b.kind, b.log, b.payload, b.time] for b in bodies]))


def _fast_body(body_bytes: bytes) -> Body | None:
    """The body, if msgspec shows at C speed that `body_bytes` is its canonical form; None
    to take the exact path, which alone may refuse."""
    try:
        body = _read_checked(body_bytes)
        if _write(body) != body_bytes:
            return None
    except (msgspec.MsgspecError, ValueError):
        return None
    return None if _beyond_msgspec(body_bytes, [body]) else body


def _canonical_body(body_bytes: bytes, index: int) -> Body:
    """The body, or EncodingError if `body_bytes` is not exactly canonical JSON with the
    version 1 fields: the fast path, else the exact one."""
    body = _fast_body(body_bytes)
    if body is not None:
        return body
    fields = _exact_body(body_bytes, index)
    if type(fields) is not dict or fields.keys() != _FIELDS:
        raise EncodingError(f"entry {index}: body does not have the version 1 fields")
    return Body(**fields)


def check_body(raw: bytes, log: str, index: int) -> Body:
    """The decoded body of stored entry bytes, or EncodingError if it is not exactly the
    canonical version 1 body of an entry of `log`. The verifier's per-entry check."""
    body = _canonical_body(raw[HEADER_SIZE:], index)
    if body.log != log:
        raise EncodingError(f"entry {index}: body names log {body.log!r}, not {log!r}")
    if not _allowed_kind(body.kind):
        raise EncodingError(f"entry {index}: kind {body.kind!r} is not allowed")
    return body


def check_bodies(raws: list[bytes], log: str) -> list[Body] | None:
    """The decoded bodies of stored entry bytes if every one is the canonical version 1 body
    of an entry of `log`, as check_body would find one by one; None if this bulk check cannot
    tell, and check_body must then decide each. The range workers' check (ledger/ranges.py):
    a few calls for all the bodies instead of a dozen per body.

    The bodies are read as one newline-delimited text and written back the same way. A
    canonical body holds no raw newline, so if the text written back is the text read, with
    as many values as bodies, its lines are the bodies and each is its own canonical form."""
    text = b"\n".join([raw[HEADER_SIZE:] for raw in raws]) + b"\n"
    try:
        decoded = _read_checked_lines(text)
        if len(decoded) != len(raws) or _write_lines(decoded) != text:
            return None
    except (msgspec.MsgspecError, ValueError):
        return None
    if _beyond_msgspec(text, decoded):
        return None
    try:
        if {b.log for b in decoded} != {log}:
            return None
        kinds = {b.kind for b in decoded}
    except TypeError:   # a log or kind that is a list or an object
        return None
    return decoded if all(map(_allowed_kind, kinds)) else None


# A log holds a few dozen kinds: each is matched against KIND_NAME once, not per entry.
_kinds_allowed: set[str] = set()


def _allowed_kind(kind: Any) -> bool:
    if type(kind) is not str:
        return False
    if kind in _kinds_allowed:
        return True
    if not KIND_NAME.fullmatch(kind):
        return False
    if len(_kinds_allowed) < 4096:
        _kinds_allowed.add(kind)
    return True


def decode_entry(raw: bytes) -> Entry:
    """Parse stored bytes, refusing anything that is not exactly canonical."""
    if len(raw) < HEADER_SIZE or raw[:3] != MAGIC[:3]:
        raise EncodingError("not a ledger entry (bad magic)")
    if raw[3:4] != MAGIC[3:]:
        raise EncodingError(f"unsupported entry version {raw[3]}: this tool reads version 1",
                            "upgrade handover to read this ledger")
    _, index, prev = HEADER.unpack_from(raw)
    body = _canonical_body(raw[HEADER_SIZE:], index)
    return Entry(log=body.log, index=index, kind=body.kind, actor=body.actor, time=body.time,
                 payload=body.payload, prev=prev, hash=entry_hash(raw), raw=raw)


def read_checked_body(body_bytes: bytes) -> Body:
    """The body of entry bytes that were checked (a full replay, verify_log) or that this
    process has just encoded: decoded at C speed, without the canonical check. Never for
    bytes that were not checked."""
    return _read_body(body_bytes)


def decode_verified(raw: bytes) -> Entry:
    """An entry whose stored bytes were just checked by a full replay (verify_log): parsed
    without the canonical check. Never for bytes that were not checked."""
    _, index, prev = HEADER.unpack_from(raw)
    body = _read_body(raw[HEADER_SIZE:])
    return Entry(log=body.log, index=index, kind=body.kind, actor=body.actor, time=body.time,
                 payload=body.payload, prev=prev, hash=entry_hash(raw), raw=raw)
