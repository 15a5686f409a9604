#!/usr/bin/env python3
"""Generate the negative RFC 6962 proof cases from the known-good vectors.

Every vector in inclusion/ and consistency/ is mutated in each of the ways
below, one mutation per file, named after it:

    negative/inclusion/<vector>/<mutation>.json
    negative/consistency/<vector>/<mutation>.json

Each file still has the fields of its vector, plus "vector" and "mutation".
Every case must FAIL verification (tests/ledger/test_rfc6962.py checks this).
A mutation that would leave the case unchanged (swapping equal roots, emptying
an empty proof) is skipped. Modelled on the corrupt*Proof probes of
transparency-dev/merkle proof/verify_test.go.

This script deliberately imports nothing from `ledger`: the cases must not
depend on the code they test.

    python3 tests/vectors/rfc6962/make_negative.py          # rewrite negative/
    python3 tests/vectors/rfc6962/make_negative.py --check  # exit 1 if stale
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "negative"

# A fixed 32-byte hash that is in no tree: SHA-256("not a root").
SOME_HASH = hashlib.sha256(b"not a root").hexdigest()


def flip_bit(hex_hash: str, byte: int = 0, bit: int = 3) -> str:
    raw = bytearray.fromhex(hex_hash)
    raw[byte] ^= 1 << bit
    return raw.hex()


def inclusion_mutations(v: dict) -> dict[str, dict]:
    i, n, proof = v["leaf_index"], v["tree_size"], v["proof"]
    m = {
        "index-minus-1": {"leaf_index": i - 1},
        "index-plus-1": {"leaf_index": i + 1},
        "size-times-2": {"tree_size": n * 2},
        "size-div-2": {"tree_size": n // 2},
        "extra-trailing-hash": {"proof": proof + [v["root"]]},
        "extra-leading-hash": {"proof": [SOME_HASH] + proof},
        "wrong-root": {"root": SOME_HASH},
        "wrong-leaf-hash": {"leaf_hash": flip_bit(v["leaf_hash"])},
    }
    for k in range(len(proof)):
        m[f"proof-{k}-bit-flipped"] = {"proof": proof[:k] + [flip_bit(proof[k])] + proof[k + 1:]}
    if proof:
        m["truncated-proof"] = {"proof": proof[:-1]}
    return m


def consistency_mutations(v: dict) -> dict[str, dict]:
    m1, m2, proof = v["old_size"], v["new_size"], v["proof"]
    m = {
        "old-size-minus-1": {"old_size": m1 - 1},
        "old-size-plus-1": {"old_size": m1 + 1},
        "new-size-times-2": {"new_size": m2 * 2},
        "new-size-div-2": {"new_size": m2 // 2},
        "extra-trailing-hash": {"proof": proof + [v["new_root"]]},
        "extra-leading-hash": {"proof": [SOME_HASH] + proof},
        "wrong-old-root": {"old_root": SOME_HASH},
        "wrong-new-root": {"new_root": SOME_HASH},
        "swapped-roots": {"old_root": v["new_root"], "new_root": v["old_root"]},
        "empty-proof": {"proof": []},
    }
    for k in range(len(proof)):
        m[f"proof-{k}-bit-flipped"] = {"proof": proof[:k] + [flip_bit(proof[k])] + proof[k + 1:]}
    if proof:
        m["truncated-proof"] = {"proof": proof[:-1]}
    return m


def generate() -> dict[str, str]:
    """Relative path -> file text for every negative case."""
    files: dict[str, str] = {}
    for kind, mutate in (("inclusion", inclusion_mutations),
                         ("consistency", consistency_mutations)):
        for path in sorted((HERE / kind).glob("*.json")):
            vector = json.loads(path.read_text())
            base = {k: vector[k] for k in vector if k not in ("source", "reproduce")}
            for name, change in sorted(mutate(vector).items()):
                case = {**base, **change}
                if case == base:
                    continue  # The mutation changes nothing for this vector.
                case = {"vector": path.stem, "mutation": name, **case}
                files[f"{kind}/{path.stem}/{name}.json"] = json.dumps(case, indent=2) + "\n"
    return files


def on_disk() -> dict[str, str]:
    return {p.relative_to(OUT).as_posix(): p.read_text() for p in OUT.rglob("*.json")}


def main(argv: list[str]) -> int:
    files = generate()
    if argv[1:] == ["--check"]:
        if on_disk() != files:
            print("negative/ is stale: run tests/vectors/rfc6962/make_negative.py", file=sys.stderr)
            return 1
        return 0
    if argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    shutil.rmtree(OUT, ignore_errors=True)
    for rel, text in files.items():
        path = OUT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(files)} negative cases to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
