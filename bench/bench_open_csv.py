"""Opening cost of the CSV row recount: `verify` (open → /dev/null) of a quoted export CSV
and of random bytes, for one or more source trees, each in its own process.

    python3 bench/bench_open_csv.py --gib 0.5 [--repeat 3] TREE [TREE …]

TREE is a checkout of this project (e.g. `git archive main | tar -x -C /tmp/main`), so that
two revisions can be compared on the same inputs. Uses bench_package.py's inputs and workers.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_package


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trees", nargs="+", type=Path)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "handover-bench")
    ap.add_argument("--gib", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    data, _, export = bench_package.make_inputs(args.dir, args.gib)
    for tree in args.trees:
        py = [sys.executable, str(tree / "bench" / "bench_package.py"), "--worker"]
        env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
        for src in (export, data):
            pkg = args.dir / f"{src.stem}.open-bench.hop"
            pkg.unlink(missing_ok=True)
            password = subprocess.run(py + ["seal-disk", str(src), str(pkg)], env=env, check=True,
                                      capture_output=True, text=True).stdout.strip()
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                subprocess.run(py + ["verify", str(pkg)], input=password + "\n", text=True,
                               env=env, check=True)
                times.append(time.perf_counter() - start)
            mib = src.stat().st_size / (1 << 20)
            print(f"{tree} {src.name}: best {min(times):.2f} s, median "
                  f"{statistics.median(times):.2f} s, {mib / min(times):,.0f} MiB/s", flush=True)
            pkg.unlink()


if __name__ == "__main__":
    main()
