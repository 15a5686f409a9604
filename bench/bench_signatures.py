"""Person signatures (issue 12): signed appends/s through `record()`, and verifying every
entry's signature in a log of N signed entries.

    python3 bench/bench_signatures.py appends --db sqlite:///bench/_work/s.db --n 300
    python3 bench/bench_signatures.py appends --db postgresql+psycopg://… --n 300
    python3 bench/bench_signatures.py verify --db sqlite:///bench/_work/sv.db --n 1000000
    python3 bench/bench_signatures.py verify --db sqlite:///bench/_work/sv.db --n 1000000 --reuse --workers 1 2

`appends` records remarks through `record()` (one durable transaction and one checkpoint each,
as every action). Run with PYTHONPATH pointing at a checkout from before issue 12, it records
them unsigned, for the comparison (`git archive 61800b7 | tar -x -C /tmp/base`). It also
prints what one signature costs (sign + verify inside record) and one passphrase unlock with
the default KDF: the cost a CLI command pays once.

`verify` builds a log whose entry 0 registers one credential and whose other entries are
remarks signed by it (written directly, like bench_ledger.py, so building is not the measure),
then times `ledger verify` and the person-signature audit separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import crypto  # noqa: E402
import ledger  # noqa: E402
from handover import actions  # noqa: E402
from handover.clock import JST  # noqa: E402
from handover.model.database import open_database  # noqa: E402
from handover.model.journal import Journal  # noqa: E402

TINY = crypto.KdfParams(memory_kib=64, iterations=1, lanes=1)
SIGNED = hasattr(actions, "new_passphrase_credential")
T0 = dt.datetime(2026, 4, 6, 9, 0, tzinfo=JST)


def _fresh_db(url: str):
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        import sqlalchemy as sa
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS bench_signatures CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA bench_signatures")
        engine.dispose()
        url = sa.engine.make_url(url).update_query_dict(
            {"options": "-csearch_path=bench_signatures"}).render_as_string(hide_password=False)
    return open_database(url, create=True)


def cmd_appends(a) -> None:
    engine = _fresh_db(a.db)
    work = Path("bench/_work")
    key = work / "sig-appends.key"
    key.unlink(missing_ok=True)
    key.with_suffix(".pub").unlink(missing_ok=True)
    ledger.generate_key(key, "bench")
    j = Journal(engine, "ward", key, host="bench-pc", os_user="bench")
    if SIGNED:
        boot = actions.bootstrap(j, "健康部", "見本 太郎",
                                 actions.new_passphrase_credential(secrets.token_urlsafe(18), TINY))
    else:
        boot = actions.bootstrap(j, "健康部", "見本 太郎")
    staff = boot.value.staff_id
    for i in range(20):                                   # warm up
        actions.record_remark(j, staff, f"warm-up {i}")
    t = time.perf_counter()
    for i in range(a.n):
        actions.record_remark(j, staff, f"立入検査 {i}")
    took = time.perf_counter() - t
    what = "signed" if SIGNED else "unsigned (before issue 12)"
    print(f"{what}: {a.n} remarks through record(), one transaction + checkpoint each: "
          f"{a.n / took:,.0f}/s ({took / a.n * 1e3:.2f} ms each) on {engine.dialect.name}")
    if SIGNED:
        from handover.model import signatures as sig
        signer = j.signers[staff]
        digest = sig.action_digest("ward", "RemarkRecorded", {"text": "x" * 40}, staff,
                                   T0.isoformat(), sig.new_nonce())
        t = time.perf_counter()
        for _ in range(2000):
            block = signer.sign(digest)
            sig.check("passphrase-ed25519", sig.b64(signer.key.public_key().public_bytes_raw()),
                      None, block, digest)
        print(f"one signature, made and checked: {(time.perf_counter() - t) / 2000 * 1e6:.0f} µs")
        t = time.perf_counter()
        new = actions.new_passphrase_credential("見本の合言葉 correct horse battery", crypto.DEFAULT_KDF)
        made = time.perf_counter() - t
        from crypto import personal_keys
        t = time.perf_counter()
        personal_keys.unwrap(new.wrapped, "見本の合言葉 correct horse battery")
        print(f"passphrase unlock with the default KDF (once per CLI command): "
              f"{time.perf_counter() - t:.2f} s (creating one: {made:.2f} s)")


def cmd_verify(a) -> None:
    from crypto import personal_keys
    from handover.actions.credentials import registration
    from handover.model import signatures as sig
    from handover.reports.verification import check_person_signatures

    work = Path("bench/_work")
    key = work / f"sig-verify-{Path(a.db).stem}.key"
    engine = open_database(a.db) if a.reuse else _fresh_db(a.db)
    if not a.reuse:
        key.unlink(missing_ok=True)
        key.with_suffix(".pub").unlink(missing_ok=True)
        ledger.generate_key(key, "bench")
        new = actions.new_passphrase_credential(secrets.token_urlsafe(18), TINY)
        person = "U-0000-0000-0000-0"
        signer = new.signer(person)
        t = time.perf_counter()
        time_s = T0.isoformat()
        done = 0
        while done < a.n:
            with ledger.writer(engine, "ward") as lg:
                for i in range(done, min(a.n, done + 50_000)):
                    if i == 0:
                        e = registration("ward", new, person, person, time_s)
                        kind, payload = e.KIND, e.to_payload()
                    else:
                        kind, payload = "RemarkRecorded", {"text": f"立入検査 {i}"}
                    payload["origin"] = {"os_user": "bench", "host": "bench-pc"}
                    nonce = sig.new_nonce()
                    digest = sig.action_digest("ward", kind, payload, person, time_s, nonce)
                    payload["signature"] = {"v": 1, "nonce": nonce, **signer.sign(digest),
                                            "credential": new.credential_id}
                    ledger.append(lg, kind, payload, person, time_s)
                done = min(a.n, done + 50_000)
                if done == a.n:
                    ledger.take_checkpoint(lg, ledger.load_signer(key))
        print(f"built {a.n:,} signed entries in {time.perf_counter() - t:.1f} s")
    verifier = ledger.load_signer(key).verifier()
    with engine.connect() as conn:
        t = time.perf_counter()
        report = ledger.verify_log(conn, "ward", [verifier])
        chain = time.perf_counter() - t
        assert report.ok and report.size == a.n, (report.size, report.problems[:1])
    print(f"ledger verify (chain, tree, checkpoint: the unsigned verify) of {a.n:,} entries: "
          f"{chain:.2f} s", flush=True)
    for workers in a.workers or [None]:
        with engine.connect() as conn:
            t = time.perf_counter()
            audit = check_person_signatures(conn, "ward", workers=workers)
            persons = time.perf_counter() - t
        assert not audit.problems and audit.checked == a.n, audit.problems[:1]
        print(f"person signatures of {a.n:,} entries, {workers or 'default'} worker(s): "
              f"{persons:.2f} s ({a.n / persons:,.0f}/s, {persons / a.n * 1e6:.1f} µs each); "
              f"signed verify {chain + persons:.2f} s = {(chain + persons) / chain:.1f}x the "
              "unsigned", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("appends", "verify"):
        s = sub.add_parser(name)
        s.add_argument("--db", required=True)
        s.add_argument("--n", type=int, default=300)
        s.add_argument("--reuse", action="store_true", help="verify: reuse the log built before")
        s.add_argument("--workers", type=int, nargs="*",
                       help="verify: time the signature checks with each of these worker "
                            "counts (default: as `ledger verify` chooses)")
    a = p.parse_args()
    {"appends": cmd_appends, "verify": cmd_verify}[a.cmd](a)


if __name__ == "__main__":
    main()
