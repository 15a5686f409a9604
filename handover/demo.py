"""`handover demo`: the vaccination case of seeds/004, end to end, in a fresh directory
(`handover demo --case screening`, seeds/000's year, is demo_screening.py).

Everything is synthetic and obviously fictional (見本 names, 架空 addresses); the extract is
made locally, sealed, and its plaintext deleted. The timeline is simulated (令和8年4月 to 5月)
with an injected clock, so the same-day rule and the return dates play out in seconds. It
uses modest Argon2id parameters, and says so: real seals use crypto.DEFAULT_KDF.

Steps: register the ward, the contractor and its sub-contractor, people, cabinets and this
computer; open the case with its roster; seal the extract (package, medium, password notice,
labels); store medium and notice in different cabinets; scan the medium's label for the
pickup and record moment 1 (媒体の提供), then the notice on another day; moment 2 (封入封緘
された通知書の納品); moment 3 (返却); status, history, a projection rebuild, and a full
ledger verification with the public key. Two refusals are shown on the way.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import crypto
import ledger
from handover import actions, reports
from handover.actions import HandoverRequest
from handover.clock import JST
from handover.config import Settings
from handover.documents.wareki import format_wareki
from handover.errors import HandoverError, PolicyViolation, lifted
from handover.label_codes import label_payload, load_label_key
from handover.model import tables
from handover.model.journal import Journal, open_journal

# Modest KDF for the demo only: 8 MiB, 2 passes (the default is 32 MiB, 64 passes, ~1 s).
DEMO_KDF = crypto.KdfParams(memory_kib=8 * 1024, iterations=2, lanes=1)
START = dt.datetime(2026, 4, 6, 9, 30, tzinfo=JST)
RECORDS = 240
CASE_NAME = "新型コロナウイルスワクチン接種券等作成・印刷・封入封緘業務（見本）"
CONTENT = "接種券発送対象者データ（65歳以上・見本）"


class _Clock:
    def __init__(self, start: dt.datetime):
        self.start = self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, day: int, hour: int, minute: int = 0) -> None:
        self.now = (self.start + dt.timedelta(days=day)).replace(hour=hour, minute=minute)

    def on(self, day: dt.date, hour: int, minute: int = 0) -> None:
        self.now = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


@dataclass
class DemoResult:
    directory: Path
    settings: Settings
    case_id: str = ""
    medium_id: str = ""
    notice_id: str = ""
    package_id: str = ""
    handovers: dict[str, str] = field(default_factory=dict)
    pdfs: list[Path] = field(default_factory=list)
    forms: list[Path] = field(default_factory=list)      # 登録票, one per enrolled person
    refusals: list[str] = field(default_factory=list)
    verified: bool = False
    rebuild_identical: bool = False


def synthetic_extract(path: Path, records: int = RECORDS, seed: int = 4) -> Path:
    """A fictional residents' extract: 見本 names, 架空 addresses, made-up ticket numbers."""
    rng = random.Random(seed)
    given = ["一郎", "花子", "次郎", "桜", "三郎", "葵", "健太", "陽子"]
    lines = ["接種券番号,氏名,郵便番号,住所,生年月日,性別"]
    for n in range(records):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 20))
        lines.append(f"99{n:08d},見本 {rng.choice(given)},169-0000,"
                     f"東京都新宿区架空町{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)},"
                     f"{born.isoformat()},{rng.choice('男女')}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _scan_label_pdf(station: actions.Station, pdf: Path, work: Path,
                    fallback: list[str], say: Callable[[str], None]) -> None:
    """Scan the first page of a label PDF as a camera would (pdftoppm + zxing-cpp); without
    poppler, type the payloads as a keyboard-wedge scanner would."""
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf),
                        str(work / "label")], check=True, capture_output=True)
        image = sorted(work.glob("label*.png"))[0]
        say(f"  scanning {pdf.name} page 1, rendered to {image.name}")
        results = actions.scan_images(station, [image])
    else:
        say("  pdftoppm not found: typing the label payload as a USB scanner would")
        results = [station.scan(text) for text in fallback]
    for r in results:
        say(f"  scan: {r.message}")


def _new_credential(passphrases: dict[str, str]) -> actions.NewCredential:
    passphrase = secrets.token_urlsafe(18)
    new = actions.new_passphrase_credential(passphrase, DEMO_KDF)
    passphrases[new.credential_id] = passphrase
    return new


@dataclass
class DemoWard:
    """What both demos start from: a new directory with its database, log key and label key,
    the ward's section and its first staff member, and a way to register people who enrol a
    passphrase credential (登録票 printed) and are unlocked to act."""
    result: DemoResult
    j: Journal
    clock: "_Clock"
    label_key: Path
    ward: str
    taro: str
    forms: Path
    passphrases: dict[str, str]

    def offer_web_sign_in(self, say: Callable[[str], None]) -> None:
        """How to see this ward in a browser: the command serving the demo's database, and
        the one passphrase printed, 見本 太郎's (a demo-only credential: the others stay
        unprinted, and nothing is written anywhere)."""
        settings = self.result.settings
        first = next(iter(self.passphrases))        # the first staff member's credential
        keys = settings.key_path.parent
        say(f"see it in a browser: handover --db {settings.db_url} --key {settings.key_path} "
            f"serve --label-key {keys / 'handover-label.key'}")
        say(f"  then open http://localhost:8700/ and sign in as 見本 太郎 with the passphrase "
            f"{self.passphrases[first]}")
        say("  (a demo-only credential, printed for this demo alone; a real passphrase is "
            "never printed or stored)")

    def person(self, name: str, org: str, roles: list[str]) -> str:
        """Registered, then enrolled at the counter (登録票 printed), then unlocked to act."""
        person_id = actions.register_person(self.j, self.taro, name, org, roles).value
        new = _new_credential(self.passphrases)
        enrolled = actions.enrol_credential(self.j, self.taro, person_id, new,
                                            pdf_dir=self.forms).value
        self.result.forms.append(enrolled.form)
        actions.unlock(self.j, person_id, self.passphrases[new.credential_id])
        return person_id


def start_ward(directory: Path | str, start: dt.datetime, section: str, title: str,
               say: Callable[[str], None]) -> DemoWard:
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise HandoverError(f"{directory} is not empty; the demo starts from nothing",
                            "pass --dir with a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    keys = directory / "keys"
    settings = Settings(f"sqlite:///{directory / 'handover.db'}",
                        keys / "handover-signing.key", "ward")
    result = DemoResult(directory, settings)
    clock = _Clock(start)
    j = open_journal(settings, clock=clock, create=True)
    say(f"{title} in {directory} (database {settings.db_url})")
    say(f"everything below is fictional; the timeline is simulated from {start.date()} "
        f"({format_wareki(start.date())})")
    with lifted():
        ledger.generate_key(settings.key_path, "handover-demo")
    label_key = actions.create_label_key(keys / "handover-label.key")
    say(f"step 1: signing key {settings.key_path}, label key {label_key}")
    # Every person gets a passphrase credential, and every entry is signed by whoever acts.
    # The demo's passphrases are random, kept in memory only and forgotten at the end: the
    # demo supplies them itself, with no terminal, and writes them nowhere. It prints one,
    # the first staff member's, for signing in to the web pages (offer_web_sign_in).
    passphrases: dict[str, str] = {}
    first = _new_credential(passphrases)
    boot = actions.bootstrap(j, section, "見本 太郎", first).value
    forms = directory / "tourokuhyo"
    result.forms.append(reports.write_enrolment_form(j, first.credential_id, forms))
    return DemoWard(result, j, clock, label_key, boot.ward_org_id, boot.staff_id, forms,
                    passphrases)


def run(directory: Path | str, say: Callable[[str], None] = print) -> DemoResult:
    w = start_ward(directory, START, "新宿区 健康部保健予防課（見本）", "handover demo", say)
    directory, result, j, clock, label_key = w.result.directory, w.result, w.j, w.clock, w.label_key
    settings, ward, taro, person = result.settings, w.ward, w.taro, w.person
    out, notices, labels, pdfs = (directory / d for d in ("out", "notices", "labels", "kakuninsho"))

    # --- who and what ------------------------------------------------------------------------
    jiro = person("見本 次郎", ward, ["staff"])
    contractor = actions.register_org(j, taro, "株式会社見本ツーリスト（架空）", "contractor").value
    printer = actions.register_org(j, taro, "見本印刷株式会社（架空）", "subcontractor",
                                    contractor).value
    hanako = person("架空 花子", contractor, ["responsible_handler"])
    ichiro = person("架空 一郎", contractor, ["contractor_handler"])
    sakura = person("架空 桜", printer, ["contractor_handler"])
    outsider = person("架空 三郎", contractor, ["contractor_handler"])
    media_cab = actions.register_cabinet(j, taro, "媒体保管庫A（鍵付）", ward, [taro],
                                          "保健予防課 書庫").value
    notice_cab = actions.register_cabinet(j, taro, "通知書保管庫B（鍵付）",
                                           ward, [jiro], "保健予防課 執務室").value
    say(f"step 2: registered the ward section {ward}, staff {taro} {jiro}, contractor "
        f"{contractor}, sub-contractor {printer}, people {hanako} {ichiro} {sakura} "
        f"{outsider}, cabinets {media_cab} (key: 見本 太郎) and {notice_cab} (key: 見本 次郎)")

    case_id = actions.open_case(j, taro, CASE_NAME, [contractor, printer], dt.date(2026, 4, 1),
                              dt.date(2027, 3, 31), [hanako], [ichiro, sakura]).value
    ws = actions.register_workstation(j, taro, j.host, "保健予防課 暗号化専用PC（見本）",
                                       [case_id]).value
    result.case_id = case_id
    say(f"step 3: opened case {case_id} 「{CASE_NAME}」 with roster 架空 花子 (取扱責任者), "
        f"架空 一郎, 架空 桜 (取扱者); designated this computer {j.host} as {ws}")

    # --- seal ----------------------------------------------------------------------------------
    extract = synthetic_extract(directory / "extract" / "taishosha.csv")
    say(f"step 4: made a synthetic extract of {RECORDS} fictional residents")
    say(f"  note: the demo seals with modest KDF parameters (Argon2id {DEMO_KDF.memory_kib // 1024} "
        f"MiB, {DEMO_KDF.iterations} passes) to run fast; real seals use the default "
        f"({crypto.DEFAULT_KDF.memory_kib // 1024} MiB, {crypto.DEFAULT_KDF.iterations} passes)")
    sealed = actions.seal_extract(j, taro, case_id, [extract], medium_kind="dvd-r",
                                  content=CONTENT, out_dir=out, notice_dir=notices,
                                  labels_dir=labels, label_key_path=label_key,
                                  kdf_params=DEMO_KDF)
    shutil.rmtree(extract.parent)
    result.medium_id, result.notice_id, result.package_id = \
        sealed.medium_id, sealed.notice_id, sealed.package_id
    say(f"step 5: sealed package {sealed.package_id} ({sealed.record_count} records), "
        f"medium {sealed.medium_id} (DVD-R), password notice {sealed.notice_id}")
    say(f"  package file: {sealed.package_path} (burn this to the DVD-R)")
    say(f"  password notice: {sealed.notice_path} (a different directory; print it, delete it)")
    for path in sealed.label_paths:
        say(f"  labels: {path} (for the disc case and the notice envelope, never the disc)")
    say("  the plaintext extract was deleted; the password is stored nowhere")

    # --- store ---------------------------------------------------------------------------------
    clock.at(0, 11)
    actions.store_item(j, taro, sealed.medium_id, media_cab)
    _show_refusal(result, say, "", lambda: actions.store_item(j, taro, sealed.notice_id, media_cab))
    actions.store_item(j, jiro, sealed.notice_id, notice_cab)
    say(f"step 6: medium in {media_cab}, notice in {notice_cab} (never the same cabinet)")

    # --- moment 1: provide, on two occasions --------------------------------------------------
    clock.at(1, 10)
    station = actions.open_station(j, label_key_path=label_key, expected=[sealed.medium_id])
    say("step 7: pickup of the medium, scanned against the expected list")
    tape = [p for p in sealed.label_paths if p.name.endswith("-tape.pdf")][0]
    with tempfile.TemporaryDirectory() as work:
        payload = label_payload(sealed.medium_id, load_label_key(label_key))
        _scan_label_pdf(station, tape, Path(work), [payload.lower()], say)
    provide = actions.record_scanned(
        j, taro, station, HandoverRequest(case_id, "provide", taro, hanako, "hand",
                                          content=CONTENT))
    done = actions.confirm_handover(j, hanako, provide.handover_id, condition="ケース封緘異常なし",
                                    pdf_dir=pdfs)
    result.handovers["provide-medium"] = provide.handover_id
    result.pdfs.append(done.pdf_path)
    say(f"  moment 1a (媒体の提供) {provide.handover_id}: 見本 太郎 → 架空 花子, by hand; "
        f"confirmed by 架空 花子")
    say(f"  確認書: {done.pdf_path}")

    for why, receiver in (("same day", hanako), ("not on the roster", outsider)):
        _show_refusal(result, say, f" ({why})", lambda receiver=receiver: actions.record_handover(
            j, jiro, HandoverRequest(case_id, "provide", jiro, receiver, "hand",
                                     items=(sealed.notice_id,))))

    clock.at(2, 14)
    notice = actions.record_handover(
        j, jiro, HandoverRequest(case_id, "provide", jiro, hanako, "registered_mail",
                                 items=(sealed.notice_id,)))
    clock.at(3, 9)
    done = actions.confirm_handover(j, hanako, notice.handover_id, condition="簡易書留にて受領、封緘異常なし",
                                    pdf_dir=pdfs)
    result.handovers["provide-notice"] = notice.handover_id
    result.pdfs.append(done.pdf_path)
    say(f"step 8: moment 1b (パスワード通知書の提供) {notice.handover_id} on another day, by "
        f"registered mail (簡易書留); confirmed by 架空 花子\n  確認書: {done.pdf_path}")

    # --- moment 2: the contractor delivers sealed notices ------------------------------------
    clock.at(21, 15)
    deliver = actions.record_handover(
        j, taro, HandoverRequest(case_id, "deliver", hanako, taro, "hand",
                                 envelopes=((sealed.package_id, sealed.record_count),),
                                 content="接種券・予診票・案内文（封入封緘済み）"))
    done = actions.confirm_handover(j, taro, deliver.handover_id, condition="封緘異常なし、数量一致",
                                    pdf_dir=pdfs)
    result.handovers["deliver"] = deliver.handover_id
    result.pdfs.append(done.pdf_path)
    say(f"step 9: moment 2 (封入封緘された通知書の納品) {deliver.handover_id}: "
        f"{sealed.record_count} envelopes from 架空 花子; checked and confirmed by 見本 太郎\n"
        f"  確認書: {done.pdf_path}")

    # --- moment 3: return, medium and notice on separate occasions ---------------------------
    clock.at(28, 10)
    ret_m = actions.record_handover(j, taro, HandoverRequest(
        case_id, "return", hanako, taro, "hand", items=(sealed.medium_id,)))
    done_m = actions.confirm_handover(j, taro, ret_m.handover_id, condition="媒体異常なし",
                                      pdf_dir=pdfs)
    clock.at(28, 16)
    ret_n = actions.record_handover(j, jiro, HandoverRequest(
        case_id, "return", ichiro, jiro, "hand", items=(sealed.notice_id,),
        override_reason="業務終了に伴い同日返却（課長承認済み・見本）"))
    done = actions.confirm_handover(j, jiro, ret_n.handover_id, condition="通知書異常なし",
                                    pdf_dir=pdfs)
    result.handovers.update({"return-medium": ret_m.handover_id, "return-notice": ret_n.handover_id})
    result.pdfs += [done_m.pdf_path, done.pdf_path]
    say(f"step 10: moment 3 (返却) {ret_m.handover_id} (medium) and {ret_n.handover_id} "
        f"(notice, same day: recorded with an override reason, printed on its 確認書)")
    say(f"  確認書: {done_m.pdf_path}\n  確認書: {done.pdf_path}")
    actions.store_item(j, taro, sealed.medium_id, media_cab)
    actions.store_item(j, jiro, sealed.notice_id, notice_cab)

    # --- where is everything ------------------------------------------------------------------
    say("step 11: status")
    for case in reports.status(j)["cases"]:
        say(f"  {case['case_id']} {case['name']} ({case['status']})")
        for item in case["items"]:
            say(f"    {item['item_id']} {item['kind_label']}: {reports.where_text(item)}")
        say(f"    out: {len(case['out'])}, overdue: {len(case['overdue'])}, "
            f"unconfirmed: {len(case['unconfirmed_handovers'])}")
    say(f"step 12: history of {sealed.medium_id}")
    for e in reports.history(j, sealed.medium_id)["entries"]:
        say(f"    #{e['index']} {e['time']} {e['summary']}")

    # --- rebuild and verify ---------------------------------------------------------------------
    result.rebuild_identical = _rebuild_identical(j)
    say(f"step 13: projection rebuilt from the ledger: "
        f"{'identical' if result.rebuild_identical else 'DIFFERENT'}")
    report = reports.verify(settings, [settings.public_key_path], None)
    result.verified = report.ok
    say(f"step 14: ledger verification with {settings.public_key_path}: {report.size} entries, "
        f"{report.checkpoints_checked} signed checkpoint(s), {report.entry_signatures_checked} "
        f"entries signed by the person who acted: {'ok' if report.ok else 'FAILED'}")
    reports.require_ok(report)
    say(f"done: {len(result.pdfs)} 確認書 PDFs (each signed checkpoint printed on it) in {pdfs}; "
        f"password notice in {notices}; labels in {labels}")
    say(f"try: handover --db {settings.db_url} status")
    w.offer_web_sign_in(say)
    return result


def _show_refusal(result: DemoResult, say: Callable[[str], None], why: str,
                  action: Callable[[], object]) -> None:
    """Run an action the rules must refuse, and show the refusal. If it went through, the
    demo stops: the promise it illustrates would be broken."""
    try:
        action()
    except PolicyViolation as e:
        result.refusals.append(e.rule)
        say(f"  refused as expected{why}: {e.message}")
        return
    raise HandoverError(f"demo: an action the rules must refuse was accepted{why}",
                        "this is a bug in handover; please report it")


def _rebuild_identical(j: Journal) -> bool:
    with j.engine.connect() as conn:
        before = tables.snapshot(conn, j.log)
    actions.rebuild(j)
    with j.engine.connect() as conn:
        return tables.snapshot(conn, j.log) == before
