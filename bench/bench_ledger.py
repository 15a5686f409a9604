"""Ledger benchmarks: durable appends/s and full-verify speed.

    python3 bench/bench_ledger.py appends --db sqlite:///bench/_work/a.db --n 5000
    python3 bench/bench_ledger.py appends --db sqlite:///bench/_work/a.db --n 5000 --checkpoint
    python3 bench/bench_ledger.py appends --db postgresql+psycopg://… --n 5000
    python3 bench/bench_ledger.py parallel --db postgresql+psycopg://… --writers 8 --n 1000
    python3 bench/bench_ledger.py verify --db sqlite:///bench/_work/v.db --n 1000000

"Durable" means one transaction per append, committed with fsync (SQLite WAL,
synchronous=FULL; PostgreSQL's defaults, fsync and synchronous_commit on).
Verify is compared, in the same run, with plain SHA-256 over the same stored bytes read
the same way: the floor no verifier of these entries can go below.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ledger  # noqa: E402
from ledger import note  # noqa: E402
from ledger.schema import entries  # noqa: E402

T0 = "2026-11-22T10:00:00+09:00"
PAYLOAD = {"case": "C-XXXX-XXXX-XXXX-X", "medium": "M-JN5K-PT2Y-WJP9-8", "records": 68000,
           "method": "hand", "to": "U-ABCD-EFGH-JKMN-P"}


def _fresh(url: str) -> sa.Engine:
    engine = ledger.create_engine(url)
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS ledger_entries, ledger_checkpoints CASCADE")
    engine.dispose()
    engine = ledger.create_engine(url)
    ledger.create_schema(engine)
    return engine


def durable_appends(url: str, n: int, log: str = "bench", checkpoint: bool = False) -> float:
    """Appends/s, one transaction each; with `checkpoint`, each also signs a checkpoint
    (what journal.record does at the end of every recording transaction)."""
    engine = ledger.create_engine(url)
    signer = note.generate_signer("bench")
    t = time.perf_counter()
    for i in range(n):
        with ledger.writer(engine, log) as lg:
            ledger.append(lg, "MediumProvided", PAYLOAD | {"i": i}, "U-STAFF", T0)
            if checkpoint:
                ledger.take_checkpoint(lg, signer)
    dt = time.perf_counter() - t
    engine.dispose()
    return n / dt


def interleaved(url: str, n: int, block: int = 50) -> tuple[float, float]:
    """(plain, with a checkpoint each) appends/s, measured in alternating blocks on two logs
    of one database, so both see the same disk and the same neighbours' load."""
    engine = ledger.create_engine(url)
    signer = note.generate_signer("bench")
    spent = {False: 0.0, True: 0.0}
    for start in range(0, n, block):
        for signed in (False, True):
            log = "signed" if signed else "plain"
            t = time.perf_counter()
            for i in range(start, min(n, start + block)):
                with ledger.writer(engine, log) as lg:
                    ledger.append(lg, "MediumProvided", PAYLOAD | {"i": i}, "U-STAFF", T0)
                    if signed:
                        ledger.take_checkpoint(lg, signer)
            spent[signed] += time.perf_counter() - t
    engine.dispose()
    return n / spent[False], n / spent[True]


def _worker(args):
    url, log, n = args
    return durable_appends(url, n, log)


def cmd_appends(a):
    _fresh(a.db)
    if a.checkpoint:
        plain, signed = interleaved(a.db, a.n)
        print(f"durable appends, one writer, {a.n} appends each, alternating blocks of 50: "
              f"{plain:,.0f}/s plain, {signed:,.0f}/s with a checkpoint each "
              f"({signed / plain:.2f}x)")
        return
    rate = durable_appends(a.db, a.n)
    print(f"durable appends, one writer, {a.n} appends: {rate:,.0f}/s")


def cmd_parallel(a):
    _fresh(a.db)
    ctx = mp.get_context("spawn")
    t = time.perf_counter()
    with ctx.Pool(a.writers) as pool:
        pool.map(_worker, [(a.db, f"ward-{w}", a.n) for w in range(a.writers)])
    dt = time.perf_counter() - t
    print(f"durable appends, {a.writers} writers on {a.writers} logs: "
          f"{a.writers * a.n / dt:,.0f}/s in total ({a.writers * a.n} appends in {dt:.1f} s)")


def cmd_verify(a):
    engine = _fresh(a.db) if not a.reuse else ledger.create_engine(a.db)
    # The key is kept beside the database: --reuse must sign with the log's own key.
    key = Path("bench/_work") / f"verify-{engine.url.database and Path(engine.url.database).stem or 'pg'}.key"
    if not a.reuse:
        key.unlink(missing_ok=True)
        key.with_suffix(".pub").unlink(missing_ok=True)
        ledger.generate_key(key, "bench")
    signer = ledger.load_signer(key)
    if not a.reuse:
        t = time.perf_counter()
        with ledger.writer(engine, "bench") as lg:
            for i in range(a.n):
                ledger.append(lg, "MediumProvided", PAYLOAD | {"i": i}, "U-STAFF", T0)
            ledger.take_checkpoint(lg, signer)
        print(f"built {a.n:,} entries in {time.perf_counter() - t:.1f} s")
    else:
        with ledger.writer(engine, "bench") as lg:
            ledger.take_checkpoint(lg, signer)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.sum(sa.func.length(entries.c.entry)))).scalar()
    print(f"stored entry bytes: {total / 1e6:.1f} MB ({total / a.n:.0f} bytes/entry)")

    # The floor: read the same rows the same way and SHA-256 them, nothing else.
    with engine.connect() as conn:
        t = time.perf_counter()
        rows = conn.execute(
            sa.select(entries.c.idx, entries.c.entry, entries.c.hash)
            .where(entries.c.log == "bench").order_by(entries.c.idx),
            execution_options={"yield_per": 10_000})
        sha = hashlib.sha256
        for _idx, raw, _h in rows:
            sha(b"\x00" + raw).digest()
        floor = time.perf_counter() - t
    with engine.connect() as conn:
        t = time.perf_counter()
        report = ledger.verify_log(conn, "bench", [signer.verifier()])
        full = time.perf_counter() - t
    assert report.ok and report.size == a.n, report.problems
    print(f"verify {a.n:,} entries: {full:.2f} s ({a.n / full:,.0f} entries/s)")
    print(f"read + SHA-256 only: {floor:.2f} s; verify / floor = {full / floor:.2f}x")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("appends", "parallel", "verify"):
        s = sub.add_parser(name)
        s.add_argument("--db", required=True)
        s.add_argument("--n", type=int, default=5000)
        s.add_argument("--writers", type=int, default=8)
        s.add_argument("--reuse", action="store_true", help="verify: reuse an existing log")
        s.add_argument("--checkpoint", action="store_true", help="appends: compare with a checkpoint per append")
    a = p.parse_args()
    {"appends": cmd_appends, "parallel": cmd_parallel, "verify": cmd_verify}[a.cmd](a)


if __name__ == "__main__":
    main()
