"""Crockford base32 with a Luhn mod 32 check character.

Used for generated passwords (here) and for opaque IDs (handover/). The alphabet has no
I, L, O or U, so nothing reads as something else; input is normalized the way people and
USB scanners behind a Japanese IME actually type it: full-width characters (NFKC), lower
case, look-alikes (I/L→1, O→0) and separators.

The check character is Luhn mod N (N = 32) over the alphabet's code points: it catches
every single-character substitution and nearly every adjacent transposition.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
# Separators people type or scanners emit between groups; all ignored.
SEPARATORS = " -_.\u3000\u30fc\u2010\u2011\u2012\u2013\u2014\u2212\t"
_SEPARATORS = str.maketrans("", "", SEPARATORS)


def encode(data: bytes) -> str:
    """Big-endian base32 of `data`, ceil(8·len/5) characters, no padding."""
    bits = len(data) * 8
    n = int.from_bytes(data, "big")
    width = -(-bits // 5)
    n <<= width * 5 - bits
    return "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(width)))


def normalize(text: str) -> str:
    """Canonical form of typed or scanned text: NFKC, upper case, look-alikes mapped,
    separators dropped. Characters outside the alphabet are kept so callers can name them."""
    text = unicodedata.normalize("NFKC", text).upper()
    return text.translate(_SEPARATORS).translate(_LOOKALIKES)


def check_char(digits: str) -> str:
    """Luhn mod 32 check character for `digits` (already normalized)."""
    total = 0
    factor = 2
    for c in reversed(digits):
        addend = factor * _VALUE[c]
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return ALPHABET[(32 - total % 32) % 32]


def is_valid(digits_with_check: str) -> bool:
    """True if the last character is the check character of the rest."""
    if len(digits_with_check) < 2 or any(c not in _VALUE for c in digits_with_check):
        return False
    return check_char(digits_with_check[:-1]) == digits_with_check[-1]


def split_groups(text: str) -> list[str]:
    """Split typed text into the groups the typist separated, each normalized.

    NFKC runs first, so a full-width hyphen or space typed through an IME separates
    groups like an ASCII one. Empty groups (doubled separators) are dropped."""
    text = unicodedata.normalize("NFKC", text).upper()
    parts: list[str] = []
    current: list[str] = []
    for c in text:
        if c in SEPARATORS:
            if current:
                parts.append("".join(current))
                current = []
        else:
            current.append(c)
    if current:
        parts.append("".join(current))
    return [normalize(p) for p in parts]
