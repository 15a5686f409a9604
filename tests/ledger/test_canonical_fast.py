"""The verifier's fast canonical check (msgspec) decides exactly as the exact one.

check_body may accept through msgspec only what canonical_json reproduces byte for byte;
these tests hold it to the exact path (decode with refusing hooks, re-encode, compare) on
generated values in several byte forms and on the known hard cases.
"""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

import ledger
from ledger.encoding import (HEADER, _exact_body, _no_float_or_wide_int, _write, check_bodies, check_body,
                             genesis_hash)

T0 = "2026-11-22T10:00:00+09:00"

# Everything a body might hold, including what canonical_json refuses (floats, big integers)
# and keys beyond U+FFFF next to keys in U+E000..U+FFFF, where code point and UTF-16 order differ.
text = st.text(st.characters(codec="utf-8")) | st.sampled_from(
    ["\U0001f600", "\uff61", "\ue000", "a\U00010000", "\x7f", "\u2028", "\x00\x1f", "1.5", ":1e5"])
scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | text
           | st.integers(-(2**65), 2**65) | st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(text, c, max_size=4),
                      max_leaves=20)
safe = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(st.characters(codec="utf-8")),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(st.characters(codec="utf-8", max_codepoint=0xFFFF)),
                                                        c, max_size=4),
    max_leaves=20)


def _raw(body: bytes) -> bytes:
    return HEADER.pack(b"HLE\x01", 0, genesis_hash("ward")) + body


def _exact_verdict(body: bytes):
    try:
        decoded = _exact_body(body, 0)
    except ledger.EncodingError:
        return "refused"
    if type(decoded) is not dict or decoded.keys() != {"actor", "kind", "log", "payload", "time"}:
        return "refused"
    return decoded if decoded["log"] == "ward" and decoded["kind"] == "Test" else "refused"


def _verdict(body: bytes):
    try:
        return msgspec.structs.asdict(check_body(_raw(body), "ward", 0))
    except ledger.EncodingError:
        return "refused"


def _forms(value) -> list[bytes]:
    """The body holding `value` as a payload, written by several encoders."""
    body = {"actor": "alice", "kind": "Test", "log": "ward", "payload": value, "time": T0}
    forms = [json.dumps(body).encode(),
             json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "replace"),
             json.dumps(body, sort_keys=True, separators=(",", ":")).encode()]
    for order in ("sorted", None):
        try:
            forms.append(msgspec.json.encode(body, order=order))
        except (msgspec.EncodeError, ValueError):
            pass  # lone surrogates
    try:
        forms.append(ledger.canonical_json(body))
    except ledger.EncodingError:
        pass
    return forms


@settings(max_examples=400)
@given(values)
def test_fast_check_decides_as_the_exact_check(value):
    for body in _forms(value):
        assert _verdict(body) == _exact_verdict(body), body


@settings(max_examples=400)
@given(safe)
def test_msgspec_matches_canonical_json_where_the_fast_path_relies_on_it(value):
    assert _write(value) == ledger.canonical_json(value)


GOOD = b'{"actor":"alice","kind":"Test","log":"ward","payload":%s,"time":"' + T0.encode() + b'"}'


@pytest.mark.parametrize("payload", [
    b"1.0", b"1e5", b"-0", b"1E5", b"-1.5e-3", b"9223372036854775808", b"-9223372036854775809",
    b"18446744073709551615", b"18446744073709551616", b"NaN", b"Infinity", b'"\\ud800"',
    b'"\\u0041"', b'"\\/"', b'"\\u001F"', b'"\\u00e9"', b"[1, 2]", b' 1', b'{"b":1,"a":2}',
    b'{"a":1,"a":1}', '{"\uff61":2,"\U0001f600":1}'.encode(), b"01", b"+1", b"true ", b"\"\xff\"",
])
def test_non_canonical_payloads_are_refused(payload):
    body = GOOD % payload
    assert _exact_verdict(body) == "refused"
    assert _verdict(body) == "refused"


@pytest.mark.parametrize("payload", [
    b"9223372036854775807", b"-9223372036854775808", b"1000000000000000000", b"0", b"-1",
    '{"\U0001f600":1,"\uff61":2}'.encode(), b'"\\u001f\\b\\n"', '"\u2028\x7f"'.encode(),
    b'{"t":"10:1.5","x":",1e5"}', b'[[],{}]',
])
def test_canonical_payloads_are_accepted_however_they_look(payload):
    body = GOOD % payload
    assert _verdict(body) == _exact_verdict(body) != "refused"


T = T0.encode()


@pytest.mark.parametrize("body", [
    b'{"actor":"alice","kind":"Test","log":"ward","payload":1}',                      # no time
    b'{"actor":"alice","kind":"Test","log":"ward","payload":1,"time":"' + T + b'","x":1}',
    b'{"actor":"alice","actor":"alice","kind":"Test","log":"ward","payload":1,"time":"' + T + b'"}',
    b'{"kind":"Test","actor":"alice","log":"ward","payload":1,"time":"' + T + b'"}',
    b'{"actor":"alice","kind":"Test","log":"ward","payload":1,"time":"' + T + b'"} ',
    b'[{"actor":"alice","kind":"Test","log":"ward","payload":1,"time":"' + T + b'"}]',
    b'{"actor":1,"kind":"Test","log":"ward","payload":1,"time":99999999999999999999}',
    b'{"actor":"alice","kind":"Test","log":"ward","payload":1,"time":1.5}',
    b'{"actor":"alice","kind":"Test","log":"ward","payload":1,"time":"' + T + b'"}\x00',
])
def test_bodies_without_exactly_the_version_1_fields_in_order_are_refused(body):
    """msgspec reads the fields into a Struct: a field missing, added, repeated or out of
    order, or anything around the object, must still be refused, on both paths."""
    assert _exact_verdict(body) == "refused"
    assert _verdict(body) == "refused"


def test_a_body_of_other_json_types_in_its_fields_is_read_alike():
    """The version 1 fields may hold any JSON value as far as the encoding goes (the domain
    checks their types): both paths accept it, 19-digit integers in range included."""
    body = b'{"actor":9223372036854775807,"kind":"Test","log":"ward","payload":[],"time":null}'
    assert _verdict(body) == _exact_verdict(body) != "refused"


def _fast_encoding_agrees(value) -> None:
    """canonical_json_fast gives canonical_json's bytes, or refuses as it does."""
    try:
        exact = ledger.canonical_json(value)
    except ledger.EncodingError:
        with pytest.raises(ledger.EncodingError):
            ledger.canonical_json_fast(value)
        return
    assert ledger.canonical_json_fast(value) == exact


@settings(max_examples=400)
@given(values)
def test_canonical_json_fast_equals_canonical_json_or_refuses_alike(value):
    """The digest of a person signature (handover/model/signatures.py) goes the fast way."""
    _fast_encoding_agrees(value)


@settings(max_examples=400)
@given(values)
def test_the_float_and_wide_integer_walk_refuses_exactly_what_canonical_json_refuses(value):
    """The fast path relies on the walk alone to keep floats and integers beyond int64 out:
    on values without lone surrogates it must agree with the exact encoder at any depth,
    whatever sits beside the number."""
    try:
        ledger.canonical_json(value)
        exact = True
    except ledger.EncodingError:
        exact = False
    assert _no_float_or_wide_int(value) is exact
    assert _no_float_or_wide_int({"k": [value, "s", 1]}) is exact
    assert _no_float_or_wide_int([True, None, {"a": value}]) is exact


@pytest.mark.parametrize("value, plain", [
    (2**63 - 1, True), (-(2**63), True), (2**63, False), (-(2**63) - 1, False), (True, True), (None, True),
    ([1, [2, [3, [0.0]]]], False), ({"a": {"b": {"c": 1e16}}}, False), ({"a": ["x", 2**64]}, False),
    ([{"a": 1}, {"b": [None, False, "1.5"]}], True), (b"bytes", False), ((1, 2), False),
    ({1: "a"}, False), ({"a": {None: 1}}, False), ([{2.5: 1}], False),
])
def test_the_walk_on_known_cases(value, plain):
    assert _no_float_or_wide_int(value) is plain


@pytest.mark.parametrize("value", [
    {1: "a"}, {"a": {True: 1}}, {None: 1}, [{(1, 2): 3}], {"a", "b"}, b"bytes", 1.5, 2**63,
    {"s": "\ud800"}, {"\ud800": 1}, (1, 2), {"k": [1, (2, 3)]},
])
def test_canonical_json_fast_on_values_msgspec_would_encode_differently(value):
    """msgspec writes int keys as strings, sets and tuples as arrays, bytes as base64: none
    of that may come out of the fast way unless canonical_json writes the same."""
    _fast_encoding_agrees(value)


def _bulk_verdict(bodies: list[bytes]):
    found = check_bodies([_raw(b) for b in bodies], "ward")
    return None if found is None else [msgspec.structs.asdict(b) for b in found]


@settings(max_examples=300)
@given(st.lists(values, min_size=1, max_size=6), st.data())
def test_the_bulk_check_accepts_only_what_each_body_passes(payloads, data):
    """check_bodies (the range workers' check) may vouch for a chunk only if check_body
    accepts every body in it, and must then give the same bodies; when it cannot tell, the
    workers ask check_body body by body."""
    bodies = [data.draw(st.sampled_from(_forms(p))) for p in payloads]
    each = [_verdict(b) for b in bodies]
    bulk = _bulk_verdict(bodies)
    if "refused" in each:
        assert bulk is None
    elif bulk is not None:
        assert bulk == each


SAFE_PAYLOADS = [b"1", b'"x"', b'{"a":[1,{"b":null}]}', b"9223372036854775807", '"\u3042"'.encode()]


def test_the_bulk_check_vouches_for_canonical_bodies():
    bodies = [GOOD % p for p in SAFE_PAYLOADS]
    assert _bulk_verdict(bodies) == [_verdict(b) for b in bodies]


@pytest.mark.parametrize("bodies", [
    [GOOD % b"1" + b"\n" + GOOD % b"2", b" "],       # two values in one body, none in the next
    [GOOD % b"1" + b"\n" + GOOD % b"2", b""],
    [GOOD % b"1" + b"\n", GOOD % b"2"],
    [GOOD % b"1", b"\n" + GOOD % b"2"],
    [GOOD % b"1" + b" ", GOOD % b"2"],
    [GOOD % b"1", GOOD % b"2" + b"\n"],
    [GOOD % b"1", (GOOD % b"2").replace(b'"ward"', b'"other"')],
    [GOOD % b"1", (GOOD % b"2").replace(b'"Test"', b'"bad kind"')],
    [GOOD % b"1", (GOOD % b"2").replace(b'"ward"', b'["ward"]')],
    [GOOD % b"1", (GOOD % b"2").replace(b'"Test"', b'{"k":1}')],
    [GOOD % b"1", GOOD % b"9223372036854775808"],
    [GOOD % b"1", GOOD % b"1.0"],
    [GOOD % b'"1234567890123456789012"', GOOD % b"-9223372036854775809"],
    [GOOD % b"1", GOOD % '{"\uff61":2,"\U0001f600":1}'.encode()],   # code point order, not UTF-16
])
def test_the_bulk_check_never_vouches_for_a_chunk_with_a_bad_body(bodies):
    """Newlines and whitespace that shift values between bodies, another log, a bad kind, a
    kind or log that is not a string, integers beyond int64 next to harmless 19-digit
    strings, floats, keys in msgspec's order where JCS's differs."""
    assert "refused" in [_verdict(b) for b in bodies]
    assert _bulk_verdict(bodies) is None


def test_the_bulk_check_settles_19_digit_strings_without_the_slow_path():
    """A 19-digit run in a string is not an integer: the bulk check walks the values and
    still vouches, instead of sending the chunk body by body."""
    bodies = [GOOD % b'"1234567890123456789012"', GOOD % b"9223372036854775807"]
    assert _bulk_verdict(bodies) == [_verdict(b) for b in bodies]
