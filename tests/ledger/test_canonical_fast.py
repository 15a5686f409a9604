"""The verifier's fast canonical check (orjson) decides exactly as the exact one.

check_body may accept through orjson only what canonical_json reproduces byte for byte;
these tests hold it to the exact path (decode with refusing hooks, re-encode, compare) on
generated values in several byte forms and on the known hard cases.
"""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings, strategies as st

import ledger
from ledger.encoding import HEADER, _exact_body, _no_float_or_wide_int, check_body, genesis_hash

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
        return check_body(_raw(body), "ward", 0)
    except ledger.EncodingError:
        return "refused"


def _forms(value) -> list[bytes]:
    """The body holding `value` as a payload, written by several encoders."""
    body = {"actor": "alice", "kind": "Test", "log": "ward", "payload": value, "time": T0}
    forms = [json.dumps(body).encode(),
             json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "replace"),
             json.dumps(body, sort_keys=True, separators=(",", ":")).encode()]
    for option in (orjson.OPT_SORT_KEYS, 0):
        try:
            forms.append(orjson.dumps(body, option=option))
        except orjson.JSONEncodeError:
            pass  # integers beyond 64 bits
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
def test_orjson_matches_canonical_json_where_the_fast_path_relies_on_it(value):
    assert orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == ledger.canonical_json(value)


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


@settings(max_examples=400)
@given(values)
def test_canonical_json_fast_equals_canonical_json_or_refuses_alike(value):
    """The digest of a person signature (handover/model/signatures.py) goes the fast way."""
    try:
        exact = ledger.canonical_json(value)
    except ledger.EncodingError:
        with pytest.raises(ledger.EncodingError):
            ledger.canonical_json_fast(value)
        return
    assert ledger.canonical_json_fast(value) == exact


@settings(max_examples=400)
@given(values)
def test_the_float_and_wide_integer_walk_refuses_exactly_what_canonical_json_refuses(value):
    """The fast path relies on the walk alone to keep floats and integers beyond int64 out:
    on values orjson can hold (string keys, no lone surrogates), it must agree with the exact
    encoder at any depth, whatever sits beside the number."""
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
])
def test_the_walk_on_known_cases(value, plain):
    assert _no_float_or_wide_int(value) is plain
