"""The canonical encoding round-trips and has exactly one form per value."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

import ledger
from ledger.encoding import decode_entry, encode_entry, genesis_hash

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=25,
)


@given(json_values)
def test_canonical_json_round_trips(value):
    encoded = ledger.canonical_json(value)
    decoded = json.loads(encoded)
    assert decoded == value
    assert ledger.canonical_json(decoded) == encoded


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_key_order_does_not_change_the_bytes(d):
    reordered = dict(reversed(list(d.items())))
    assert ledger.canonical_json(d) == ledger.canonical_json(reordered)


@given(json_values, st.integers(0, 2**40), st.text(min_size=1, max_size=50).filter(str.strip))
def test_entries_round_trip(payload, index, actor):
    raw = encode_entry("ward", index, genesis_hash("ward"), "Test", payload, actor, "2026-11-22T10:00:00+09:00")
    e = decode_entry(raw)
    assert (e.index, e.payload, e.actor, e.kind, e.log) == (index, payload, actor, "Test", "ward")
    assert e.raw == raw


def test_keys_sort_by_utf16_code_units():
    # U+FF61 sorts before U+1F600 in UTF-16 (surrogates 0xD83D…) but after it by code point.
    assert ledger.canonical_json({"\U0001F600": 1, "\uFF61": 2}) == '{"😀":1,"｡":2}'.encode()


def test_escapes_match_jcs():
    assert ledger.canonical_json("a\"\\\n\u0001é") == b'"a\\"\\\\\\n\\u0001\xc3\xa9"'


@pytest.mark.parametrize("raw, message", [
    (b"XYZ\x01" + b"\0" * 40 + b"{}", "bad magic"),
    (b"HLE\x02" + b"\0" * 40 + b"{}", "unsupported entry version 2"),
])
def test_decode_refuses_foreign_bytes(raw, message):
    with pytest.raises(ledger.EncodingError, match=message):
        decode_entry(raw)


def test_decode_refuses_non_canonical_body():
    raw = encode_entry("ward", 0, genesis_hash("ward"), "Test", {"a": 1}, "alice", "2026-11-22T10:00:00+09:00")
    spaced = raw.replace(b'{"a":1}', b'{"a": 1}')
    with pytest.raises(ledger.EncodingError, match="canonical"):
        decode_entry(spaced)
