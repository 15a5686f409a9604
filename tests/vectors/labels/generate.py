"""Regenerate vectors.json: label known answers and one negative case per mutation.

Run from the repository root:  python3 tests/vectors/labels/generate.py

Deliberately independent of handover/ and crypto/: Crockford base32 comes from the standard
library's RFC 4648 base32 with the alphabet swapped, and the Luhn mod 32 check is written out
again here, so a bug in the code under test cannot also hide in its expected answers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RFC4648 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
KEY = bytes(range(32))                       # 000102…1f
OTHER_KEY = bytes(range(32, 64))             # 202122…3f, "another ward"
DOMAIN = b"handover/label/v1/mac\x00"


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=").translate(str.maketrans(RFC4648, CROCKFORD))


def luhn32(digits: str) -> str:
    total, factor = 0, 2
    for c in reversed(digits):
        addend = factor * CROCKFORD.index(c)
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return CROCKFORD[(32 - total % 32) % 32]


def make_id(letter: str, random8: bytes) -> str:
    digits = b32(random8)[:12]
    code = ord(letter)
    check = luhn32(CROCKFORD[code >> 5] + CROCKFORD[code & 31] + digits)
    return f"{letter}-{digits[0:4]}-{digits[4:8]}-{digits[8:12]}-{check}"


def mac(key: bytes, item_id: str) -> str:
    return b32(hmac.new(key, DOMAIN + item_id.encode(), hashlib.sha256).digest()[:8])


def mutate(s: str, i: int) -> str:
    """Replace the character at i by the next one in the alphabet."""
    return s[:i] + CROCKFORD[(CROCKFORD.index(s[i]) + 1) % 32] + s[i + 1:]


def main() -> None:
    cases = []
    for n, letter in enumerate("MPNCHUOKWEXVATLRGY"):
        random8 = hashlib.sha256(f"label vector {n}".encode()).digest()[:8]
        item_id = make_id(letter, random8)
        tag = mac(KEY, item_id)
        cases.append({"kind": letter, "random_hex": random8.hex(), "id": item_id,
                      "mac": tag, "payload": f"{item_id}-{tag}"})

    good = cases[0]["payload"]   # a medium label
    other = f"{cases[0]['id']}-{mac(OTHER_KEY, cases[0]['id'])}"
    negatives = [
        {"name": "id-digit-changed", "payload": mutate(good, 2), "error": "ForgedLabel"},
        {"name": "check-char-changed", "payload": mutate(good, 17), "error": "ForgedLabel"},
        {"name": "mac-first-changed", "payload": mutate(good, 19), "error": "ForgedLabel"},
        {"name": "mac-last-changed", "payload": mutate(good, 31), "error": "ForgedLabel"},
        {"name": "kind-changed", "payload": "N" + good[1:], "error": "ForgedLabel"},
        {"name": "other-ward-key", "payload": other, "error": "ForgedLabel"},
        {"name": "mac-of-another-id", "payload": cases[1]["id"] + good[18:],
         "error": "ForgedLabel"},
        {"name": "ids-swapped-in-pair", "payload": good[:2] + good[3] + good[2] + good[4:],
         "error": "ForgedLabel"},
        {"name": "truncated", "payload": good[:-1], "error": "InvalidLabel"},
        {"name": "trailing-garbage", "payload": good + "0", "error": "InvalidLabel"},
        {"name": "bare-id", "payload": cases[0]["id"], "error": "InvalidLabel"},
        {"name": "unknown-prefix", "payload": "Z" + good[1:], "error": "InvalidLabel"},
        {"name": "url", "payload": "https://example.jp/" + good, "error": "InvalidLabel"},
        {"name": "empty", "payload": "", "error": "InvalidLabel"},
    ]
    out = {
        "about": "handover QR label payload v1; see README.md, made by generate.py",
        "key_hex": KEY.hex(), "other_key_hex": OTHER_KEY.hex(),
        "mac_domain_hex": DOMAIN.hex(), "cases": cases, "negatives": negatives,
    }
    path = Path(__file__).with_name("vectors.json")
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
