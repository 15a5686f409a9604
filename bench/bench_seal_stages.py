"""CPU seconds of each stage of a seal, per thread: what bounds the seal on two free cores.

    python bench/bench_seal_stages.py FILE [TREE ...] [--repeat 3]

Seals FILE to /dev/null (tiny KDF) with the crypto package of each TREE (default: this
checkout), alternating trees run by run, and reports the CPU time of the three stages
(time.thread_time, so other processes' load does not count): the caller thread (read,
encrypt, and since issue 15 §1 row counting), the plaintext hashing stage, and the package
stage (SHA-256 of the package, write). On two cores the seal cannot be faster than its
busiest stage, so the largest of the three is the wall time a quiet machine would approach.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, os, secrets, sys, threading, time
from datetime import datetime, timezone
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from crypto import KdfParams, generate_password
from crypto import header as hdr, package
from crypto.rows import RowCounter

RowCounter().update(b"")  # numpy imported before timing, as in the seal of a big file
hashing = 0.0
real_hash = package._hash_plaintext

def timed_hash(view, segments):
    global hashing
    start = time.thread_time()
    real_hash(view, segments)
    hashing += time.thread_time() - start

package._hash_plaintext = timed_hash
process, caller = time.process_time(), time.thread_time()
wall = time.perf_counter()
with open(os.devnull, "wb", buffering=0) as f:
    package._seal([Path(sys.argv[2])], Path(os.devnull), generate_password(), media=None,
                  package_id=None, kdf_params=KdfParams(8, 1, 1), progress=None,
                  rng=secrets.token_bytes, now=lambda: datetime.now(timezone.utc),
                  chunk_size=hdr.DEFAULT_CHUNK_SIZE, into=f)
wall = time.perf_counter() - wall
caller = time.thread_time() - caller
total = time.process_time() - process
print(json.dumps({"wall": wall, "caller": caller, "hashing": hashing,
                  "package": total - caller - hashing, "total": total}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("trees", type=Path, nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    trees = args.trees or [ROOT]
    runs: dict[Path, list[dict]] = {t: [] for t in trees}
    for _ in range(args.repeat):
        for tree in trees:
            out = subprocess.run([sys.executable, "-c", _CHILD, str(tree.resolve()),
                                  str(args.file)], check=True, capture_output=True, text=True)
            runs[tree].append(json.loads(out.stdout))
    keys = ("caller", "hashing", "package", "total", "wall")
    print("| tree | caller: read + encrypt (+ count) | plaintext SHA-256 (+ count) "
          "| package SHA-256 + write | all CPU | wall (in-process) |")
    print("|---|---:|---:|---:|---:|---:|")
    for tree, rs in runs.items():
        cells = " | ".join(f"{statistics.median(r[k] for r in rs):.2f}" for k in keys)
        print(f"| {tree} | {cells} |")
    print(f"\nMedians of {args.repeat} runs, CPU seconds per thread (time.thread_time).")


if __name__ == "__main__":
    main()
