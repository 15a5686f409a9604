"""Ledger benchmarks: durable appends/s and full-verify speed.

    python3 bench/bench_ledger.py appends --db sqlite:///bench/_work/a.db --n 5000
    python3 bench/bench_ledger.py appends --db sqlite:///bench/_work/a.db --n 5000 --checkpoint
    python3 bench/bench_ledger.py appends --db postgresql+psycopg://… --n 5000
    python3 bench/bench_ledger.py parallel --db postgresql+psycopg://… --writers 8 --n 1000
    python3 bench/bench_ledger.py verify --db sqlite:///bench/_work/v.db --n 1000000
    python3 bench/bench_ledger.py verify --db sqlite:///bench/_work/v.db --n 1000000 --reuse --repeat 3 \
        --baseline /tmp/verify-base
    python3 bench/bench_ledger.py witness --db sqlite:///bench/_work/w.db --n 100000

"Durable" means one transaction per append, committed with fsync (SQLite WAL,
synchronous=FULL; PostgreSQL's defaults, fsync and synchronous_commit on).
Verify is compared, in the same run, with plain SHA-256 over the same stored bytes read
the same way: the floor no verifier of these entries can go below.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import subprocess
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


SCHEMA = "bench_ledger"  # PostgreSQL: the bench never touches tables of tests or colleagues


def _own_schema(url: str) -> str:
    """For PostgreSQL, `url` with every connection's search_path set to the bench's schema."""
    u = sa.engine.make_url(url)
    if u.get_backend_name() != "postgresql":
        return url
    engine = sa.create_engine(u)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    engine.dispose()
    return u.update_query_dict({"options": f"-csearch_path={SCHEMA}"}).render_as_string(hide_password=False)


def _fresh(url: str) -> sa.Engine:
    engine = ledger.create_engine(url)
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS ledger_entries, ledger_checkpoints, ledger_cosignatures CASCADE")
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


class RawDriver:
    """The floor for durable appends: the bare driver inserting a row of the same size, one
    commit each, same durability (SQLite WAL + synchronous=FULL; PostgreSQL defaults), in a
    table of its own (PostgreSQL: in the bench's own schema)."""

    def __init__(self, url: str):
        self.i = 0
        u = sa.engine.make_url(url)
        if u.get_backend_name() == "sqlite":
            import sqlite3
            path = u.database + "-raw"
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("CREATE TABLE raw (log TEXT, idx INTEGER, entry BLOB, hash BLOB, "
                            "PRIMARY KEY (log, idx))")
            self.sql, self.begin = "INSERT INTO raw VALUES (?, ?, ?, ?)", "BEGIN IMMEDIATE"
        else:
            import psycopg
            self.db = psycopg.connect(u.set(drivername="postgresql", query={})
                                      .render_as_string(hide_password=False), autocommit=True)
            self.db.execute(f"SET search_path TO {SCHEMA}")
            self.db.execute("DROP TABLE IF EXISTS raw")
            self.db.execute("CREATE TABLE raw (log TEXT, idx BIGINT, entry BYTEA, hash BYTEA, "
                            "PRIMARY KEY (log, idx))")
            self.sql, self.begin = "INSERT INTO raw VALUES (%s, %s, %s, %s)", "BEGIN"

    def append(self, count: int) -> None:
        row, db, sql, begin = b"x" * 275, self.db, self.sql, self.begin
        for _ in range(count):
            db.execute(begin)
            db.execute(sql, ("bench", self.i, row, row[:32]))
            db.execute("COMMIT")
            self.i += 1


class Baseline:
    """Another checkout's plain append (bench/appends_child.py), in a process of its own and
    a fresh database of its own: its ledger may predate this one's schema."""

    def __init__(self, tree: str, url: str):
        u = sa.engine.make_url(url)
        if u.get_backend_name() == "sqlite":
            path = Path(u.database + "-baseline")
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            url = u.set(database=str(path)).render_as_string(hide_password=False)
        else:
            schema = SCHEMA + "_baseline"
            u = u.set(query={k: v for k, v in u.query.items() if k != "options"})
            engine = sa.create_engine(u)
            with engine.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            engine.dispose()
            url = u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False)
        child = Path(__file__).with_name("appends_child.py")
        self.proc = subprocess.Popen([sys.executable, str(child), tree, url], text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def append(self, count: int) -> float:
        self.proc.stdin.write(f"{count}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"bench: the baseline's appends failed (exit {self.proc.wait()})")
        return float(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def against_raw(url: str, n: int, block: int = 50, baseline: str | None = None) -> tuple[float, ...]:
    """(raw driver, ledger, ledger with a checkpoint each[, baseline's plain ledger]) appends/s,
    in alternating blocks so all of them see the same disk and the same neighbours' load."""
    engine = ledger.create_engine(url)
    signer = note.generate_signer("bench")
    raw = RawDriver(url)
    base = Baseline(baseline, url) if baseline else None
    spent = [0.0, 0.0, 0.0, 0.0]
    for start in range(0, n, block):
        count = min(n, start + block) - start
        t = time.perf_counter()
        raw.append(count)
        spent[0] += time.perf_counter() - t
        if base:
            spent[3] += base.append(count)
        for mode, log in ((1, "plain"), (2, "signed")):
            t = time.perf_counter()
            for i in range(start, start + count):
                with ledger.writer(engine, log) as lg:
                    ledger.append(lg, "MediumProvided", PAYLOAD | {"i": i}, "U-STAFF", T0)
                    if mode == 2:
                        ledger.take_checkpoint(lg, signer)
            spent[mode] += time.perf_counter() - t
    raw.db.close()
    engine.dispose()
    if base:
        base.close()
    return tuple(n / x for x in spent if x)


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
    raw, rate, signed, *base = against_raw(a.db, a.n, baseline=a.baseline)
    print(f"durable appends, one writer, {a.n} each, alternating blocks of 50: raw driver {raw:,.0f}/s; "
          f"ledger {rate:,.0f}/s ({rate / raw:.2f}x raw); with a checkpoint each {signed:,.0f}/s "
          f"({signed / raw:.2f}x raw, {signed / rate:.2f}x the plain ledger)")
    if base:
        print(f"  baseline {a.baseline}, plain appends (no checkpoint), same blocks: {base[0]:,.0f}/s "
              f"({base[0] / raw:.2f}x raw); this checkout with a checkpoint each = "
              f"{signed / base[0]:.2f}x the baseline")


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
    if a.reuse and not key.exists():
        sys.exit(f"no key {key} beside a log to reuse: build the log first, without --reuse")
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
        total, count = conn.execute(sa.select(sa.func.sum(sa.func.length(entries.c.entry)), sa.func.count())
                                    .where(entries.c.log == "bench")).one()
    if count != a.n:
        sys.exit(f"the log holds {count:,} entries, not --n {a.n:,}: give the same --n as when it was built")
    print(f"stored entry bytes: {total / 1e6:.1f} MB ({total / a.n:.0f} bytes/entry)")

    verifier = signer.verifier()
    for run in range(a.repeat):
        floor_sa, floor_raw = _floors(engine)
        base = _baseline(a.baseline, engine.url, key) if a.baseline else None
        with engine.connect() as conn:
            t = time.perf_counter()
            report = ledger.verify_log(conn, "bench", [verifier])
            full = time.perf_counter() - t
        assert report.ok and report.size == a.n, report.problems
        serial = None
        if a.serial:   # the same verify in this process alone (as below ranges.WORTH_IT)
            from ledger import ranges
            worth_it, ranges.WORTH_IT = ranges.WORTH_IT, a.n + 1
            with engine.connect() as conn:
                t = time.perf_counter()
                assert ledger.verify_log(conn, "bench", [verifier]).ok
                serial = time.perf_counter() - t
            ranges.WORTH_IT = worth_it
        print(f"run {run + 1}, load average {os.getloadavg()[0]:.2f}: verify {a.n:,} entries {full:.2f} s; "
              f"floor (read + SHA-256, one process) {floor_raw:.2f} s through the driver, "
              f"{floor_sa:.2f} s through SQLAlchemy; verify / floor = {full / floor_raw:.2f}x "
              f"({full / floor_sa:.2f}x the SQLAlchemy floor)"
              + (f"; baseline {a.baseline}: {base:.2f} s ({base / full:.2f}x this verify)" if base else "")
              + (f"; in one process: {serial:.2f} s" if serial else ""), flush=True)


def _floors(engine: sa.Engine) -> tuple[float, float]:
    """Read the same rows and SHA-256 them, nothing else, in one process: through SQLAlchemy
    (as the serial verify reads) and through the driver's cursor (as the workers read)."""
    sha = hashlib.sha256
    with engine.connect() as conn:
        t = time.perf_counter()
        rows = conn.execute(
            sa.select(entries.c.idx, entries.c.entry, entries.c.hash)
            .where(entries.c.log == "bench").order_by(entries.c.idx),
            execution_options={"yield_per": 10_000})
        for _idx, raw, _h in rows:
            sha(b"\x00" + raw).digest()
        floor_sa = time.perf_counter() - t
    dbapi = engine.raw_connection()
    try:
        p = "?" if engine.dialect.name == "sqlite" else "%s"
        cur = dbapi.cursor()
        t = time.perf_counter()
        cur.execute(f"SELECT idx, entry, hash FROM ledger_entries WHERE log = {p} ORDER BY idx", ("bench",))
        for _idx, raw, _h in cur:
            sha(b"\x00" + raw).digest()
        floor_raw = time.perf_counter() - t
        cur.close()
        dbapi.rollback()
    finally:
        dbapi.close()
    return floor_sa, floor_raw


_BASELINE = """
import sys, time
import ledger
assert ledger.__file__.startswith(sys.argv[1]), ledger.__file__
engine = ledger.create_engine(sys.argv[2])
verifier = ledger.load_signer(sys.argv[3]).verifier()
with engine.connect() as conn:
    t = time.perf_counter()
    report = ledger.verify_log(conn, "bench", [verifier])
    print(time.perf_counter() - t)
assert report.ok, report.problems
"""


def _baseline(tree: str, url: sa.URL, key: Path) -> float:
    """The same verify by another checkout of the code (e.g. `git worktree add --detach
    /tmp/verify-base main`), in a process of its own, timed inside it."""
    import subprocess
    root = str(Path(tree).resolve())
    if url.get_backend_name() == "sqlite":   # it runs in the other checkout's directory
        url = url.set(database=str(Path(url.database).resolve()))
    out = subprocess.run([sys.executable, "-c", _BASELINE, root, url.render_as_string(hide_password=False),
                          str(key.resolve())], cwd=root, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"the baseline verify in {root} failed:\n{out.stderr}")
    return float(out.stdout.split()[-1])


def cmd_witness(a):
    """A witness run, verify with a required witness, and check-paper, on an n-entry log whose
    paper checkpoint is at n/2 and whose witness last cosigned at n/2."""
    import tempfile
    from ledger.witness import Cosigner
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    engine = _fresh(a.db)
    signer = note.generate_signer("bench")
    cosigner = Cosigner("bench-witness", Ed25519PrivateKey.generate())
    state = Path(tempfile.mkdtemp()) / "witness.json"
    half = a.n // 2
    for start, stop in ((0, half), (half, a.n)):
        with ledger.writer(engine, "bench") as lg:
            for i in range(start, stop):
                ledger.append(lg, "MediumProvided", PAYLOAD | {"i": i}, "U-STAFF", T0)
            cp = ledger.take_checkpoint(lg, signer)
        if start == 0:
            paper = cp.note
            ledger.cosign_newest(engine, "bench", [signer.verifier()], cosigner, state, 1)
    t = time.perf_counter()
    c = ledger.cosign_newest(engine, "bench", [signer.verifier()], cosigner, state, 2)
    cosign = time.perf_counter() - t
    assert c.size == a.n and c.previous_size == half
    with engine.connect() as conn:
        t = time.perf_counter()
        plain = ledger.verify_log(conn, "bench", [signer.verifier()])
        t_plain = time.perf_counter() - t
        t = time.perf_counter()
        witnessed = ledger.verify_log(conn, "bench", [signer.verifier()], witnesses=[cosigner.verifier()])
        t_witnessed = time.perf_counter() - t
        t = time.perf_counter()
        check = ledger.check_paper(conn, "bench", paper, [signer.verifier()])
        t_paper = time.perf_counter() - t
    assert plain.ok and witnessed.ok and witnessed.witnessed_size == a.n and check.head.size == a.n
    print(f"witness cosign {half:,} -> {a.n:,} (reads {a.n:,} leaf hashes, proof of "
          f"{len(check.proof)} hashes): {cosign:.2f} s")
    print(f"verify {a.n:,} entries: {t_plain:.2f} s; with --witness-key: {t_witnessed:.2f} s")
    print(f"check-paper at size {half:,} against head {a.n:,}: {t_paper:.2f} s")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("appends", "parallel", "verify", "witness"):
        s = sub.add_parser(name)
        s.add_argument("--db", required=True)
        s.add_argument("--n", type=int, default=5000)
        s.add_argument("--writers", type=int, default=8)
        s.add_argument("--reuse", action="store_true", help="verify: reuse an existing log")
        s.add_argument("--checkpoint", action="store_true", help="appends: compare with a checkpoint per append")
        s.add_argument("--repeat", type=int, default=1, help="verify: runs, each with its floor")
        s.add_argument("--baseline", help="verify: also time the verify of this checkout (a git "
                       "worktree); appends: also time its plain append, in the same blocks")
        s.add_argument("--serial", action="store_true", help="verify: also time it in one process")
    a = p.parse_args()
    a.db = _own_schema(a.db)
    {"appends": cmd_appends, "parallel": cmd_parallel, "verify": cmd_verify,
     "witness": cmd_witness}[a.cmd](a)


if __name__ == "__main__":
    main()
