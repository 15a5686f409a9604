"""handover/ids.py: format, round trips, scanner/IME input, and each way an ID can be wrong."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from crypto import crockford
from handover.errors import HandoverError
from handover.ids import KINDS, InvalidID, id_kind, new_id, parse_id

D = "[0-9A-HJKMNP-TV-Z]"   # the Crockford alphabet
CANONICAL = re.compile(rf"^[A-Z]-{D}{{4}}-{D}{{4}}-{D}{{4}}-{D}$")
FIXED = "M-JN5K-PT2Y-WJP9-8"   # new_id("M", rng=…954b3b685ee4ac9e), see tests/vectors/labels


def fixed_rng(hex_bytes: str):
    return lambda n: bytes.fromhex(hex_bytes)[:n]


def test_known_answer():
    assert new_id("M", rng=fixed_rng("954b3b685ee4ac9e")) == FIXED
    assert new_id("medium", rng=fixed_rng("954b3b685ee4ac9e")) == FIXED


@pytest.mark.parametrize("letter", sorted(KINDS))
def test_every_kind_round_trips(letter):
    item = new_id(letter)
    assert CANONICAL.match(item) and len(item) == 18
    assert item[0] == letter
    assert parse_id(item) == item
    assert parse_id(item, letter) == item
    assert parse_id(item, KINDS[letter].en) == item
    assert id_kind(item) == letter


def test_kinds_have_both_names():
    for letter, kind in KINDS.items():
        assert len(letter) == 1 and letter.isupper()
        assert kind.en and kind.ja
    assert KINDS["M"].en == "medium" and KINDS["X"].en == "erasure certificate"


@pytest.mark.parametrize("typed", [
    "ｍ－ｊｎ５ｋ－ｐｔ２ｙ－ｗｊｐ９－８",      # IME on: full width, lower case
    "Ｍ－ＪＮ５Ｋ－ＰＴ２Ｙ－ＷＪＰ９－８",      # full width upper case
    "m-jn5k-pt2y-wjp9-8",                    # caps lock / scanner lower case
    "MJN5KPT2YWJP98",                        # dashes dropped
    "M--JN5K PT2Y_WJP9.8",                   # odd separators
    "MーJN5KーPT2YーWJP9ー8",                   # IME turns "-" into a long-vowel mark
    "  M-JN5K-PT2Y-WJP9-8\r\n",              # scanner line ending
    "\tM\u3000JN5K\u2212PT2Y\u2010WJP9-8",       # tab, ideographic space, minus, hyphen
])
def test_scanner_and_ime_input(typed):
    assert parse_id(typed) == FIXED


def test_look_alikes_and_organisation_prefix():
    item = new_id("O", rng=fixed_rng("0000000000000000"))   # body all zeros
    assert item.startswith("O-0000-0000-0000-")
    # O typed for 0 in the body, 0 typed for O in the prefix, lower-case l for 1
    assert parse_id(item.replace("0", "o")) == item
    assert parse_id("0" + item[1:]) == item
    one = new_id("U", rng=fixed_rng("0842108421084210"))    # body all ones
    assert parse_id(one.replace("1", "l").lower()) == one
    assert parse_id(one.replace("1", "I")) == one


def reason(text, kind=None):
    with pytest.raises(InvalidID) as e:
        parse_id(text, kind)
    assert isinstance(e.value, HandoverError) and e.value.hint
    return e.value.reason, e.value.message


def test_empty():
    assert reason("")[0] == "empty"
    assert reason(" - ")[0] == "empty"


def test_unknown_prefix():
    r, msg = reason("Z-JN5K-PT2Y-WJP9-8")
    assert r == "prefix" and "'Z'" in msg
    assert reason("7JN5K-PT2Y-WJP9-8")[0] == "prefix"


def test_character_not_allowed_is_named():
    r, msg = reason("M-JN5K-PT2Y-WJP9-U")
    assert r == "character" and "'U'" in msg
    r, msg = reason("M-JN5K-PT2Y-WJPか-8")   # IME in kana mode
    assert r == "character" and "'か'" in msg and "U+304B" in msg
    r, msg = reason("M-JN5K/PT2Y-WJP9-8")
    assert r == "character" and "'/'" in msg


@pytest.mark.parametrize("text", ["M-JN5K-PT2Y-WJP9", "M-JN5K-PT2Y-WJP9-88", "M-"])
def test_wrong_length(text):
    r, msg = reason(text)
    assert r == "length" and "13 characters" in msg


def test_label_given_as_id_gets_a_hint():
    with pytest.raises(InvalidID) as e:
        parse_id("M-JN5K-PT2Y-WJP9-8-RK8AD418Q563M")
    assert e.value.reason == "length" and "label" in e.value.hint


def test_check_mismatch_looks_mistyped():
    r, msg = reason("M-JN5K-PT2Y-WJP9-9")
    assert r == "check" and "looks mistyped" in msg and "M-JN5K-PT2Y-WJP9-9" in msg
    # adjacent transposition
    assert reason("M-NJ5K-PT2Y-WJP9-8")[0] == "check"


def test_wrong_kind_names_both():
    notice = new_id("N", rng=fixed_rng("954b3b685ee4ac9e"))
    r, msg = reason(notice, "M")
    assert r == "kind"
    assert msg == "expected a medium ID (M-…), got a notice ID (N-…)"
    assert reason(notice, "medium")[0] == "kind"


def test_unknown_kind_argument_is_a_programming_error():
    with pytest.raises(ValueError):
        new_id("Q")
    with pytest.raises(ValueError):
        parse_id(FIXED, "disc")


@given(st.sampled_from(sorted(KINDS)), st.binary(min_size=8, max_size=8))
def test_property_round_trip_and_single_substitution_caught(letter, random8):
    item = new_id(letter, rng=lambda n: random8)
    assert parse_id(item.lower()) == item
    # Every single-character substitution in prefix, digits or check is caught.
    for i, c in enumerate(item):
        if c == "-":
            continue
        for r in (KINDS if i == 0 else crockford.ALPHABET):
            if r == c:
                continue
            with pytest.raises(InvalidID):
                parse_id(item[:i] + r + item[i + 1:])


def test_visit_list_prefix_survives_the_l_look_alike():
    # normalize() reads L as the digit 1; in the prefix it is the visit-list letter.
    item = new_id("L")
    assert parse_id(item) == item
    assert parse_id(item.lower()) == item
    assert id_kind(item) == "L"
