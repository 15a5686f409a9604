"""The auditor's replay of the custody rules (issue 13 §1) at scale.

    python3 bench/bench_replay.py --dir bench/_work/replay --media 33000

Generates a log with bench_scale.py's generator (M media in up to 500 cases: per package a
PackageSealed, a MediumRegistered and a NoticeIssued, per case a handover of half its media
and its confirmation; about 3 entries per medium, so 33,000 media ≈ 100,000 entries; every
entry recorded through `journal.record`, so every one passes the rules), then times, in this
process, on the same SQLite database: the replay of the rules (`model.replay.replay_rules`:
a fresh in-memory fold with each entry's check before it), the rebuild of the projection
(the same fold without the checks) and the full ledger verification, as the reference.
`--reuse` measures a database kept from an earlier run.

    python3 bench/custody_log.py build --db bench/_work/custody-1m.db --entries 1000000
    python3 bench/bench_replay.py --db bench/_work/custody-1m.db --no-rebuild

`--db` measures a log built by custody_log.py (realistic cases, every moment of 004, built
without `record()`'s per-act costs) instead. Each figure is printed with the load average
around it, and the unsigned `ledger verify` (chain, tree, checkpoint: `ledger.verify_log`)
of the same log in the same run is the reference the replay is a multiple of.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import generate  # noqa: E402

import ledger  # noqa: E402
from handover import reports  # noqa: E402
from handover.config import Settings  # noqa: E402
from handover.model import fold  # noqa: E402
from handover.model.database import open_database  # noqa: E402
from handover.model.replay import replay_rules  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def timed_cpu(fn):
    """Wall and CPU seconds: on the shared machine the CPU time is the steadier figure."""
    c, t = time.process_time(), time.perf_counter()
    value = fn()
    return time.perf_counter() - t, time.process_time() - c, value


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _reporting_progress(every: int) -> None:
    """Print the entries the replay has read every `every` entries, with wall and CPU time:
    a long replay shows its rate as it goes (the replay reads through `ledger.read_entries`)."""
    read = ledger.read_entries

    def counted(*args, **kwargs):
        c, t = time.process_time(), time.perf_counter()
        for n, entry in enumerate(read(*args, **kwargs), 1):
            if n % every == 0:
                print(f"    {n:,} entries read: {time.perf_counter() - t:.0f} s, CPU "
                      f"{time.process_time() - c:.0f} s, load {_load()}", flush=True)
            yield entry
    ledger.read_entries = counted


def measure_log(db: Path, log: str, rebuild: bool, progress: int | None = None) -> None:
    """Replay, unsigned verify (and rebuild) of one log, each with the load around it."""
    engine = open_database(f"sqlite:///{db}")
    if progress:
        _reporting_progress(progress)
    verifiers = ledger.load_verifiers([db.parent / "keys" / "sign.pub"])
    before = _load()
    replay_s, replay_cpu, found = timed_cpu(lambda: replay_rules(engine, log))
    n = found.entries
    print(f"{db.name}: {n:,} entries, {len(found.findings)} findings", flush=True)
    for f in found.findings[:5]:
        print("   ", f.text())
    print(f"  replay of the rules  {replay_s:8.1f} s  {n / replay_s:8.0f} entries/s  "
          f"CPU {replay_cpu:.1f} s ({n / replay_cpu:.0f}/s)  load {before} -> {_load()}",
          flush=True)
    before = _load()

    def verify():
        with engine.connect() as conn:
            report = ledger.verify_log(conn, log, verifiers)
        assert report.ok and report.size == n, (report.size, report.problems[:1])
    verify_s, verify_cpu, _ = timed_cpu(verify)
    print(f"  ledger verify (unsigned: chain, tree, checkpoint)  {verify_s:8.1f} s  "
          f"{n / verify_s:8.0f} entries/s  CPU {verify_cpu:.1f} s  load {before} -> {_load()}",
          flush=True)
    print(f"  replay / verify      {replay_s / verify_s:8.1f}x wall, "
          f"{replay_cpu / verify_cpu:.1f}x CPU", flush=True)
    if rebuild:
        before = _load()
        rebuild_s, _ = timed(lambda: fold.rebuild(engine, log))
        print(f"  rebuild (no checks)  {rebuild_s:8.1f} s  {n / rebuild_s:8.0f} entries/s  "
              f"load {before} -> {_load()}", flush=True)
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=Path("bench/_work/replay"))
    ap.add_argument("--media", type=int, nargs="+", default=[33000])
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--db", type=Path, nargs="+", metavar="FILE",
                    help="measure these logs built by custody_log.py instead")
    ap.add_argument("--no-rebuild", action="store_true", help="with --db: skip the rebuild")
    ap.add_argument("--progress", type=int, metavar="N",
                    help="with --db: print the replay's progress every N entries")
    args = ap.parse_args()
    if args.db:
        for db in args.db:
            measure_log(db, "ward", not args.no_rebuild, args.progress)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    for media in args.media:
        cases = min(args.cases, max(1, media // 2))
        settings = Settings(f"sqlite:///{args.dir / f'scale-{media}.db'}",
                            args.dir / "keys" / "sign.key", "ward")
        if not (args.reuse and (args.dir / f"scale-{media}.db").exists()):
            settings, _ = generate(args.dir, media, cases)
        engine = open_database(settings.db_url)
        replay_s, found = timed(lambda: replay_rules(engine, "ward"))
        rebuild_s, _ = timed(lambda: fold.rebuild(engine, "ward"))
        verify_s, _ = timed(lambda: reports.verify(settings, [settings.public_key_path], None))
        engine.dispose()
        n = found.entries
        print(f"{media} media, {cases} cases, {n} entries, {len(found.findings)} findings:")
        print(f"  replay of the rules  {replay_s:8.1f} s  {n / replay_s:8.0f} entries/s")
        print(f"  rebuild (no checks)  {rebuild_s:8.1f} s  {n / rebuild_s:8.0f} entries/s")
        print(f"  ledger verify        {verify_s:8.1f} s  {n / verify_s:8.0f} entries/s",
              flush=True)


if __name__ == "__main__":
    main()
