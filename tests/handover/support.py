"""A small registered world for the custody tests, on SQLite and PostgreSQL (`db_url`).

The `world` and `sealed` fixtures are in conftest.py. The world: the ward's section with two staff, a
contractor with a responsible handler, a handler, a courier and someone *not* on the roster,
a sub-contractor, two ward cabinets with different key holders, a contractor cabinet, this
test's workstation designated for the case, and one sealed package (medium + notice) with
tiny KDF parameters. The clock is injected and starts on 2026-04-06 09:00 JST.

Every person has a passphrase credential (tiny KDF parameters too), enrolled by 太郎 right
after their registration, and its signer is installed on the journal: each person can act,
and every entry is signed by whoever acts (issue 12).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

import crypto
import ledger
from handover import actions, label_codes
from handover.actions import HandoverRequest
from crypto import personal_keys
from handover.clock import JST
from handover.ids import new_id
from handover.errors import PolicyViolation
from handover.model import signatures as sig
from handover.model import tables
from handover.model.database import open_database
from handover.model.journal import Journal

TINY_KDF = crypto.KdfParams(memory_kib=64, iterations=1, lanes=1)
PASSPHRASE = "見本の合言葉 correct horse battery"
HOST = "ward-pc-01"
T0 = dt.datetime(2026, 4, 6, 9, 0, tzinfo=JST)


class Clock:
    def __init__(self, start: dt.datetime = T0):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class World:
    j: Journal
    clock: Clock
    tmp: Path
    ward: str
    taro: str        # staff, key holder of the media cabinet
    jiro: str        # staff, key holder of the notice cabinet
    contractor: str
    hanako: str      # responsible handler (on the roster)
    ichiro: str      # handler (on the roster)
    courier: str     # contractor courier (on the roster)
    outsider: str    # contractor handler NOT on the roster
    printer: str     # sub-contractor
    sakura: str      # sub-contractor handler (on the roster)
    media_cab: str
    notice_cab: str
    contractor_cab: str
    case_id: str
    label_key: Path
    forged: bool = False   # a test appended entries behind the actions' back on purpose

    def seal(self, records: int = 10, medium: str = "dvd-r", **kw) -> actions.Sealed:
        n = len(list(self.tmp.glob("extract-*.csv")))
        src = self.tmp / f"extract-{n}.csv"
        src.write_text("番号,氏名\n" + "".join(f"{i},見本 {i}\n" for i in range(records)),
                       encoding="utf-8")
        kw.setdefault("out_dir", self.tmp / "out")
        kw.setdefault("notice_dir", self.tmp / "notices")
        return actions.seal_extract(self.j, kw.pop("actor", self.taro), kw.pop("case_id", self.case_id),
                                    [src], medium_kind=medium, content="見本データ",
                                    kdf_params=TINY_KDF, **kw)

    def handover(self, moment: str, from_person: str, to_person: str, items=(), *,
                 method: str = "hand", actor: str | None = None, pdf_dir=None, **kw):
        req = HandoverRequest(kw.pop("case_id", self.case_id), moment, from_person, to_person,
                              method, items=tuple(items), **kw)
        return actions.record_handover(self.j, actor or self.taro, req, pdf_dir=pdf_dir)

    def provide(self, item: str, to: str | None = None, **kw):
        return self.handover("provide", kw.pop("from_person", self.taro), to or self.hanako,
                             [item], **kw)

    def size(self) -> int:
        with self.j.engine.connect() as conn:
            return ledger.log_size(conn, self.j.log)

    def entries(self) -> list[ledger.Entry]:
        with self.j.engine.connect() as conn:
            return list(ledger.read_entries(conn, self.j.log))

    def snapshot(self) -> dict:
        with self.j.engine.connect() as conn:
            return tables.snapshot(conn, self.j.log)

    def item(self, item_id: str):
        with self.j.reading() as st:
            return st.item(item_id)


def new_credential(passphrase: str = PASSPHRASE) -> actions.NewCredential:
    return actions.new_passphrase_credential(passphrase, TINY_KDF)


def enrol(j: Journal, staff: str, person_id: str) -> actions.NewCredential:
    """Enrol a passphrase credential for `person_id` (by `staff`) and let them act through `j`."""
    new = new_credential()
    actions.enrol_credential(j, staff, person_id, new)
    j.unlocked(new.signer(person_id))
    return new


def register_person(j: Journal, staff: str, *args) -> str:
    """Register a person and enrol their credential, as a ward does at the counter."""
    person_id = actions.register_person(j, staff, *args).value
    enrol(j, staff, person_id)
    return person_id


def make_world(db_url: str, tmp: Path) -> World:
    engine = open_database(db_url, create=True)
    key = tmp / "keys" / "sign.key"
    ledger.generate_key(key, "handover-test")
    clock = Clock()
    j = Journal(engine, "ward", key, clock=clock, host=HOST, os_user="tester")
    boot = actions.bootstrap(j, "新宿区 健康部保健予防課", "見本 太郎", new_credential()).value
    ward, taro = boot.ward_org_id, boot.staff_id
    r = actions
    jiro = register_person(j, taro, "見本 次郎", ward, ["staff"])
    contractor = r.register_org(j, taro, "株式会社見本ツーリスト", "contractor").value
    printer = r.register_org(j, taro, "見本印刷株式会社", "subcontractor", contractor).value
    hanako = register_person(j, taro, "架空 花子", contractor, ["responsible_handler"])
    ichiro = register_person(j, taro, "架空 一郎", contractor, ["contractor_handler"])
    courier = register_person(j, taro, "架空 運太", contractor, ["courier"])
    outsider = register_person(j, taro, "架空 三郎", contractor, ["contractor_handler"])
    sakura = register_person(j, taro, "架空 桜", printer, ["contractor_handler"])
    media_cab = r.register_cabinet(j, taro, "媒体保管庫A", ward, [taro]).value
    notice_cab = r.register_cabinet(j, taro, "通知書保管庫B", ward, [jiro]).value
    contractor_cab = r.register_cabinet(j, taro, "受託者金庫", contractor, [hanako]).value
    case_id = actions.open_case(j, taro, "ワクチン接種券発送業務（見本）", [contractor, printer],
                              dt.date(2026, 4, 1), dt.date(2026, 6, 30), [hanako],
                              [ichiro, sakura, courier]).value
    r.register_workstation(j, taro, HOST, "暗号化専用PC", [case_id])
    label_key = label_codes.create_key(tmp / "keys" / "label.key")
    return World(j, clock, tmp, ward, taro, jiro, contractor, hanako, ichiro, courier, outsider,
                 printer, sakura, media_cab, notice_cab, contractor_cab, case_id, label_key)


def table_counts(w: World) -> dict[str, int]:
    with w.j.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)
                                     .where(t.c.log == w.j.log)).scalar_one()
                for t in tables.TABLES}


# --- reading documents back, as a person or a scanner would ----------------------------------

def capture_passwords(monkeypatch) -> list[str]:
    """Every password generated from now on, seen where it is made, so a test can look for
    it everywhere else."""
    seen: list[str] = []
    real = crypto.generate_password

    def capture(*a, **k):
        password = real(*a, **k)
        seen.append(password.reveal())
        return password
    monkeypatch.setattr(crypto, "generate_password", capture)
    return seen


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_qr_codes(pdf: Path, work: Path, *, first: int = 1, last: int = 1,
                 dpi: int = 200) -> list[str]:
    """Rasterise pages with pdftoppm and decode every QR code on them with zxing-cpp."""
    work.mkdir(parents=True, exist_ok=True)
    prefix = work / pdf.stem
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(first), "-l", str(last),
                    str(pdf), str(prefix)], check=True, capture_output=True)
    out = []
    for png in sorted(work.glob(f"{pdf.stem}*.png")):
        out += [b.text for b in zxingcpp.read_barcodes(Image.open(png))
                if b.format == zxingcpp.BarcodeFormat.QRCode]
    return out


needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="poppler-utils (pdftoppm, pdftotext) not installed")


def refused(w, rule: str, fn, *args, item: str | None = None, **kwargs) -> PolicyViolation:
    """Call fn, expect PolicyViolation(rule), and check that nothing changed."""
    size, snap = w.size(), w.snapshot()
    with pytest.raises(PolicyViolation) as info:
        fn(*args, **kwargs)
    v = info.value
    assert v.rule == rule, v.message
    if item is not None:
        assert v.item == item
        assert item in v.message
    assert f"[rule: {rule}; item: {v.item}]" in v.message
    assert " / " in v.message          # English / Japanese
    assert v.hint                      # and what to do about it
    assert w.size() == size and w.snapshot() == snap
    return v


# --- passkeys (WebAuthn) without a browser ---------------------------------------------------

class SoftPasskey:
    """A software authenticator: Ed25519 or ES256, user-verified unless told otherwise; its
    signature counter goes up with each assertion, as a real authenticator's does. `origin` is
    the page's, as the browser puts it in clientDataJSON (https://RP ID unless told)."""

    def __init__(self, person_id: str, alg: str = "EdDSA", *, rp_id: str = "handover.example.lg.jp",
                 verified: bool = True, origin: str | None = None):
        import cbor2
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        self.person_id, self.rp_id, self.verified = person_id, rp_id, verified
        self.origin = origin or f"https://{rp_id}"
        self.count = 0
        self.credential_id = new_id("Y")
        if alg == "EdDSA":
            self._key = Ed25519PrivateKey.generate()
            self.cose = cbor2.dumps({1: 1, 3: -8, -1: 6, -2: self._key.public_key().public_bytes_raw()})
            self._sign = self._key.sign
        else:
            from cryptography.hazmat.primitives import hashes
            self._key = ec.generate_private_key(ec.SECP256R1())
            n = self._key.public_key().public_numbers()
            self.cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"),
                                     -3: n.y.to_bytes(32, "big")})
            self._sign = lambda m: self._key.sign(m, ec.ECDSA(hashes.SHA256()))

    def sign(self, digest: bytes) -> dict:
        import hashlib
        self.count += 1
        auth = hashlib.sha256(self.rp_id.encode()).digest() + \
            bytes([0x05 if self.verified else 0x01]) + self.count.to_bytes(4, "big")
        client = json.dumps({"type": "webauthn.get", "challenge": personal_keys.b64(digest),
                             "origin": self.origin}).encode()
        return {"alg": "webauthn", "authenticator_data": personal_keys.b64(auth),
                "client_data_json": personal_keys.b64(client),
                "sig": personal_keys.b64(self._sign(auth + hashlib.sha256(client).digest()))}


def enrol_passkey(w, passkey: SoftPasskey):
    """太郎 enrols `passkey` for its person, with its proof of possession."""
    bare = actions.passkey_registration(w.j.log, passkey.credential_id, passkey.person_id,
                                        w.taro, passkey.cose, passkey.rp_id)
    return actions.enrol_passkey(w.j, w.taro, passkey.person_id, passkey.credential_id,
                                 passkey.cose, passkey.rp_id,
                                 passkey.sign(sig.proof_digest(w.j.log, bare)))
