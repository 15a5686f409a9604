"""A realistic, rule-abiding custody log of N entries, built fast (issue 13 §1: the rule
replay measured at 100,000 and 1,000,000 entries).

    python3 bench/custody_log.py build --db bench/_work/custody-100k.db --entries 100000
    python3 bench/custody_log.py check --dir bench/_work/custody-check --entries 2000

Generating through `record()` runs ~1,300 entries/min on the shared machine (a checkpoint,
a fold and a durable commit per act). This writes the same entries without those: the
registry (people, contractors, credentials, cabinets, the workstation) is made through
`handover.actions` as usual; then each case's acts, following 004's moments, are made as the
events `record` would append (one act per recording, the seal's PackageSealed +
MediumRegistered + NoticeIssued together, each entry signed by its actor through
`model.signatures.action_digest` and the credential's signer, with the origin `record`
stamps), appended in transactions of 50,000 entries, with one signed checkpoint at the end
and the projection folded once (`--no-fold` leaves it behind the log; a later read folds it).

Per case, in waves of cases whose days run in step (times increase, one act every few
seconds): day 0 the case opens with its roster, the workstation is designated, each package
is sealed, its medium and its notice stored in two different locked cabinets, the media are
provided to the contractor's responsible handler, who confirms; day 1 the notices go the
same way (never on the medium's day); day 3 the media come back (confirmed by the ward),
with an incident reported and closed in one case in 7; day 4 the notices come back, the
contractor certifies the erasure, the ward receives and checks the certificate, inspects
the contractor in one case in 5, and closes the case.

`check` proves the generator: on a log of about N entries it builds the same acts twice,
from the same registry (the database copied after it), once fast and once through
`record()` (whose checks refuse anything the rules forbid), then requires `ledger verify`
to pass and the rule replay to find nothing on the fast log, `rebuild --check` to find no
difference, and both projections to be equal, table by table and row by row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import crypto  # noqa: E402
import ledger  # noqa: E402
from handover import actions, ids, reports  # noqa: E402
from handover.clock import JST  # noqa: E402
from handover.config import Settings  # noqa: E402
from handover.model import consistency, fold  # noqa: E402
from handover.model import events as ev  # noqa: E402
from handover.model import signatures as sig  # noqa: E402
from handover.model.database import open_database  # noqa: E402
from handover.model.journal import Journal, record  # noqa: E402
from handover.model.tables import TABLES  # noqa: E402

HOST = "bench-pc"
LOG = "ward"
BENCH_KDF = crypto.KdfParams(memory_kib=1024, iterations=1, lanes=1)  # unlocking is not measured
T0 = dt.datetime(2026, 4, 6, 9, 0, tzinfo=JST)
CONTRACTORS = 4
WAVE = 100                 # cases whose days run in step
STEP = dt.timedelta(seconds=4)
BATCH = 50_000             # entries per transaction
KDF_RECORD = {"alg": "argon2id", "memory_kib": 262144, "iterations": 3, "lanes": 4}


@dataclass
class Registry:
    ward: str
    staff: list[str]
    contractors: list[tuple[str, str, str]]     # (org, responsible handler, handler)
    media_cabinet: str
    notice_cabinet: str
    workstation: str


@dataclass(frozen=True)
class Act:
    actor: str
    when: dt.datetime
    events: list[ev.Event]


def setup(settings: Settings) -> tuple[Journal, Registry]:
    """The registry, through the actions: what every log starts with."""
    if not settings.key_path.exists():
        ledger.generate_key(settings.key_path, "handover-bench")
    clock = _Clock()
    j = Journal(open_database(settings.db_url, create=True), LOG, settings.key_path,
                clock=clock, host=HOST, os_user="bench")

    def credential(person: str) -> None:
        new = actions.new_passphrase_credential(secrets.token_urlsafe(18), BENCH_KDF)
        if person != staff[0]:
            actions.enrol_credential(j, staff[0], person, new)
        j.unlocked(new.signer(person))

    first = actions.new_passphrase_credential(secrets.token_urlsafe(18), BENCH_KDF)
    boot = actions.bootstrap(j, "新宿区 健康部保健予防課", "見本 太郎", first).value
    staff = [boot.staff_id]
    j.unlocked(first.signer(boot.staff_id))
    staff.append(actions.register_person(j, staff[0], "見本 次郎", boot.ward_org_id,
                                         [ev.STAFF]).value)
    credential(staff[1])
    contractors = []
    for n in range(CONTRACTORS):
        org = actions.register_org(j, staff[0], f"株式会社見本{n}号", ev.CONTRACTOR).value
        responsible = actions.register_person(j, staff[0], f"架空 花子{n}", org,
                                               [ev.RESPONSIBLE]).value
        handler = actions.register_person(j, staff[0], f"架空 一郎{n}", org, [ev.HANDLER]).value
        credential(responsible)
        credential(handler)
        contractors.append((org, responsible, handler))
    media = actions.register_cabinet(j, staff[0], "媒体保管庫", boot.ward_org_id, staff,
                                     "保健予防課 書庫").value
    notices = actions.register_cabinet(j, staff[0], "通知書保管庫", boot.ward_org_id, staff,
                                       "保健予防課 課長席").value
    workstation = actions.register_workstation(j, staff[0], HOST, "暗号化専用PC").value
    return j, Registry(boot.ward_org_id, staff, contractors, media, notices, workstation)


class _Clock:
    def __init__(self):
        self.now = T0 - dt.timedelta(days=1)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


def acts(reg: Registry, entries: int) -> Iterator[Act]:
    """Cases in waves until about `entries` entries (every case begun is finished)."""
    made, wave, clock = 0, 0, _Time()
    while made < entries:
        day0 = T0 + dt.timedelta(days=5 * wave)
        cases = []
        for n in range(WAVE):
            if made >= entries:
                break
            cases.append(_Case(reg, wave * WAVE + n, day0, clock))
            made += cases[-1].entries
        for day in (0, 1, 3, 4):
            clock.now = day0 + dt.timedelta(days=day)
            for case in cases:
                steps = case.day(day)
                while True:
                    clock.now += STEP        # the act's time, which its events may state
                    try:
                        actor, events = next(steps)
                    except StopIteration:
                        break
                    yield Act(actor, clock.now, events)
        wave += 1


class _Time:
    now: dt.datetime


class _Case:
    """One case's acts, day by day."""

    def __init__(self, reg: Registry, n: int, day0: dt.datetime, clock: _Time):
        self.reg, self.n, self.day0, self.clock = reg, n, day0, clock
        self.case_id = ids.new_id("C")
        self.org, self.responsible, self.handler = reg.contractors[n % CONTRACTORS]
        self.staff = reg.staff[n % 2]
        self.packages = [(ids.new_id("P"), ids.new_id("M"), ids.new_id("N"))
                         for _ in range(3 + n % 3)]
        k = len(self.packages)
        self.entries = 2 + 5 * k + 4 * 2 + 4 + (n % 7 == 3) * 2 + (n % 5 == 2)

    def _handover(self, moment: str, items: list[str], at: dt.datetime) -> ev.HandoverRecorded:
        out = moment == ev.PROVIDE
        ward, org = (self.staff, self.reg.ward), (self.responsible, self.org)
        (fp, fo), (tp, to) = (ward, org) if out else (org, ward)
        media = sum(1 for i in items if i.startswith("M"))
        return ev.HandoverRecorded(
            handover_id=ids.new_id("H"), case_id=self.case_id, moment=moment,
            occurred_at=at.isoformat(), from_person=fp, from_org=fo, to_person=tp, to_org=to,
            method=ev.HAND, items=list(items), content="接種券発送対象者データ",
            media_count=media, record_count=1000 * media)

    def day(self, day: int) -> Iterator[tuple[str, list[ev.Event]]]:
        return getattr(self, f"_day{day}")()

    def _provide_and_confirm(self, moment: str, items: list[str]):
        h = self._handover(moment, items, self.clock.now)
        yield self.staff, [h]
        receiver = self.responsible if moment == ev.PROVIDE else self.staff
        yield receiver, [ev.HandoverConfirmed(handover_id=h.handover_id, confirmed_by=receiver,
                                              confirmed_at=self.clock.now.isoformat(),
                                              condition="封緘異常なし")]

    def _day0(self):
        reg, s = self.reg, self.staff
        start = self.day0.date()
        yield s, [ev.CaseOpened(
            case_id=self.case_id, name=f"接種券発送業務 {self.n}", ward_org_id=reg.ward,
            contractors=[self.org], period_start=start.isoformat(),
            period_end=(start + dt.timedelta(days=60)).isoformat(),
            roster=[{"person_id": self.responsible, "role": ev.ROSTER_RESPONSIBLE},
                    {"person_id": self.handler, "role": ev.ROSTER_HANDLER}])]
        yield s, [ev.WorkstationAuthorised(workstation_id=reg.workstation, case_id=self.case_id)]
        for k, (package, medium, notice) in enumerate(self.packages):
            yield s, [ev.PackageSealed(
                package_id=package, case_id=self.case_id, sha256=secrets.token_hex(32),
                size=1_048_576 + k, record_count=1000, file_count=1,
                content="接種券発送対象者データ", workstation_id=reg.workstation,
                kdf=KDF_RECORD, package_file=f"D:\\handover\\{package}.hpkg",
                notice_file=f"D:\\handover\\{notice}.pdf"),
                ev.MediumRegistered(medium_id=medium, package_id=package,
                                    case_id=self.case_id, medium_kind="dvd-r"),
                ev.NoticeIssued(notice_id=notice, package_id=package, case_id=self.case_id,
                                issued_by=s)]
            yield s, [ev.ItemStored(item_id=medium, cabinet_id=reg.media_cabinet)]
            yield s, [ev.ItemStored(item_id=notice, cabinet_id=reg.notice_cabinet)]
        yield from self._provide_and_confirm(ev.PROVIDE, [m for _, m, _ in self.packages])

    def _day1(self):
        yield from self._provide_and_confirm(ev.PROVIDE, [n for _, _, n in self.packages])

    def _day3(self):
        if self.n % 7 == 3:
            incident = ids.new_id("A")
            yield self.responsible, [ev.IncidentReported(
                incident_id=incident, case_id=self.case_id, category=ev.LABEL_DAMAGED,
                description="返却前点検でラベルの角が剥がれていた（読取は可能）",
                discovered_at=self.clock.now.isoformat(), reported_by=self.responsible,
                items=[self.packages[0][1]], ward_notified_at=self.clock.now.isoformat())]
            yield self.staff, [ev.IncidentClosed(incident_id=incident,
                                                 outcome="ラベルを再貼付。情報の漏えいなし")]
        yield from self._provide_and_confirm(ev.RETURN, [m for _, m, _ in self.packages])

    def _day4(self):
        yield from self._provide_and_confirm(ev.RETURN, [n for _, _, n in self.packages])
        certificate = ids.new_id("X")
        yield self.responsible, [ev.ErasureRecorded(
            certificate_id=certificate, case_id=self.case_id, org_id=self.org,
            erased="復号したデータ、作業用の複製", sources=[p for p, _, _ in self.packages],
            locations=["作業用PC-01"], method="purge", tool="暗号化消去ツール",
            performed_by=self.handler, verified_by=self.responsible,
            erased_on=self.clock.now.date().isoformat(), place="委託先 作業室")]
        yield self.staff, [ev.ErasureCertificateReceived(certificate_id=certificate,
                                                         org_id=self.reg.ward)]
        yield self.staff, [ev.ErasureChecked(certificate_id=certificate,
                                             note="消去対象と方法を確認した")]
        if self.n % 5 == 2:
            yield self.staff, [ev.InspectionRecorded(
                inspection_id=ids.new_id("V"), case_id=self.case_id, org_id=self.org,
                inspected_on=self.clock.now.date().isoformat(), inspectors=[self.staff],
                place="委託先 作業室",
                findings=[{"check": c, "result": ev.FINDING_OK, "note": ""}
                          for c in ev.INSPECTION_CHECKS])]
        yield self.staff, [ev.CaseClosed(case_id=self.case_id, reason="業務完了")]


def append_fast(j: Journal, stream: Iterator[Act]) -> int:
    """Append the acts as `record` would, without its checks, folds and per-act checkpoints:
    the same payloads (the origin, the actor's signature over `action_digest`), in
    transactions of BATCH entries, one signed checkpoint at the end."""
    origin = {"os_user": j.os_user, "host": j.host}
    log_signer = ledger.load_signer(j.key_path)
    appended, done = 0, False
    while not done:
        with ledger.writer(j.engine, j.log) as lg:
            start = appended
            for act in stream:
                signer = j.signers[act.actor]
                stamp = ledger.encoding.normalize_time(act.when)
                for event in act.events:
                    payload = event.to_payload()
                    payload["origin"] = origin
                    nonce = sig.new_nonce()
                    digest = sig.action_digest(j.log, event.KIND, payload, act.actor, stamp, nonce)
                    payload[sig.SIGNATURE_FIELD] = {"v": 1, "nonce": nonce, **signer.sign(digest),
                                                    "credential": signer.credential_id}
                    ledger.append(lg, event.KIND, payload, act.actor, act.when)
                    appended += 1
                if appended - start >= BATCH:
                    break
            else:
                done = True
                ledger.take_checkpoint(lg, log_signer)
    return appended


def append_recorded(j: Journal, stream: Iterator[Act]) -> int:
    """The same acts through `record()`: checked, folded and checkpointed one by one."""
    appended = 0
    for act in stream:
        j.clock = lambda when=act.when: when
        record(j, act.actor, lambda tx, events=act.events: (events, None))
        appended += len(act.events)
    return appended


def build(db: Path, entries: int, fold_after: bool = True) -> Settings:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    settings = Settings(f"sqlite:///{db}", db.parent / "keys" / "sign.key", LOG)
    t = time.perf_counter()
    j, reg = setup(settings)
    n = append_fast(j, acts(reg, entries))
    built = time.perf_counter() - t
    print(f"built {db}: {n:,} entries after the registry in {built:.1f} s "
          f"({n / built:,.0f}/s)", flush=True)
    if fold_after:
        t = time.perf_counter()
        fold.ensure_current(j.engine, LOG)
        print(f"  projection folded in {time.perf_counter() - t:.1f} s", flush=True)
    j.engine.dispose()
    return settings


def check(dir_: Path, entries: int) -> None:
    """Build about `entries` entries fast and through record() from the same registry, and
    require the fast log to verify, replay clean, fold as record() folded it."""
    from handover.model.replay import replay_rules

    dir_.mkdir(parents=True, exist_ok=True)
    fast_db, slow_db = dir_ / "fast.db", dir_ / "recorded.db"
    for db in (fast_db, slow_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    settings = Settings(f"sqlite:///{fast_db}", dir_ / "keys" / "sign.key", LOG)
    j, reg = setup(settings)
    j.engine.dispose()
    shutil.copyfile(fast_db, slow_db)          # the same registry, entry for entry
    stream = list(acts(reg, entries))
    j_fast = Journal(open_database(settings.db_url), LOG, settings.key_path, host=HOST,
                     os_user="bench", signers=j.signers)
    j_slow = Journal(open_database(f"sqlite:///{slow_db}"), LOG, settings.key_path, host=HOST,
                     os_user="bench", signers=j.signers)
    t = time.perf_counter()
    n = append_fast(j_fast, iter(stream))
    print(f"fast: {n} entries in {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    append_recorded(j_slow, iter(stream))      # raises on any entry the rules refuse
    print(f"through record(): {n} entries in {time.perf_counter() - t:.1f} s, none refused",
          flush=True)
    fold.ensure_current(j_fast.engine, LOG)
    problems = []
    verified = reports.verify(settings, [settings.public_key_path], None)
    print(f"ledger verify of the fast log: {'ok' if verified.ok else 'FAILED'}")
    if not verified.ok:
        problems.append("ledger verify failed")
    replay = replay_rules(j_fast.engine, LOG)
    print(f"rule replay: {replay.entries} entries, {len(replay.findings)} findings")
    problems += [f.text() for f in replay.findings[:5]]
    own = consistency.differences(j_fast.engine, LOG)
    print(f"rebuild --check: {len(own.differences)} differences")
    problems += [d.text() for d in own.differences[:5]]
    with j_fast.engine.connect() as a, j_slow.engine.connect() as b:
        apart = []
        for table in TABLES:
            apart += consistency._compare(table, consistency._rows(b, table, LOG),
                                          consistency._rows(a, table, LOG))
    print(f"projection of the fast log against the one record() built: "
          f"{len(apart)} differences")
    problems += [d.text() for d in apart[:5]]
    for engine in (j_fast.engine, j_slow.engine):
        engine.dispose()
    if problems:
        sys.exit("NOT VALID:\n  " + "\n  ".join(problems))
    print("valid")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--db", type=Path, required=True)
    b.add_argument("--entries", type=int, default=100_000)
    b.add_argument("--no-fold", action="store_true", help="leave the projection behind the log")
    c = sub.add_parser("check")
    c.add_argument("--dir", type=Path, default=Path("bench/_work/custody-check"))
    c.add_argument("--entries", type=int, default=2000)
    a = ap.parse_args()
    if a.cmd == "build":
        build(a.db, a.entries, not a.no_fold)
    else:
        check(a.dir, a.entries)


if __name__ == "__main__":
    main()
