"""Web application latency under 20 concurrent clients on loopback (issue 14).

    python3 bench/bench_web.py --dir /tmp/bench-web [--pg-url postgresql+psycopg://…]

Generates a ward (through handover.actions and journal.record, as bench_scale.py does): one
case with 500 sealed packages, each a medium and a notice (1,000 items), half of the media
provided to the contractor and confirmed, plus --other-cases cases of 10 media each; then
serves the application with uvicorn on a free loopback port (one process of its own, as
`handover serve` runs; `--same-process` serves from a thread of this one, sharing the GIL
with the clients, as the first runs did) and lets --clients threads, each signed in with a session of its own
and one persistent HTTP/1.1 connection (http.client), request one kind at a time (all
clients together, then the next kind):

- the dashboard of the staff member (`GET /`: what waits for them, every open case);
- the case page of the 1,000-item case (`GET /cases/C-…`: roster, every item, handovers,
  the ledger's timeline);
- a scan at the scanning station (`POST /scan/…/code` with a label payload, as htmx sends
  it: the scan area only).

Each client does --requests requests of each kind; p50, p99 and max per kind, over every
client, with the requests per second of that phase. SQLite (a file) and, with --pg-url, PostgreSQL (a fresh schema,
dropped afterwards). The target (issue 14): p99 under 100 ms for a scan.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import re
import multiprocessing
import secrets
import socket
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger  # noqa: E402
from bench_scale import BENCH_KDF, HOST, _case_events, _Clock  # noqa: E402
from handover import actions, label_codes  # noqa: E402
from handover.config import Settings  # noqa: E402
from handover.model import events as ev  # noqa: E402
from handover.model.database import open_database  # noqa: E402
from handover.model.journal import Journal, record  # noqa: E402

PASSPHRASE = "bench passphrase, not a real one"


def generate(settings: Settings, big: int, others: int) -> dict:
    j = Journal(open_database(settings.db_url, create=True), "ward", settings.key_path,
                clock=_Clock(), host=HOST, os_user="bench")
    boot = actions.bootstrap(j, "新宿区 健康部保健予防課", "見本 太郎",
                             actions.new_passphrase_credential(PASSPHRASE, BENCH_KDF)).value
    ward, staff = boot.ward_org_id, boot.staff_id
    contractor = actions.register_org(j, staff, "株式会社見本ツーリスト", "contractor").value
    handler = actions.register_person(j, staff, "架空 花子", contractor, ["responsible_handler"]).value
    new = actions.new_passphrase_credential(PASSPHRASE, BENCH_KDF)
    actions.enrol_credential(j, staff, handler, new)
    j.unlocked(new.signer(handler))
    cases = [actions.open_case(j, staff, f"接種券発送業務 {n}", [contractor], dt.date(2026, 4, 1),
                               dt.date(2027, 3, 31), [handler]).value for n in range(1 + others)]
    workstation = actions.register_workstation(j, staff, HOST, "暗号化専用PC", cases).value
    media_of = {}
    for case_id, media in zip(cases, [big] + [10] * others):
        when = (j.clock.now + dt.timedelta(seconds=1)).isoformat()
        events, handover = _case_events(case_id, media, staff, ward, handler, contractor,
                                        workstation, when)
        record(j, staff, lambda tx, events=events: (events, None))
        record(j, handler, lambda tx, h=handover: ([ev.HandoverConfirmed(
            handover_id=h, confirmed_by=handler, confirmed_at=tx.now.isoformat(),
            condition="封緘異常なし")], None))
        media_of[case_id] = [e.medium_id for e in events if isinstance(e, ev.MediumRegistered)]
    with j.engine.connect() as conn:
        size = ledger.log_size(conn, "ward")
        items = conn.execute(sa.text("SELECT count(*) FROM proj_items WHERE case_id = :c"),
                             {"c": cases[0]}).scalar_one()
    j.engine.dispose()
    return {"staff": staff, "case": cases[0], "media": media_of[cases[0]], "entries": size,
            "items": items, "clock": j.clock}


class Client:
    """One browser: a session cookie, a CSRF token, one keep-alive connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None) -> tuple[int, str, float]:
        body = urlencode(form, doseq=True) if form is not None else None
        h = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        t = time.perf_counter()
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        text = r.read().decode()
        took = time.perf_counter() - t
        cookie = r.getheader("set-cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return r.status, text, took

    def sign_in(self, person_id: str) -> None:
        self.request("GET", "/signin")
        status, _, _ = self.request("POST", "/signin", {"csrf": self.csrf, "person": person_id,
                                                        "passphrase": PASSPHRASE})
        assert status == 303, status
        self.request("GET", "/")

    def open_station(self, case_id: str, expected: list[str]) -> str:
        self.request("GET", f"/scan?case={quote(case_id)}")
        self.conn.request("POST", "/scan", body=urlencode(
            {"csrf": self.csrf, "case": case_id, "expected": expected}, doseq=True),
            headers={"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"})
        r = self.conn.getresponse()
        r.read()
        assert r.status == 303, r.status
        station = r.getheader("location")
        self.request("GET", station)
        return station


def run_clients(port: int, data: dict, label_key, clients: int, requests: int) -> dict:
    payloads = [label_codes.label_payload(m, label_key) for m in data["media"]]
    timings: dict[str, list[float]] = {"dashboard": [], "case page": [], "scan": []}
    errors: list[str] = []
    lock = threading.Lock()
    phases = {k: threading.Barrier(clients + 1) for k in timings}
    done = {k: threading.Barrier(clients + 1) for k in timings}
    walls: dict[str, float] = {}

    def client(n: int) -> None:
        try:
            c = Client(port)
            c.sign_in(data["staff"])
            station = c.open_station(data["case"], data["media"])
            mine: dict[str, list[float]] = {k: [] for k in timings}
            for kind in timings:            # one phase per kind: every client requests it
                phases[kind].wait()
                for i in range(requests):
                    method, path, form, headers = {
                        "dashboard": ("GET", "/", None, None),
                        "case page": ("GET", f"/cases/{data['case']}", None, None),
                        "scan": ("POST", f"{station}/code",
                                 {"csrf": c.csrf,
                                  "code": payloads[(n * requests + i) % len(payloads)]},
                                 {"HX-Request": "true"})}[kind]
                    status, _, took = c.request(method, path, form, headers)
                    if status != 200:
                        raise RuntimeError(f"{kind}: HTTP {status}")
                    mine[kind].append(took)
                done[kind].wait()
            with lock:
                for k, v in mine.items():
                    timings[k] += v
        except Exception as e:     # noqa: BLE001  (reported, the run fails)
            errors.append(f"client {n}: {e!r}")
            for b in (*phases.values(), *done.values()):
                b.abort()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    try:
        for kind in timings:
            phases[kind].wait()
            started = time.perf_counter()
            done[kind].wait()
            walls[kind] = time.perf_counter() - started
    except threading.BrokenBarrierError:
        pass
    for t in threads:
        t.join()
    if errors:
        raise SystemExit("; ".join(errors))
    out = {}
    for kind, values in timings.items():
        values.sort()
        out[kind] = {"n": len(values), "p50": statistics.median(values) * 1000,
                     "p99": values[min(len(values) - 1, int(len(values) * 0.99))] * 1000,
                     "max": values[-1] * 1000, "per_s": len(values) / walls[kind]}
    return out


def _config(app):
    import uvicorn
    # Keep-alive long enough that a client waiting at a phase barrier keeps its connection
    # (uvicorn's default is 5 s; browsers reconnect by themselves).
    return uvicorn.Config(app, host="127.0.0.1", port=0, access_log=False, log_config=None,
                          lifespan="off", timeout_keep_alive=600)


def _serve(settings: Settings, label_key: Path, clock, sock: socket.socket) -> None:
    import uvicorn
    from web.app import create_app
    app = create_app(settings, label_key=label_key, host=HOST, clock=clock)
    uvicorn.Server(_config(app)).run(sockets=[sock])


def _wait_listening(port: int) -> None:
    """Until the server answers a request (the socket accepts before uvicorn serves)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/signin")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def bench(label: str, settings: Settings, args) -> None:
    import uvicorn
    from web.app import create_app
    t = time.perf_counter()
    data = generate(settings, args.media, args.other_cases)
    print(f"{label}: generated {data['entries']} entries, {data['items']} items in the big case "
          f"in {time.perf_counter() - t:.1f} s", flush=True)
    label_key = args.dir / "keys" / "label.key"
    if not label_key.exists():
        label_codes.create_key(label_key)
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if args.same_process:
        # The server in a thread of this process: its requests share the GIL with the 20
        # clients' own Python (sending, reading, parsing), as the first runs measured.
        app = create_app(settings, label_key=label_key, host=HOST, clock=data["clock"])
        server = uvicorn.Server(_config(app))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        stop = lambda: (setattr(server, "should_exit", True), thread.join(10),  # noqa: E731
                        app.state.ctx.engine.dispose())
    else:
        # The server in a process of its own, as `handover serve` runs on the ward's PC and
        # the browsers run elsewhere: forked after the ward is generated, before any client
        # thread starts; the application (and its database engine) is made in the child.
        child = multiprocessing.get_context("fork").Process(
            target=_serve, args=(settings, label_key, data["clock"], sock), daemon=True)
        child.start()
        _wait_listening(port)
        stop = lambda: (child.terminate(), child.join(10))  # noqa: E731
    try:
        result = run_clients(port, data, label_codes.load_label_key(label_key), args.clients,
                             args.requests)
    finally:
        stop()
        sock.close()
    where = "in this process" if args.same_process else "in its own process"
    print(f"{label}: {args.clients} concurrent clients × {args.requests} requests, one kind "
          f"at a time; the server {where}")
    print(f"  {'':<12} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>7}")
    for kind in ("dashboard", "case page", "scan"):
        r = result[kind]
        print(f"  {kind:<12} {r['n']:>5} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f} "
              f"{r['per_s']:>7.1f}")
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=Path("bench/_work/web"))
    ap.add_argument("--media", type=int, default=500,
                    help="media (each with its notice) in the big case: 500 → 1,000 items")
    ap.add_argument("--other-cases", type=int, default=20)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=25)
    ap.add_argument("--pg-url", help="also measure on PostgreSQL (a fresh schema, dropped after)")
    ap.add_argument("--same-process", action="store_true",
                    help="serve from a thread of this process, sharing the GIL with the "
                         "clients (the first runs' set-up); default: a process of its own")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    key = args.dir / "keys" / "sign.key"
    if not key.exists():
        ledger.generate_key(key, "handover-bench")
    db = args.dir / f"web-{secrets.token_hex(4)}.db"
    try:
        bench("SQLite", Settings(f"sqlite:///{db}", key, "ward"), args)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    if args.pg_url:
        schema = "bench_web_" + uuid.uuid4().hex[:12]
        admin = sa.create_engine(args.pg_url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in args.pg_url else "?"
        try:
            bench("PostgreSQL", Settings(f"{args.pg_url}{sep}options={quote(f'-csearch_path={schema}')}",
                                         key, "ward"), args)
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.dispose()


if __name__ == "__main__":
    main()
