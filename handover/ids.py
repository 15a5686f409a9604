"""Opaque IDs: a kind letter, 60 random bits in Crockford base32, and a check character.

Format (DESIGN.md, "Identifiers and labels")::

    M-7K3Q-9XZD-P2TA-H
    ^ ^^^^^^^^^^^^^^ ^
    | 12 random digits (60 bits), in groups of 4
    kind letter (see KINDS)                 check character

* Digits come from `crypto.crockford.ALPHABET` (0-9 A-Z without I, L, O, U), upper case.
* The check character is `crockford.check_char` (Luhn mod 32) over the *kind digits* followed by
  the 12 random digits. The kind letter itself may fall outside the alphabet (U and O do), so
  it enters the check as the two base32 digits of its ASCII code ("M" = 77 = 2·32+13 → "2D").
  For A-Z the first of those is always "2", so a changed kind letter is a single substitution,
  which Luhn mod 32 always catches: a notice ID cannot turn into a medium ID by one typo.
* The canonical form is exactly 18 characters: letter, "-", 4, "-", 4, "-", 4, "-", check.

`parse_id` accepts what USB scanners and people behind a Japanese IME actually type: full-width
characters, lower case, look-alikes (I/L→1, O→0), missing, doubled or full-width dashes, and
long-vowel marks (ー) where a dash was meant. A "0" where the kind letter belongs is read as "O"
(organisation), a "1" as "L" (visit list); the check character confirms or refutes that reading.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from typing import Callable, NamedTuple

from crypto import crockford
from handover.errors import HandoverError

__all__ = ["KINDS", "Kind", "InvalidID", "new_id", "parse_id", "prefix_letter", "id_kind", "format_id"]


class Kind(NamedTuple):
    en: str
    ja: str


# Prefix letter → name. The letter is part of every printed ID; never reuse or reassign one.
KINDS: dict[str, Kind] = {
    "M": Kind("medium", "媒体"),
    "P": Kind("package", "暗号化パッケージ"),
    "N": Kind("notice", "パスワード通知書"),
    "C": Kind("case", "案件"),
    "H": Kind("handover", "引渡し"),
    "U": Kind("person", "担当者"),
    "O": Kind("organisation", "組織"),
    "K": Kind("cabinet", "保管庫"),
    "W": Kind("workstation", "端末"),
    "E": Kind("envelope batch", "封筒バッチ"),
    "X": Kind("erasure certificate", "消去証明書"),
    "Y": Kind("credential", "署名鍵"),
    "A": Kind("incident", "事故報告"),
    "T": Kind("LGWAN transfer", "LGWAN送信"),
    "L": Kind("visit list", "訪問リスト"),
    "R": Kind("visit round", "訪問"),
    "G": Kind("print-log submission", "印刷ログ提出"),
    "V": Kind("inspection", "立入調査"),
}
_BY_NAME = {k.en: letter for letter, k in KINDS.items()}

RANDOM_DIGITS = 12                # 60 bits: collisions need ~2^30 IDs per kind
BODY_LENGTH = RANDOM_DIGITS + 1   # digits and check character, after the kind letter
ID_LENGTH = 2 + RANDOM_DIGITS + RANDOM_DIGITS // 4 + 1   # canonical, with dashes: 18

_ALLOWED_HINT = ("IDs use only the digits 0-9 and the letters A-Z except I, L, O and U; "
                 "if a Japanese IME is on, switch it to direct input (半角英数)")


class InvalidID(HandoverError):
    """Text that is not a valid ID. `reason` is one of: empty, prefix, character, length,
    check, kind — so callers can react without parsing the message."""

    def __init__(self, message: str, hint: str | None = None, *, reason: str):
        super().__init__(message, hint)
        self.reason = reason


def _kind_letter(kind: str) -> str:
    """Accept a kind as its letter ("M") or English name ("medium")."""
    letter = kind if kind in KINDS else _BY_NAME.get(kind)
    if letter is None:
        # A programming error, not bad input: say what would have been accepted.
        raise ValueError(f"unknown ID kind {kind!r}; expected one of {', '.join(KINDS)} "
                         f"or {', '.join(repr(n) for n in _BY_NAME)}")
    return letter


def _check(letter: str, digits: str) -> str:
    code = ord(letter)
    kind_digits = crockford.ALPHABET[code >> 5] + crockford.ALPHABET[code & 31]
    return crockford.check_char(kind_digits + digits)


def format_id(letter: str, body: str) -> str:
    """Lay out a kind letter and 13 normalized characters in the canonical grouping."""
    groups = [body[i:i + 4] for i in range(0, RANDOM_DIGITS, 4)]
    return "-".join([letter, *groups, body[RANDOM_DIGITS:]])


class MintedIds:
    """The IDs an act mints, kept while it is prepared and handed out again, in the same order,
    when it is recorded (model/prepared.py): both runs of a two-phase act build the same
    entries, so the digests the person signed are the digests recorded."""

    def __init__(self, replay: list[str] | None = None):
        self.minted: list[str] = []
        self._replay = list(replay) if replay is not None else None

    def mint(self, letter: str, fresh: Callable[[], str]) -> str:
        if self._replay is not None:
            i = len(self.minted)
            value = self._replay[i] if i < len(self._replay) and \
                self._replay[i].startswith(letter + "-") else fresh()
        else:
            value = fresh()
        self.minted.append(value)
        return value


minted_ids: ContextVar[MintedIds | None] = ContextVar("handover_minted_ids", default=None)


def new_id(kind: str, *, rng: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A fresh random ID of `kind` (a letter such as "M" or a name such as "medium")."""
    letter = _kind_letter(kind)

    def fresh() -> str:
        # 8 bytes encode to 13 digits; the first 12 are exactly the top 60 bits.
        digits = crockford.encode(rng(8))[:RANDOM_DIGITS]
        return format_id(letter, digits + _check(letter, digits))
    tape = minted_ids.get()
    return fresh() if tape is None else tape.mint(letter, fresh)


def _describe(letter: str) -> str:
    return f"{KINDS[letter].en} ID ({letter}-…)"


def prefix_letter(normalized: str) -> str:
    """The kind letter of normalized text. normalize() reads a leading "O" as the digit 0 and
    "L" as the digit 1; in the prefix position each is the letter (no kind is 0, 1 or I)."""
    return {"0": "O", "1": "L"}.get(normalized[0], normalized[0])


def parse_id(text: str, kind: str | None = None) -> str:
    """The canonical form of a typed or scanned ID, or InvalidID saying what is wrong.

    With `kind`, an ID of any other kind is refused, naming both kinds."""
    want = _kind_letter(kind) if kind is not None else None
    s = crockford.normalize(text.strip())   # strip: scanners end each scan with CR/LF
    if not s:
        raise InvalidID("empty ID", "scan the label again or type the ID printed under it",
                        reason="empty")
    letter = prefix_letter(s)
    body = s[1:]
    if letter not in KINDS:
        raise InvalidID(f"unknown ID prefix {letter!r}",
                        f"an ID starts with a kind letter: {', '.join(KINDS)} "
                        "(M- for a medium, N- for a notice, …)", reason="prefix")
    for c in body:
        if c not in crockford.ALPHABET:
            raise InvalidID(f"character {c!r} (U+{ord(c):04X}) is not allowed in an ID",
                            _ALLOWED_HINT, reason="character")
    if len(body) != BODY_LENGTH:
        hint = "a character may be missing or doubled; compare with the printed label"
        if len(body) == 2 * BODY_LENGTH:
            hint = "this looks like a whole label (ID and MAC); verify it as a label instead"
        raise InvalidID(f"an ID has {BODY_LENGTH} characters after '{letter}-', "
                        f"got {len(body)}", hint, reason="length")
    if _check(letter, body[:-1]) != body[-1]:
        raise InvalidID(f"ID {format_id(letter, body)} looks mistyped: "
                        "its check character does not match",
                        "scan it again, or re-type it from the label", reason="check")
    if want is not None and letter != want:
        raise InvalidID(f"expected a {_describe(want)}, got a {_describe(letter)}",
                        "check which label was scanned", reason="kind")
    return format_id(letter, body)


def id_kind(item_id: str) -> str:
    """The kind letter of an ID ("M" for a medium); look its names up in KINDS."""
    return parse_id(item_id)[0]
