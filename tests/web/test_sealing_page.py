"""The sealing page: an extract uploaded from the designated computer is sealed as it arrives,
with no plaintext ever on the disk (no spooled temporary file: checked while the upload is on
its way and after); the package is downloadable once; the password notice is shown once and is
not on the disk afterwards; labels print. Refusals: another computer, a computer not designated
for the case, a missing CSRF token — each with nothing recorded."""

from __future__ import annotations

import os
import re
import stat
import tempfile
import uuid
from pathlib import Path

import httpx2 as httpx  # the test extras install httpx2 (what Starlette's TestClient uses)
import pytest

from handover import packages
import crypto
import crypto.package
from tests.handover.support import PASSPHRASE, TINY_KDF, capture_passwords
from tests.web.browser import Served
from tests.web.conftest import make_app

BOUNDARY = "----handover-test-boundary"


def _new_files(roots: list[Path], before: set[Path]) -> list[Path]:
    """Files under `roots` that were not there before: in the temporary directory, only its new
    top-level entries (other processes' old trees are not ours to read)."""
    out = []
    for root in roots:
        for entry in os.scandir(root):
            p = Path(entry.path)
            if p in before:
                continue
            if entry.is_dir(follow_symlinks=False):
                out += [Path(d) / n for d, _, names in os.walk(p) for n in names]
            elif entry.is_file(follow_symlinks=False):
                out.append(p)
    return out


def _open_files() -> list[str]:
    """What this process has open: an unlinked temporary file (SpooledTemporaryFile rolls over
    into one) is found only here, as /proc/self/fd/N."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        path = f"/proc/self/fd/{fd}"
        try:
            if stat.S_ISREG(os.stat(path).st_mode):
                found.append(path)
        except OSError:
            pass
    return found


def _holding(marker: bytes, paths) -> list[str]:
    found = []
    for p in paths:
        try:
            with open(p, "rb") as f:
                if marker in f.read():
                    found.append(os.path.realpath(p) if str(p).startswith("/proc") else str(p))
        except OSError:
            pass
    return found


def _top_level(roots: list[Path]) -> set[Path]:
    return {Path(e.path) for r in roots for e in os.scandir(r)}


def _body(fields: dict[str, str], name: str, data: bytes, chunk: int, between):
    """A multipart body sent in pieces; `between()` runs after each piece left."""
    head = "".join(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                   for k, v in fields.items())
    head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="extract"; '
             f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n')
    yield head.encode()
    for i in range(0, len(data), chunk):
        yield data[i:i + chunk]
        between()
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


class Browser:
    """A plain HTTP client of the served app, signed in."""

    def __init__(self, served: Served, person_id: str):
        self.client = httpx.Client(base_url=served.url, timeout=60)
        self.csrf("/signin")
        r = self.client.post("/signin", data={"csrf": self.csrf("/signin"), "person": person_id,
                                              "passphrase": PASSPHRASE})
        assert r.status_code in (200, 303), r.text

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.client.get(path).text).group(1)

    def seal(self, case_id: str, data: bytes, *, csrf: str | None = None, chunk: int = 256 * 1024,
             between=lambda: None, **fields):
        form = {"csrf": self.csrf(f"/cases/{case_id}/seal") if csrf is None else csrf,
                "medium": "dvd-r", "content": "見本データ", "header": "1", "size": str(len(data)),
                **fields}
        return self.client.post(f"/cases/{case_id}/seal",
                                content=_body(form, "extract.csv", data, chunk, between),
                                headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"})


@pytest.fixture
def served(world, tmp_path, monkeypatch):
    from starlette.requests import Request
    real_form = Request.form

    def no_spooling(self, *a, **k):
        if self.url.path.endswith("/seal"):
            raise AssertionError("request.form() was called on the sealing upload: it spools")
        return real_form(self, *a, **k)
    app = make_app(world)
    app.state.ctx.extra["seal_dir"] = str(tmp_path / "sealed")
    monkeypatch.setattr(Request, "form", no_spooling)
    s = Served(app)
    yield s
    s.stop()
    app.state.ctx.engine.dispose()


def _extract(marker: str, mb: int = 4) -> bytes:
    row = f"{{}},見本 太郎,東京都新宿区,{marker}\n"
    lines, size, i = ["番号,氏名,住所,備考\n"], 0, 0
    while size < mb * 1024 * 1024:
        line = row.format(i)
        lines.append(line)
        size += len(line.encode())
        i += 1
    return "".join(lines).encode()


def test_a_few_mb_extract_is_sealed_without_plaintext_on_disk(world, served, tmp_path, monkeypatch):
    passwords = capture_passwords(monkeypatch)
    marker = f"PLAINTEXT-{uuid.uuid4().hex}"
    data = _extract(marker)
    monkeypatch.setattr(crypto, "DEFAULT_KDF", TINY_KDF)      # the KDF's cost is not the point
    monkeypatch.setattr(crypto.package, "DEFAULT_KDF", TINY_KDF)
    roots = [Path(tempfile.gettempdir()), tmp_path]
    before = _top_level(roots)
    seen: list[str] = []
    scans = [0]

    def scan():
        scans[0] += 1
        seen.extend(_holding(marker.encode(), _new_files(roots, before) + _open_files()))

    b = Browser(served, world.taro)
    size = world.size()
    r = b.seal(world.case_id, data, between=scan)
    assert r.status_code == 200, r.text
    assert "封緘しました" in r.text
    scan()
    assert scans[0] >= 16 and seen == [], f"plaintext on disk: {sorted(set(seen))}"

    sealed = [e for e in world.entries()[size:] if e.kind == "PackageSealed"]
    assert len(sealed) == 1
    payload = sealed[0].payload
    assert payload["record_count"] == data.count(b"\n") - 1 and payload["file_count"] == 1

    # The password notice: shown once, not on the disk.
    notice_url = re.search(r'href="(/downloads/[^"]+)"', r.text).group(1)
    assert list((tmp_path / "sealed" / "notices").glob("*")) == []
    notice = b.client.get(notice_url)
    assert notice.content.startswith(b"%PDF")
    assert b.client.get(notice_url).status_code == 404
    # The package: once, and it opens to the very bytes uploaded.
    package_url = re.search(r'href="(/seal/package/[^"]+)"', r.text).group(1)
    package = b.client.get(package_url)
    assert package.status_code == 200
    assert b.client.get(package_url).status_code == 404
    (tmp_path / "p.hop").write_bytes(package.content)
    packages.open_package(tmp_path / "p.hop", tmp_path / "opened", passwords[-1])
    assert (tmp_path / "opened" / "extract.csv").read_bytes() == data
    # Labels print.
    labels = b.client.get(re.search(r'href="(/seal/labels/[^"]+)"', r.text).group(1))
    assert labels.content.startswith(b"%PDF")


def test_a_post_without_the_pages_token_is_refused_before_any_of_the_file(world, served):
    b = Browser(served, world.taro)
    size = world.size()
    r = b.seal(world.case_id, b"a,b\n1,2\n", csrf="forged")
    assert r.status_code == 403 and "CSRF" in r.text
    assert world.size() == size


def test_a_computer_not_designated_for_the_case_is_refused(world, tmp_path):
    app = make_app(world)
    app.state.ctx.host = "kiosk-pc-09"
    app.state.ctx.extra["seal_dir"] = str(tmp_path / "sealed")
    s = Served(app)
    try:
        b = Browser(s, world.taro)
        page = b.client.get(f"/cases/{world.case_id}/seal")
        assert page.status_code == 403 and "workstation-not-registered" in page.text
        size = world.size()
        r = b.seal(world.case_id, _extract("x", 1))
        assert r.status_code == 400 and "workstation-not-registered" in r.text
        assert "kiosk-pc-09" in r.text and world.size() == size
        assert not any((tmp_path / "sealed").rglob("*.hop"))
    finally:
        s.stop()
        app.state.ctx.engine.dispose()


def test_another_computer_is_sent_to_the_designated_one(web):
    """The TestClient's address is not loopback: a browser on another computer."""
    web.sign_in(web.world.taro)
    page = web.client.get(f"/cases/{web.world.case_id}/seal")
    assert page.status_code == 403 and "http://localhost" in page.text
