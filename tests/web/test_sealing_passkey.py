"""Sealing by a passkey user, SQLite and PostgreSQL: encrypt, then record, then release. The
upload is encrypted as it arrives into a held package (ciphertext only, under a hidden name);
the seal is recorded as a two-phase act signed with a fresh assertion (a stale one refused as
`signed-act-stale`, a missing one refused); only then is the package released and offered
once, with its notice. A held package whose recording is refused, or that expires, or that a
stopped server left, is deleted and never released."""

from __future__ import annotations

import re
import warnings

import pytest
from starlette.testclient import TestClient

import crypto
import crypto.package
import httpx2 as httpx
from handover import packages
from handover.model.policy.rule_titles import RULE_TITLES_JA
from tests.handover.support import TINY_KDF, capture_passwords
from tests.web.browser import Served
from tests.web.conftest import make_app
from tests.web.passkey_client import PasskeySession, passkey_for
from tests.web.test_sealing_page import BOUNDARY, _body, _extract


@pytest.fixture
def served(world, tmp_path, monkeypatch):
    monkeypatch.setattr(crypto, "DEFAULT_KDF", TINY_KDF)      # the KDF's cost is not the point
    monkeypatch.setattr(crypto.package, "DEFAULT_KDF", TINY_KDF)
    app = make_app(world)
    app.state.ctx.extra["seal_dir"] = str(tmp_path / "sealed")
    s = Served(app)
    yield s, app
    s.stop()
    app.state.ctx.engine.dispose()


@pytest.fixture
def taro(world, served):
    """太郎 signed in with his passkey, from the server's own computer (http://localhost)."""
    s, _ = served
    base = s.url.replace("127.0.0.1", "localhost")
    me = PasskeySession(httpx.Client(base_url=base, timeout=60),
                        passkey_for(world, world.taro, origin=base))
    world.j.signers.pop(world.taro)        # only the passkey acts for him now
    me.sign_in()
    return me


def _upload(me: PasskeySession, case_id: str, data: bytes):
    page = f"/cases/{case_id}/seal"
    form = {"csrf": me.csrf(page), "medium": "dvd-r", "content": "見本データ", "header": "1",
            "size": str(len(data))}
    r = me.client.post(page, content=_body(form, "extract.csv", data, 256 * 1024, lambda: None),
                       headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert r.status_code == 200 and "封緘の記録（電子押印）" in r.text, r.text
    return r, re.search(r'action="(/seal/held/[^"]+/record)"', r.text).group(1)


def _released(tmp_path):
    return sorted(p.name for p in (tmp_path / "sealed" / "packages").glob("*.hop"))


def _everything(tmp_path):
    return sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "sealed").rglob("*")
                  if p.is_file())


def _nothing_recorded_nor_kept(world, size: int, tmp_path) -> None:
    """The refused seal added no entry and left no package file, released or held."""
    assert world.size() == size
    assert [p for p in _everything(tmp_path) if "packages" in p] == []


def test_a_passkey_user_seals_encrypt_record_release(world, served, taro, tmp_path, monkeypatch):
    passwords = capture_passwords(monkeypatch)
    data = _extract("passkey", 1)
    size, snap = world.size(), world.snapshot()
    r, record = _upload(taro, world.case_id, data)
    # Encrypted and held: nothing recorded, nothing released, no notice on the disk.
    assert world.size() == size and _released(tmp_path) == []
    assert not (tmp_path / "sealed" / "notices").exists()
    held = [p for p in (tmp_path / "sealed" / "packages").iterdir()]
    assert len(held) == 1 and held[0].name.startswith(".")
    sha = re.search(r'<code class="hash">([0-9a-f]{64})</code>', r.text).group(1)

    # The assertion missing; then signed after the act's preparation expired: stale.
    step = taro.begin(record, "/")
    assert taro.answer(step, []).status_code == 400
    step = taro.begin(record, "/")
    world.clock.advance(minutes=3)
    stale = taro.client.get(taro.answer(step).json()["redirect"])
    assert RULE_TITLES_JA["signed-act-stale"] in stale.text and "signed-act-stale" in stale.text
    assert world.size() == size and world.snapshot() == snap and _released(tmp_path) == []
    assert record in stale.text                 # held still: sign again

    shown = taro.act(record, "/")
    assert shown.status_code == 200 and "封緘しました" in shown.text
    new = world.entries()[size:]
    assert [e.kind for e in new] == ["PackageSealed", "MediumRegistered", "NoticeIssued"]
    assert all(e.payload["signature"]["alg"] == "webauthn"
               and e.payload["signature"]["credential"] == taro.passkey.credential_id for e in new)
    assert new[0].payload["sha256"] == sha and new[0].payload["record_count"] == data.count(b"\n") - 1
    (hop,) = _released(tmp_path)
    # Offered once each: the package, and the notice (never on the disk).
    package_url = re.search(r'href="(/seal/package/[^"]+)"', shown.text).group(1)
    notice_url = re.search(r'href="(/downloads/[^"]+)"', shown.text).group(1)
    package = taro.client.get(package_url)
    assert taro.client.get(package_url).status_code == 404
    notice = taro.client.get(notice_url)
    assert notice.content.startswith(b"%PDF") and taro.client.get(notice_url).status_code == 404
    assert not (tmp_path / "sealed" / "notices").exists()
    (tmp_path / "p.hop").write_bytes(package.content)
    packages.open_package(tmp_path / "p.hop", tmp_path / "opened", passwords[-1])
    assert (tmp_path / "opened" / "extract.csv").read_bytes() == data
    # Recorded once: the held package is gone from the server's memory.
    assert taro.client.post(record, data={"csrf": taro.csrf("/")}).status_code == 404


def test_a_refused_record_never_releases_the_held_package(world, served, taro, tmp_path):
    s, app = served
    size = world.size()
    _, record = _upload(taro, world.case_id, _extract("refused", 1))
    assert len(_everything(tmp_path)) >= 1
    app.state.ctx.host = "kiosk-pc-09"         # no longer the designated computer
    r = taro.client.post(record, data={"csrf": taro.csrf("/")}, headers={
        "X-CSRF-Token": taro.csrf("/"), "X-Passkey-Act": "1", "Accept": "application/json"})
    shown = taro.client.get(r.json()["redirect"])   # refused before anyone signs
    assert "workstation-not-registered" in shown.text and "削除しました" in shown.text
    _nothing_recorded_nor_kept(world, size, tmp_path)


def test_an_assertion_the_ledger_refuses_never_releases_the_package(world, served, taro, tmp_path):
    size = world.size()
    _, record = _upload(taro, world.case_id, _extract("forged", 1))
    step = taro.begin(record, "/")
    forged = [taro.assertion(bytes(32)) for _ in step["get"]["challenges"]]   # another digest
    shown = taro.client.get(taro.answer(step, forged).json()["redirect"])
    assert "規則により受け付けられません" in shown.text and "削除しました" in shown.text
    _nothing_recorded_nor_kept(world, size, tmp_path)


def test_a_held_package_expires_unreleased(world, served, taro, tmp_path):
    size = world.size()
    _, record = _upload(taro, world.case_id, _extract("expired", 1))
    world.clock.advance(minutes=11)
    r = taro.client.post(record, data={"csrf": taro.csrf("/")})
    assert r.status_code == 404 and "時間切れ" in r.text
    _nothing_recorded_nor_kept(world, size, tmp_path)


def test_a_held_package_a_stopped_server_left_is_swept_at_the_next_start(world, served, taro,
                                                                         tmp_path):
    import os
    import time
    _, app = served
    _upload(taro, world.case_id, _extract("stopped", 1))
    (held,) = (tmp_path / "sealed" / "packages").iterdir()
    old = time.time() - 120                    # the server stopped a while ago
    os.utime(held, (old, old))
    again = make_app(world)
    again.state.ctx.extra["seal_dir"] = str(tmp_path / "sealed")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with TestClient(again, base_url="http://localhost"):
            pass
    again.state.ctx.engine.dispose()
    assert not held.exists()
    assert any(issubclass(w.category, packages.CrashedPartRemoved) for w in caught)
