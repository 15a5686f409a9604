"""Peak memory of `handover package seal` as staff run it, and where in the seal it peaks.

    python bench/bench_seal_memory.py FILE [TREE ...] [--repeat 2]

For each TREE (default: this checkout), alternating tree by tree, runs the command as staff
do (default KDF, notice PDF with the IPAex fonts, package to disk) in a fresh process from
that tree, and reports its peak RSS from wait4() (`ru_maxrss`, what `/usr/bin/time -f %M`
prints) in KiB, MiB and decimal MB: the target of issue 15 §4 is < 64 MB (64,000,000
bytes). Then, once per tree, the same seal in-process with a thread sampling VmRSS every
2 ms, peak per stage: imports, the KDF, streaming the package, the notice (the sampler
adds ~0.6 MiB). RSS does not depend on the machine's load; wall time does, so it is not
reported here (bench_package.py measures speed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_BYTES = 64_000_000

_COMMAND = "import sys; from cli.main import main; main()"

_STAGES = r"""
import importlib, os, sys, threading, time
sys.path.insert(0, os.getcwd())
stage, peaks = ["imports"], {}

def rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))

def sample():
    while True:
        peaks[stage[0]] = max(peaks.get(stage[0], 0), rss_kib())
        time.sleep(0.002)

threading.Thread(target=sample, daemon=True).start()

def enter(name):
    time.sleep(0.01)   # let the sampler see the end of the stage before
    stage[0] = name

from cli.main import main
import crypto.kdf, crypto.package

def staged(module, attr, name, after):
    real = getattr(module, attr)
    def run(*args, **kwargs):
        enter(name)
        try:
            return real(*args, **kwargs)
        finally:
            enter(after)
    setattr(module, attr, run)

staged(crypto.kdf, "derive", "KDF (Argon2id)", "between the KDF and streaming")
staged(crypto.package, "_write_package", "streaming the package (read, encrypt, hash, count)",
       "the password notice (reportlab, fonts, PDF)")
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    enter("done")
    time.sleep(0.05)
for name, kib in peaks.items():
    if name != "done":
        print(f"{kib}\t{name}")
"""


def _seal_args(source: Path, work: Path) -> list[str]:
    (work / "pkg").mkdir()
    return ["package", "seal", str(source), "--out", str(work / "pkg" / "p.hop"),
            "--notice-dir", str(work / "notices")]


def peak_kib(tree: Path, source: Path) -> int:
    work = Path(tempfile.mkdtemp(prefix="seal-memory-"))
    try:
        proc = subprocess.Popen([sys.executable, "-c", _COMMAND, *_seal_args(source, work)],
                                cwd=tree, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"the seal failed in {tree} (exit {proc.returncode})")
        return usage.ru_maxrss
    finally:
        shutil.rmtree(work)


def stages(tree: Path, source: Path) -> list[tuple[int, str]]:
    work = Path(tempfile.mkdtemp(prefix="seal-memory-"))
    try:
        done = subprocess.run([sys.executable, "-c", _STAGES, *_seal_args(source, work)],
                              cwd=tree, capture_output=True, text=True, check=True)
    finally:
        shutil.rmtree(work)
    return [(int(kib), name) for kib, name in
            (line.split("\t") for line in done.stdout.splitlines() if "\t" in line)]


def _sizes(kib: int) -> str:
    return f"{kib:,} KiB ({kib / 1024:.1f} MiB, {kib * 1024 / 1e6:.1f} MB)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("trees", type=Path, nargs="*")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    source = args.file.resolve()
    trees = [t.resolve() for t in args.trees] or [ROOT]
    peaks: dict[Path, list[int]] = {t: [] for t in trees}
    for _ in range(args.repeat):
        for tree in trees:
            peaks[tree].append(peak_kib(tree, source))
    print(f"`handover package seal` of {source.name} ({source.stat().st_size:,} bytes), "
          f"peak RSS from wait4(), {args.repeat} run(s) per tree, alternating:\n")
    print("| tree | peak RSS (highest run) | all runs, KiB | < 64 MB |")
    print("| --- | --- | --- | --- |")
    for tree in trees:
        top = max(peaks[tree])
        runs = ", ".join(f"{k:,}" for k in peaks[tree])
        met = "met" if top * 1024 < TARGET_BYTES else "**missed**"
        print(f"| {tree} | {_sizes(top)} | {runs} | {met} |")
    for tree in trees:
        print(f"\nPeak RSS by stage, in-process with a VmRSS sampler, {tree}:\n")
        for kib, name in stages(tree, source):
            print(f"- {name}: {kib / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
