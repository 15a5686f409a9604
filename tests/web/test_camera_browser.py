"""The scanning station's camera in a real browser: Chromium's fake capture device plays a Y4M
clip made from a label the project renders (the 24 mm tape label PDF of the medium, rasterised
by pdftoppm), zxing-wasm decodes it in the page (its .wasm served from /static/vendor, never a
CDN), and the station shows the scan as the USB scanner's would be shown: 確認しました."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from handover.label_codes import load_label_key
from handover.reports import label_sheets
from tests.handover.support import PASSPHRASE
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, OffLoopback, Served
from tests.web.conftest import make_app, person_name_label

pytestmark = pytest.mark.web

WIDTH, HEIGHT, FRAMES = 640, 480, 10


def label_png(item_id: str, case_name: str, key_path: Path, work: Path) -> Path:
    """The medium's label as printed on 24 mm tape, rasterised."""
    key = load_label_key(key_path)
    labels = label_sheets.item_labels([(item_id, "DVD-R")], case_name, key)
    pdf = label_sheets.write_label_pdf(labels, work / "label.pdf", "tape")
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(pdf), str(work / "label")],
                   check=True, capture_output=True)
    return work / "label.png"


def y4m_clip(png: Path, out: Path) -> Path:
    """A still clip (YUV 4:2:0) of the label held in front of the camera."""
    label = Image.open(png).convert("RGB")
    label.thumbnail((WIDTH - 40, HEIGHT - 40))
    frame = Image.new("RGB", (WIDTH, HEIGHT), (200, 200, 200))
    frame.paste(label, ((WIDTH - label.width) // 2, (HEIGHT - label.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(out, "wb") as f:
        f.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            f.write(b"FRAME\n" + planes)
    return out


@pytest.fixture
def camera_browser(chromium, tmp_path, world):
    """A second chromium whose camera plays the medium's label."""
    with world.j.reading() as st:
        case_name = st.case(world.case_id).name
    yield lambda item_id: chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                              "--use-file-for-fake-video-capture=" + str(y4m_clip(
                                  label_png(item_id, case_name, world.label_key, tmp_path),
                                  tmp_path / "clip.y4m"))])


def test_a_label_read_by_the_camera_is_scanned_like_a_usb_scan(world, sealed, camera_browser,
                                                               tmp_path):
    browser = camera_browser(sealed.medium_id)
    app = make_app(world)
    served = Served(app)
    off = OffLoopback()
    fetched: list[str] = []
    try:
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
        context.route("**/*", off)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.on("request", lambda r: fetched.append(r.url))
        page.goto(served.url + "/signin")
        page.get_by_label("氏名", exact=True).select_option(label=person_name_label(page, "見本 太郎"))
        page.get_by_label("パスフレーズ", exact=True).fill(PASSPHRASE)
        page.get_by_role("button", name="サインイン", exact=True).click()
        page.wait_for_url(served.url + "/")
        page.goto(f"{served.url}/scan?case={world.case_id}")
        page.check(f"#expect-{sealed.medium_id}")
        page.get_by_role("button", name="読取りを始める").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="カメラで読み取る").click()
        page.wait_for_selector(".scan-result.scan-ok")
        assert page.locator(".scan-result").inner_text().startswith("確認しました")
        assert sealed.medium_id in page.locator(".scan-result").inner_text()
        page.screenshot(path=str(tmp_path / "camera-scan-ok.png"), full_page=True)
        # The label stays in view: it counts once, not as a duplicate every few seconds.
        page.wait_for_timeout(2500)
        assert page.locator(".scan-log li").count() == 1
        assert page.locator(".scan-result.scan-ok").count() == 1
        assert served.url + "/static/vendor/zxing-wasm/reader/zxing_reader.wasm" in fetched
        page.get_by_role("button", name="カメラを止める").click()
        context.close()
    finally:
        browser.close()
        served.stop()
        app.state.ctx.engine.dispose()
    assert off.seen == [], f"requests left loopback: {off.seen}"
