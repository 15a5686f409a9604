"""Package throughput and memory, compared with age, gpg, cp and `openssl speed`.

    python bench/bench_package.py [--dir bench/_work] [--gib 1] [--big-gb 4.5] [--repeat 3]
    python bench/bench_package.py --export-only [--dir bench/_work] [--gib 1] [--repeat 3]
                                  [--against OTHER-CHECKOUT]

--export-only runs just the quoted-export measurements (issue 15 §1): row counting alone,
old counter against new, in-process; sealing the export against the two-core floor (read +
AES-256-GCM + 2 × SHA-256 of the same file, measured in the same run, divided by 2 cores)
and against `age -r` on the same file; peak RSS of `handover package seal` on it. Wall
times and CPU times (user + sys, from wait4) are both shown: on a shared machine the CPU
time is the steadier figure.

Prints a Markdown report (docs/PERFORMANCE.md, "## Packages" holds one). Every command runs
as a separate process on the same input, timed from outside (so Python's start-up, ~0.1 s,
counts against us), best of --repeat runs; peak RSS comes from wait4().

- seal/open → /dev/null: `crypto.package._seal(into=/dev/null)` and `verify_package`
  (decrypt, authenticate and hash every byte, write nothing). Tiny KDF parameters, so the
  numbers are the payload's; the default KDF's time is reported on its own line.
- age: a generated X25519 identity (`age-keygen`, `-r`/`-i`), because `age -p` insists on a
  terminal; no KDF runs, which favours age slightly.
- gpg: `--symmetric --cipher-algo AES256 --compress-algo none`, passphrase on a pipe with
  `--batch --pinentry-mode loopback --passphrase-fd 0`.
- seal to disk includes fsync and the atomic rename; cp does neither, so `cp && sync` is
  shown too.
- peak RSS: sealing a sparse file of --big-gb GB (named .csv, so row counting runs on one
  endless line, its worst case) with the *default* KDF, to disk.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GIB = 1 << 30


# ------------------------------------------------------------------ workers (child processes)

def _worker(argv: list[str]) -> None:
    import secrets
    from datetime import datetime, timezone

    from crypto import DEFAULT_KDF, KdfParams, generate_password, parse_password
    from crypto import header as hdr
    from crypto.package import _seal, open_package, seal_package, verify_package

    tiny = KdfParams(8, 1, 1)
    mode, *rest = argv
    if mode == "seal-null":
        with open(os.devnull, "wb", buffering=0) as f:
            _seal([Path(rest[0])], Path(os.devnull), generate_password(), media=None,
                  package_id=None, kdf_params=tiny, progress=None, rng=secrets.token_bytes,
                  now=lambda: datetime.now(timezone.utc), chunk_size=hdr.DEFAULT_CHUNK_SIZE,
                  into=f)
    elif mode in ("seal-disk", "seal-disk-default-kdf"):
        pw = generate_password()
        seal_package([Path(rest[0])], Path(rest[1]), pw,
                     kdf_params=DEFAULT_KDF if mode.endswith("default-kdf") else tiny)
        print(pw.reveal())  # a throwaway password for the benchmark's own package
    elif mode == "verify":
        verify_package(Path(rest[0]), parse_password(sys.stdin.readline()))
    elif mode == "open":
        open_package(Path(rest[0]), Path(rest[1]), parse_password(sys.stdin.readline()))
    elif mode == "kdf":
        from crypto.kdf import measure
        print(f"{measure(DEFAULT_KDF):.3f}")
    elif mode == "seal-null-old-rows":
        # The same seal with the counter before issue 15 (now the exact fallback).
        from crypto import rows
        rows.RowCounter = _OldRowCounter
        _worker(["seal-null", *rest])
    elif mode == "count":
        print(*_count(rest[0], Path(rest[1])))
    elif mode == "floor":
        print(*_floor(Path(rest[0])))


class _OldRowCounter:
    """RowCounter as it was before issue 15: the exact path on every block."""

    def __init__(self, size=None):
        from crypto import rows
        self._exact = rows._ExactCounter(rows._START_RECORD)

    def update(self, data):
        self._exact.update(data)

    def finish(self):
        from crypto import rows
        n, state = self._exact.flush()
        return n + (state != rows._START_RECORD)


def _blocks(path: Path, size: int = 1 << 20):
    buf = bytearray(size)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            yield view[:n]


def _count(which: str, path: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds spent in the counter alone (reading excluded), and the count."""
    from crypto import rows
    counter = rows.RowCounter() if which == "new" else _OldRowCounter()
    counter.update(b"")  # imports numpy for the new counter: not part of counting a GiB
    spent = cpu = 0.0
    for block in _blocks(path):
        start, start_cpu = time.perf_counter(), time.process_time()
        counter.update(block)
        spent += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    return spent, cpu, counter.finish()


def _floor(path: Path) -> tuple[float, float, float]:
    """CPU seconds to read the file, AES-256-GCM it in 64 KiB chunks, and SHA-256 it once:
    the work no seal can avoid (it hashes twice: the file, and the package)."""
    import hashlib

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    gcm = AESGCM(bytes(32))
    read = encrypt = digest = 0.0
    sha = hashlib.sha256()
    start = time.process_time()
    for block in _blocks(path):
        now = time.process_time()
        read += now - start
        for i in range(0, len(block), 1 << 16):
            gcm.encrypt(i.to_bytes(12, "big"), block[i:i + (1 << 16)], None)
        after = time.process_time()
        encrypt += after - now
        sha.update(block)
        start = time.process_time()
        digest += start - after
    return read, encrypt, digest


# ------------------------------------------------------------------ harness

def run(cmd: list[str], *, stdin: str | None = None, env=None) -> tuple[float, str]:
    """Wall seconds and stdout of one process (or shell pipeline)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.communicate(stdin.encode() if stdin is not None else None)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {err.decode(errors='replace')}")
    return wall, out.decode()


def rss(cmd: list[str], stdin: str | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one process, from wait4()."""
    wall, _, peak = measured(cmd, stdin)
    return wall, peak


def measured(cmd: list[str], stdin: str | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + sys) and peak RSS (bytes) of one process."""
    start = time.perf_counter()
    r, w = os.pipe()
    pid = os.posix_spawn(cmd[0], cmd, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, r, 0),
                                       (os.POSIX_SPAWN_CLOSE, w),
                                       (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
    os.close(r)
    if stdin:
        os.write(w, stdin.encode())
    os.close(w)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise RuntimeError(f"{cmd} failed with status {status}")
    return (time.perf_counter() - start, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss * 1024)


def best(cmd, repeat, **kw) -> tuple[float, float]:
    times = [run(cmd, **kw)[0] for _ in range(repeat)]
    return min(times), statistics.median(times)


def openssl_speed(alg: str) -> float:
    out = subprocess.run(["openssl", "speed", "-evp", alg, "-seconds", "2"],
                         capture_output=True, text=True).stdout
    line = [ln for ln in out.splitlines() if ln.lower().startswith(alg.split("-")[0].lower())][-1]
    return float(line.split()[-1].rstrip("k")) * 1000  # bytes/s at 16 KiB blocks


# What ward systems usually export: every field quoted, Shift_JIS, CRLF.
_TYPICAL = '"{}","山田 太郎","東京都千代田区1-{}","1960-01-01","160-0022","090-0000-0000"\r\n'


def _write_rows(path: Path, row: str, encoding: str, size: int) -> None:
    if path.exists() and path.stat().st_size >= size:
        return
    with open(path, "wb") as f:
        i = 0
        while f.tell() < size:
            f.write("".join(row.format(i + k, k) for k in range(1000)).encode(encoding))
            i += 1000


def make_inputs(d: Path, gib: float) -> tuple[Path, Path, Path]:
    data, csv_, export = d / "data.bin", d / "data.csv", d / "export.csv"
    size = int(gib * GIB)
    if not data.exists() or data.stat().st_size != size:
        with open(data, "wb") as f:
            for _ in range(size // (1 << 20)):
                f.write(os.urandom(1 << 20))
    # The worst case: every record has a comma and a line break inside quotes.
    worst = '{},"山田 太郎","東京都千代田区1-{}","memo, with ""quotes""\n and a line break",090-0000-0000\r\n'
    _write_rows(csv_, worst, "utf-8", size)
    _write_rows(export, _TYPICAL, "cp932", size)
    return data, csv_, export


def export_report(d: Path, gib: float, repeat: int, py: list[str],
                  against: Path | None = None) -> None:
    """Issue 15 §1: counting old against new, sealing against the floor and age; with
    `against` (another checkout), its seal too, alternating with ours run by run."""
    load_before = os.getloadavg()
    export = d / "export.csv"
    _write_rows(export, _TYPICAL, "cp932", int(gib * GIB))
    mib = export.stat().st_size / (1 << 20)
    subprocess.run(["cat", str(export)], stdout=subprocess.DEVNULL)  # into the page cache

    counts = {}
    for which in ("old", "new"):
        runs = [run(py + ["count", which, str(export)])[1].split() for _ in range(repeat)]
        counts[which] = (min(float(r[0]) for r in runs), min(float(r[1]) for r in runs),
                         {int(r[2]) for r in runs})
    assert counts["old"][2] == counts["new"][2] and len(counts["new"][2]) == 1, counts
    floors = [tuple(map(float, run(py + ["floor", str(export)])[1].split()))
              for _ in range(repeat)]
    read, gcm, sha = (min(f[i] for f in floors) for i in range(3))
    floor = (read + gcm + 2 * sha) / 2

    key = d / "age-key.txt"
    if not key.exists():
        subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True,
                               text=True).stdout.strip()
    commands = [
        ("handover seal → /dev/null", py + ["seal-null", str(export)]),
        ("handover seal → /dev/null, old row counter", py + ["seal-null-old-rows", str(export)]),
        ("age -r → /dev/null", ["/usr/bin/env", "age", "-r", recipient, "-o", os.devnull,
                                str(export)])]
    if against is not None:
        commands.insert(1, (f"handover seal → /dev/null, {against}",
                            [py[0], str(against / "bench" / "bench_package.py"), "--worker",
                             "seal-null", str(export)]))
    # Round-robin, not all runs of one command then the next: a shared machine's load
    # changes by the minute, and alternating spreads it over every line alike.
    runs: dict[str, list] = {name: [] for name, _ in commands}
    for _ in range(repeat):
        for name, cmd in commands:
            runs[name].append(measured(cmd))
    lines = [(name, min(r[0] for r in rs), statistics.median(r[0] for r in rs),
              min(r[1] for r in rs), statistics.median(r[1] for r in rs))
             for name, rs in runs.items()]

    # The command staff run, default KDF, to disk: peak RSS.
    out, notices = d / "export-package", d / "export-notices"
    for path in (out, notices):
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir()
    handover = [sys.executable, "-c", "import sys; from cli.main import main; main()"]
    cmd_wall, _, cmd_rss = measured(handover + ["package", "seal", str(export), "--out",
                                                str(out / "export.hop"), "--notice-dir",
                                                str(notices)])
    for path in (out, notices):
        shutil.rmtree(path, ignore_errors=True)

    rows = next(iter(counts["new"][2]))
    print(f"Input: {mib:,.0f} MiB quoted CP932 export, {rows:,} records, in the page cache; "
          f"{os.cpu_count()} cores; best of {repeat} runs.\n")
    load_after = os.getloadavg()
    print(f"Load average (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.1f}' for x in load_after)} after.\n")
    print("| run | best wall s | median wall s | MiB/s (best / median wall) | best CPU s "
          "| median CPU s |")
    print("|---|---:|---:|---:|---:|---:|")
    (old, old_cpu, _), (new, new_cpu, _) = counts["old"], counts["new"]
    print(f"| row counting alone, old counter (in-process) | {old:.2f} | | {mib / old:,.0f} | "
          f"{old_cpu:.2f} | |")
    print(f"| row counting alone, new counter (in-process) | {new:.2f} | | {mib / new:,.0f} | "
          f"{new_cpu:.2f} | |")
    for name, b, m, cpu, cpu_m in lines:
        print(f"| {name} | {b:.2f} | {m:.2f} | {mib / b:,.0f} / {mib / m:,.0f} | {cpu:.2f} "
              f"| {cpu_m:.2f} |")
    print(f"| floor: read {read:.2f} + AES-256-GCM {gcm:.2f} + 2 × SHA-256 {sha:.2f}, "
          f"CPU s / 2 cores | {floor:.2f} | | {mib / floor:,.0f} | {2 * floor:.2f} | |")
    print()
    by_name = {line[0]: line for line in lines}
    seal, seal_old, age = (by_name[commands[i][0]][1] for i in (0, -2, -1))
    seal_cpu = lines[0][3]
    if against is not None:
        other = by_name[commands[1][0]]
        print(f"- seal, this tree against {against}: best {other[1] / seal:.2f}×, median "
              f"{other[2] / lines[0][2]:.2f}× faster (wall); CPU {other[3]:.2f} → {seal_cpu:.2f} s")
        print(f"- seal of the export, median: {lines[0][2] / floor:.2f}× the floor's time, "
              f"{lines[0][2] / by_name[commands[-1][0]][2]:.2f}× `age -r`'s median")
    print(f"- counting: new is {old / new:.1f}× faster than old in wall time, "
          f"{old_cpu / new_cpu:.1f}× in CPU time")
    print(f"- seal of the export: {seal / floor:.2f}× the two-core floor's time "
          f"({seal_cpu / (2 * floor):.2f}× its CPU); {seal_old / seal:.2f}× faster than with "
          f"the old counter; {seal / age:.2f}× `age -r`'s time")
    print(f"- `handover package seal` of the export (default KDF, to disk): peak RSS "
          f"{cmd_rss / 1e6:.1f} MB, {cmd_wall:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", type=Path, default=ROOT / "bench" / "_work")
    ap.add_argument("--export-only", action="store_true")
    ap.add_argument("--gib", type=float, default=1.0)
    ap.add_argument("--big-gb", type=float, default=4.5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--against", type=Path, metavar="TREE",
                    help="another checkout whose seal to run alternately with ours "
                         "(--export-only); e.g. git worktree add /tmp/seal-base main")
    args = ap.parse_args()
    d = args.dir
    d.mkdir(parents=True, exist_ok=True)
    py = [sys.executable, str(Path(__file__).resolve()), "--worker"]
    export_report(d, args.gib, args.repeat, py, args.against)
    if args.export_only:
        return
    print()
    data, csv_, export = make_inputs(d, args.gib)
    mib = data.stat().st_size / (1 << 20)
    rows: list[tuple[str, float, float]] = []

    def add(name, seconds_best, seconds_median):
        rows.append((name, seconds_best, seconds_median))

    # Inputs in the page cache for everyone.
    subprocess.run(["cat", str(data), str(csv_), str(export)], stdout=subprocess.DEVNULL)

    kdf_seconds = float(run(py + ["kdf"])[1])
    aes = openssl_speed("aes-256-gcm")
    sha = openssl_speed("sha256")

    # Ours.
    add("handover seal → /dev/null", *best(py + ["seal-null", str(data)], args.repeat))
    pkg = d / "data.hop"
    pkg.unlink(missing_ok=True)
    password = run(py + ["seal-disk", str(data), str(pkg)])[1].strip()
    add("handover open → /dev/null (verify)",
        *best(py + ["verify", str(pkg)], args.repeat, stdin=password + "\n"))
    add("handover seal CSV (row counting) → /dev/null",
        *best(py + ["seal-null", str(csv_)], args.repeat))
    add("handover seal quoted export (row counting) → /dev/null",
        *best(py + ["seal-null", str(export)], args.repeat))

    # age.
    key = d / "age-key.txt"
    if not key.exists():
        subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True,
                               text=True).stdout.strip()
    add("age -r → /dev/null", *best(["age", "-r", recipient, "-o", os.devnull, str(data)],
                                    args.repeat))
    add("age -r | openssl dgst -sha256", *best(
        ["bash", "-c", f"age -r {recipient} {data} | openssl dgst -sha256 >/dev/null"],
        args.repeat))
    aged = d / "data.age"
    subprocess.run(["age", "-r", recipient, "-o", str(aged), str(data)], check=True)
    add("age -d → /dev/null", *best(["age", "-d", "-i", str(key), "-o", os.devnull, str(aged)],
                                    args.repeat))

    # gpg.
    home = Path(tempfile.mkdtemp(prefix="gnupg-", dir=d))
    env = dict(os.environ, GNUPGHOME=str(home))
    gpg = ["gpg", "--batch", "--yes", "--quiet", "--pinentry-mode", "loopback",
           "--passphrase-fd", "0"]
    add("gpg --symmetric → /dev/null", *best(
        gpg + ["--symmetric", "--cipher-algo", "AES256", "--compress-algo", "none", "-o",
               os.devnull, str(data)], args.repeat, stdin="bench\n", env=env))
    gpged = d / "data.gpg"
    run(gpg + ["--symmetric", "--cipher-algo", "AES256", "--compress-algo", "none", "-o",
               str(gpged), str(data)], stdin="bench\n", env=env)
    add("gpg -d → /dev/null", *best(gpg + ["-d", "-o", os.devnull, str(gpged)], args.repeat,
                                    stdin="bench\n", env=env))
    shutil.rmtree(home, ignore_errors=True)

    # To disk: ours (with fsync and rename) against cp.
    disk = []
    for _ in range(args.repeat):
        pkg.unlink(missing_ok=True)
        seconds, password = run(py + ["seal-disk", str(data), str(pkg)])
        password = password.strip()
        disk.append(seconds)
    add("handover seal → disk (fsync + rename)", min(disk), statistics.median(disk))
    copy = d / "copy.bin"
    cps, cpsync = [], []
    for _ in range(args.repeat):
        copy.unlink(missing_ok=True)
        cps.append(run(["cp", str(data), str(copy)])[0])
        copy.unlink()
        cpsync.append(run(["bash", "-c", f"cp {data} {copy} && sync {copy}"])[0])
        copy.unlink()
    add("cp", min(cps), statistics.median(cps))
    add("cp && sync", min(cpsync), statistics.median(cpsync))
    out_dir = d / "opened"
    opens = []
    for _ in range(args.repeat):
        shutil.rmtree(out_dir, ignore_errors=True)
        opens.append(run(py + ["open", str(pkg), str(out_dir)], stdin=password + "\n")[0])
    shutil.rmtree(out_dir, ignore_errors=True)
    add("handover open → disk (fsync + rename)", min(opens), statistics.median(opens))

    # Peak memory on a big input, default KDF, to disk.
    big = d / "big.csv"
    with open(big, "wb") as f:
        f.truncate(int(args.big_gb * 1e9))
    big_pkg = d / "big.hop"
    big_pkg.unlink(missing_ok=True)
    big_seconds, big_rss = rss(py + ["seal-disk-default-kdf", str(big), str(big_pkg)])
    big_pkg.unlink(missing_ok=True)
    big.unlink()
    _, kdf_rss = rss(py + ["kdf"])

    # Report.
    t = {name: b for name, b, _ in rows}
    ours_seal = t["handover seal → /dev/null"]
    print(f"Input: {mib:,.0f} MiB of random bytes, and {csv_.stat().st_size / (1 << 20):,.0f} MiB "
          f"of quoted CSV (worst case) and a quoted Shift_JIS export for the row-counting lines; "
          f"all in the page cache. "
          f"{os.cpu_count()} cores. Best and median of {args.repeat} runs.\n")
    print("| run | best s | median s | MiB/s |")
    print("|---|---:|---:|---:|")
    for name, b, m in rows:
        source = export if "export" in name else csv_ if "CSV" in name else data
        size = source.stat().st_size
        print(f"| {name} | {b:.2f} | {m:.2f} | {size / (1 << 20) / b:,.0f} |")
    print(f"| openssl speed -evp aes-256-gcm (16 KiB) | | | {aes / (1 << 20):,.0f} |")
    print(f"| openssl speed -evp sha256 (16 KiB) | | | {sha / (1 << 20):,.0f} |")
    print()
    from crypto import DEFAULT_KDF as K
    print(f"- default KDF (Argon2id m={K.memory_kib // 1024} MiB, t={K.iterations}, p={K.lanes}): "
          f"{kdf_seconds:.2f} s, peak RSS "
          f"{kdf_rss / 1e6:.0f} MB")
    print(f"- seal throughput vs age → /dev/null: "
          f"{t['age -r → /dev/null'] / ours_seal:.2f}×; vs age | sha256: "
          f"{t['age -r | openssl dgst -sha256'] / ours_seal:.2f}×")
    print(f"- open throughput vs age -d: "
          f"{t['age -d → /dev/null'] / t['handover open → /dev/null (verify)']:.2f}×")
    print(f"- seal to disk vs cp: {t['handover seal → disk (fsync + rename)'] / t['cp']:.2f}× "
          f"the time; vs cp && sync: "
          f"{t['handover seal → disk (fsync + rename)'] / t['cp && sync']:.2f}×")
    print(f"- seal → /dev/null reaches {data.stat().st_size / ours_seal / aes:.0%} of "
          f"openssl's AES-256-GCM speed and {data.stat().st_size / ours_seal / sha:.0%} of its "
          f"SHA-256 speed (sealing hashes every byte twice)")
    print(f"- peak RSS sealing a {args.big_gb} GB file (default KDF, to disk): "
          f"{big_rss / 1e6:.1f} MB in {big_seconds:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2:])
    else:
        main()
