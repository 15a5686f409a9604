"""LGWAN receipt by hash in a real browser: the contractor chooses the downloaded file, the
page hashes it with WebCrypto (hash-file.js) and posts only the hash. A match records the
receipt; a mismatch opens an incident and the page says not to open the file."""

from __future__ import annotations

import shutil

import pytest

from handover import actions
from tests.handover.support import PASSPHRASE

pytestmark = pytest.mark.web


@pytest.fixture
def sent(world):
    lgwan = world.seal(records=40, medium="lgwan")
    transfer = actions.send_file(world.j, world.taro, lgwan.medium_id, lgwan.package_path,
                                 service="見本LGWAN-ASPファイル交換", to_person=world.hanako)
    return lgwan, transfer


def _choose_and_send(site, transfer_id, path):
    page = site.page
    posted = []
    page.on("request", lambda r: posted.append(r) if r.method == "POST" else None)
    page.goto(site.url + "/lgwan")
    page.locator(f"#file-{transfer_id}").set_input_files(str(path))
    form = page.locator(f"form[action='/lgwan/{transfer_id}/receive']")
    form.locator("[data-hash-status][data-kind=ok]").wait_for()
    form.get_by_label("パスフレーズ（電子押印）").fill(PASSPHRASE)
    form.get_by_role("button", name="ハッシュ値を照合して受領を記録する").click()
    page.wait_for_load_state()
    [request] = [r for r in posted if r.url.endswith("/receive")]
    body = request.post_data
    return body


def test_a_matching_download_is_received_by_its_hash_alone(site, sent, tmp_path):
    w = site.web_world
    lgwan, transfer = sent
    download = tmp_path / lgwan.package_path.name
    shutil.copyfile(lgwan.package_path, download)
    site.sign_in("架空 花子")
    body = _choose_and_send(site, transfer.transfer_id, download)
    assert f"sha256={lgwan.sha256}" in body
    assert len(body) < 1000 and "multipart" not in body, "the file was uploaded"
    assert site.page.get_by_text("受信を確認し、受領として記録しました").is_visible()
    site.shot("lgwan-received")
    assert [e.kind for e in w.entries()[-2:]] == ["HandoverConfirmed", "LgwanFileReceived"]


def test_a_mismatch_opens_an_incident_and_says_do_not_open_the_file(site, sent, tmp_path):
    w = site.web_world
    lgwan, transfer = sent
    download = tmp_path / lgwan.package_path.name
    data = bytearray(lgwan.package_path.read_bytes())
    data[-1] ^= 1
    download.write_bytes(bytes(data))
    site.sign_in("架空 花子")
    size = w.size()
    _choose_and_send(site, transfer.transfer_id, download)
    alert = site.page.get_by_role("alert").filter(has_text="ファイルを開かないでください").first
    assert alert.is_visible()
    site.shot("lgwan-mismatch")
    assert [e.kind for e in w.entries()[size:]] == ["IncidentReported"]
    with w.j.reading() as st:
        assert st.lgwan_transfer(transfer.transfer_id).received_by is None
