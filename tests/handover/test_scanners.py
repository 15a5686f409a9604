"""handover/scanning.py: images, keyboard-wedge streams, and a scan session over a manifest."""

from __future__ import annotations

import io

import pytest
import qrcode
from PIL import Image

from handover.ids import new_id
from handover.label_codes import LabelKey, label_payload
from handover.scanners import (ScanError, ScanSession, ScanStatus, decode_image, read_scans)

KEY = LabelKey(bytes(range(32)))
OTHER_KEY = LabelKey(bytes(range(32, 64)))


def qr_image(text: str) -> Image.Image:
    return qrcode.make(text, border=4).get_image().convert("L")


# --- decode_image ----------------------------------------------------------------------------

def test_decode_image_two_codes(tmp_path):
    a, b = new_id("M"), new_id("N")
    left, right = qr_image(label_payload(a, KEY)), qr_image(label_payload(b, KEY))
    sheet = Image.new("L", (left.width + right.width + 80, max(left.height, right.height) + 40),
                      255)
    sheet.paste(left, (20, 20))
    sheet.paste(right, (left.width + 60, 20))
    path = tmp_path / "two.png"
    sheet.save(path)
    found = decode_image(path)
    assert sorted(found) == sorted([label_payload(a, KEY), label_payload(b, KEY)])


def test_decode_image_palette_png_and_jpeg(tmp_path):
    payload = label_payload(new_id("M"), KEY)
    png = tmp_path / "label.png"
    qrcode.make(payload).save(png)           # 1-bit PNG as qrcode writes it
    assert decode_image(png) == [payload]
    jpg = tmp_path / "photo.jpg"
    qr_image(payload).convert("RGB").save(jpg, quality=80)
    assert decode_image(str(jpg)) == [payload]


def test_decode_image_missing_file(tmp_path):
    with pytest.raises(ScanError, match="not found"):
        decode_image(tmp_path / "nope.png")


def test_decode_image_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not a picture")
    with pytest.raises(ScanError, match="cannot read") as e:
        decode_image(path)
    assert e.value.hint


def test_decode_image_truncated(tmp_path):
    path = tmp_path / "cut.png"
    qr_image("M").save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ScanError, match="cannot read"):
        decode_image(path)


def test_decode_image_without_qr(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(path)
    with pytest.raises(ScanError, match="no QR code") as e:
        decode_image(path)
    assert "photograph" in e.value.hint


# --- read_scans ------------------------------------------------------------------------------

def test_read_scans_text_stream():
    stream = io.StringIO("M-AAAA\r\n\r\n  \nN-BBBB\t\n\u3000\nlast-without-newline")
    assert list(read_scans(stream)) == ["M-AAAA", "N-BBBB", "last-without-newline"]


def test_read_scans_bytes_lines():
    assert list(read_scans([b"M-AAAA\r\n", b"\n", "\u3000N-BBBB\n".encode()])) == \
        ["M-AAAA", "N-BBBB"]


def test_read_scans_names_the_line_that_is_not_utf8():
    scans = read_scans(io.TextIOWrapper(io.BytesIO(b"M-AAAA\r\n\nN-\xff\xfeX\nM-CCCC\n"),
                                        encoding="utf-8"))
    assert next(scans) == "M-AAAA"
    with pytest.raises(ScanError, match=r"^line 3 of the scans is not UTF-8 text \(byte 0xff "
                                        r"at position 3\)") as e:
        next(scans)
    assert "UTF-8" in e.value.hint


# --- ScanSession -----------------------------------------------------------------------------

@pytest.fixture
def world():
    """Four registered items; the manifest holds three of them."""
    registered = [new_id("M"), new_id("M"), new_id("N"), new_id("M")]
    manifest = registered[:3]
    return registered, manifest, set(registered).__contains__


def test_session_reports_each_status(world):
    registered, manifest, known = world
    s = ScanSession(manifest, known, KEY)
    unregistered = new_id("M")

    r = s.scan(label_payload(manifest[0], KEY))
    assert (r.status, r.item_id) == ("ok", manifest[0])
    assert r.message == f"ok: {manifest[0]} 確認しました"

    r = s.scan(label_payload(manifest[0], KEY).lower())   # same item, through an IME
    assert (r.status, r.item_id) == (ScanStatus.DUPLICATE, manifest[0])
    assert "already scanned" in r.message

    r = s.scan(label_payload(registered[3], KEY))
    assert (r.status, r.item_id) == ("not-expected", registered[3])
    assert "not on this handover" in r.message and "対象外" in r.message

    r = s.scan(label_payload(unregistered, KEY))
    assert (r.status, r.item_id) == ("unknown", unregistered)
    assert "媒体" in r.message

    forged_raw = label_payload(manifest[1], OTHER_KEY)
    r = s.scan(forged_raw)
    assert (r.status, r.item_id, r.raw) == ("forged", None, forged_raw)
    assert r.message.startswith("forged: label MAC does not match")
    assert "do not accept this item" in r.message and "偽造または改変されたラベルです" in r.message

    r = s.scan("https://example.jp/")
    assert (r.status, r.item_id) == ("forged", None)
    assert "not a handover label" in r.message

    r = s.scan(label_payload(manifest[2], KEY))
    assert r.status == "ok"

    summary = s.summary()
    assert summary.ok == [manifest[0], manifest[2]]
    assert summary.missing == [manifest[1]]
    assert summary.unexpected == [registered[3]]
    assert summary.unknown == [unregistered]
    assert summary.forged == [forged_raw, "https://example.jp/"]
    assert summary.duplicates == [manifest[0]]
    assert not summary.complete and not s.complete
    assert [x.status for x in s.results] == ["ok", "duplicate", "not-expected", "unknown",
                                             "forged", "forged", "ok"]


def test_session_complete(world):
    _, manifest, known = world
    s = ScanSession(manifest, known, KEY)
    for item in reversed(manifest):
        assert s.scan(label_payload(item, KEY) + "\r\n").status == "ok"
    s.scan(label_payload(manifest[0], KEY))   # a duplicate does not spoil completeness
    summary = s.summary()
    assert summary.missing == [] and summary.duplicates == [manifest[0]]
    assert summary.complete


def test_forged_scan_then_genuine_scan_of_same_id(world):
    _, manifest, known = world
    s = ScanSession(manifest, known, KEY)
    assert s.scan(label_payload(manifest[0], OTHER_KEY)).status == "forged"
    # the forgery claimed the ID but did not "use it up": the genuine label is still ok
    assert s.scan(label_payload(manifest[0], KEY)).status == "ok"


@pytest.mark.parametrize("blocker", ["forged", "unexpected", "unknown"])
def test_incomplete_when_anything_suspect(world, blocker):
    registered, manifest, known = world
    s = ScanSession(manifest, known, KEY)
    for item in manifest:
        s.scan(label_payload(item, KEY))
    s.scan({"forged": label_payload(manifest[0], OTHER_KEY),
            "unexpected": label_payload(registered[3], KEY),
            "unknown": label_payload(new_id("P"), KEY)}[blocker])
    assert not s.summary().missing
    assert not s.summary().complete


def test_no_manifest_accepts_any_known_item(world):
    registered, _, known = world
    s = ScanSession(None, known, KEY)
    assert [s.scan(label_payload(i, KEY)).status for i in registered] == ["ok"] * 4
    summary = s.summary()
    assert summary.ok == registered and summary.missing == [] and summary.complete
    assert s.scan(label_payload(new_id("M"), KEY)).status == "unknown"


def test_manifest_is_normalized_and_checked(world):
    _, manifest, known = world
    s = ScanSession([m.lower() for m in manifest], known, KEY)
    assert s.scan(label_payload(manifest[0], KEY)).status == "ok"
    from handover.ids import InvalidID
    with pytest.raises(InvalidID):
        ScanSession(["M-0000-0000-0000-Z"], known, KEY)


def test_keyboard_wedge_stream_into_session(world):
    _, manifest, known = world
    s = ScanSession(manifest, known, KEY)
    stream = io.StringIO("".join(label_payload(m, KEY) + "\r\n\r\n" for m in manifest))
    assert [s.scan(t).status for t in read_scans(stream)] == ["ok"] * 3
    assert s.summary().complete
