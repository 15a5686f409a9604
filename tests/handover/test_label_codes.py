"""handover/labels.py: known answers, QR round trip, forgery, key files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import qrcode
import qrcode.util
import zxingcpp
from hypothesis import given, settings, strategies as st

from crypto import crockford
from handover import label_codes as labels
from handover.errors import EXIT_VERIFY_FAILED, HandoverError, VerificationFailed
from handover.ids import KINDS, InvalidID, new_id
from handover.label_codes import (ForgedLabel, InvalidLabel, LabelKey, LabelKeyError,
                             generate_label_key, label_payload, load_label_key, verify_label)

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "labels" / "vectors.json")
                     .read_text(encoding="utf-8"))
KEY = LabelKey(bytes.fromhex(VECTORS["key_hex"]))
OTHER_KEY = LabelKey(bytes.fromhex(VECTORS["other_key_hex"]))
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
PAYLOAD_CHARS = set(crockford.ALPHABET) | set(KINDS) | {"-"}


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["kind"])
def test_known_answers(case):
    item = new_id(case["kind"], rng=lambda n: bytes.fromhex(case["random_hex"]))
    assert item == case["id"]
    assert label_payload(item, KEY) == case["payload"]
    assert verify_label(case["payload"], KEY) == item


def test_vectors_cover_every_kind_and_domain_constant():
    assert {c["kind"] for c in VECTORS["cases"]} == set(KINDS)
    assert bytes.fromhex(VECTORS["mac_domain_hex"]) == labels.MAC_DOMAIN


@pytest.mark.parametrize("case", VECTORS["negatives"], ids=lambda c: c["name"])
def test_negative_vectors(case):
    with pytest.raises(getattr(labels, case["error"])):
        verify_label(case["payload"], KEY)


def test_payload_shape_and_charset():
    for letter in KINDS:
        payload = label_payload(new_id(letter), KEY)
        assert len(payload) == labels.PAYLOAD_LENGTH == 32
        assert set(payload) <= PAYLOAD_CHARS <= QR_ALPHANUMERIC
        # qrcode picks alphanumeric mode for the whole payload (compact on 24 mm tape)
        assert qrcode.util.QRData(payload.encode()).mode == qrcode.util.MODE_ALPHA_NUM


def test_payload_fits_version_2_at_error_correction_m():
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(label_payload(new_id("M"), KEY))
    qr.make(fit=True)
    assert qr.version <= 2


def test_qr_png_round_trip(tmp_path):
    item = new_id("N")
    png = tmp_path / "label.png"
    qrcode.make(label_payload(item, KEY)).save(png)
    from PIL import Image
    with Image.open(png) as img:
        found = zxingcpp.read_barcodes(img.convert("L"))
    assert [verify_label(b.text, KEY) for b in found] == [item]


def test_ime_and_scanner_garbling_tolerated():
    payload = VECTORS["cases"][0]["payload"]
    full_width = payload.lower().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert full_width.startswith("ｍ－ｊｎ５ｋ")
    for text in [payload.lower(), full_width, payload.replace("-", ""),
                 payload.replace("-", "ー"), payload + "\r\n"]:
        assert verify_label(text, KEY) == VECTORS["cases"][0]["id"]


def test_forged_label_errors():
    payload = VECTORS["cases"][0]["payload"]
    item = VECTORS["cases"][0]["id"]
    with pytest.raises(ForgedLabel) as e:
        verify_label(payload, OTHER_KEY)
    err = e.value
    assert isinstance(err, VerificationFailed) and err.exit_code == EXIT_VERIFY_FAILED
    assert err.failure == "label-mac" and err.claimed_id == item
    assert "do not accept" in err.hint
    # a label made for a valid ID with another ward's key: the ID itself is fine
    assert verify_label(label_payload(item, OTHER_KEY), OTHER_KEY) == item


def test_invalid_label_names_the_character():
    with pytest.raises(InvalidLabel) as e:
        verify_label(VECTORS["cases"][0]["payload"][:-1] + "か", KEY)
    assert e.value.reason == "character" and "'か'" in e.value.message
    assert isinstance(e.value, HandoverError) and not isinstance(e.value, VerificationFailed)


def test_label_payload_refuses_invalid_id():
    with pytest.raises(InvalidID):
        label_payload("M-JN5K-PT2Y-WJP9-9", KEY)


def test_label_key_hides_secret():
    assert "000102" not in repr(KEY) and KEY.fingerprint in repr(KEY)
    assert KEY.fingerprint != OTHER_KEY.fingerprint
    with pytest.raises(ValueError):
        LabelKey(b"short")


@given(st.sampled_from(sorted(KINDS)), st.binary(min_size=8, max_size=8), st.data())
@settings(max_examples=60, deadline=None)
def test_property_round_trip_and_every_single_change_rejected(letter, random8, data):
    item = new_id(letter, rng=lambda n: random8)
    payload = label_payload(item, KEY)
    assert verify_label(payload, KEY) == item
    assert verify_label(payload.lower(), KEY) == item
    # Every position, a drawn replacement: anything that does not normalize back to the same
    # character must be refused (ForgedLabel or InvalidLabel, never an ID).
    for i, c in enumerate(payload):
        r = data.draw(st.sampled_from(sorted(QR_ALPHANUMERIC - {c})), label=f"pos {i}")
        changed = payload[:i] + r + payload[i + 1:]
        if crockford.normalize(changed) == crockford.normalize(payload):
            continue   # e.g. "-" → " ": only a separator changed, the content is the same
        if i == 0 and r == "0" and c == "O":
            continue   # a 0 in the kind position is read as O (see ids.parse_id)
        with pytest.raises((ForgedLabel, InvalidLabel)):
            verify_label(changed, KEY)


def test_property_exhaustive_single_substitution():
    """Every position × every alphabet character, for one label of each kind."""
    for letter in KINDS:
        payload = label_payload(new_id(letter), KEY)
        for i, c in enumerate(payload):
            if c == "-":
                continue
            for r in (KINDS if i == 0 else crockford.ALPHABET):
                if r != c:
                    with pytest.raises((ForgedLabel, InvalidLabel)):
                        verify_label(payload[:i] + r + payload[i + 1:], KEY)


# --- key files -------------------------------------------------------------------------------

def test_generate_and_load(tmp_path):
    path = tmp_path / "ward" / "label.key"
    generate_label_key(path, _rng=lambda n: bytes(range(n)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == bytes(range(32))
    assert load_label_key(path).fingerprint == KEY.fingerprint
    assert [p.name for p in path.parent.iterdir()] == ["label.key"]   # no temporary left


def test_generate_refuses_to_overwrite(tmp_path):
    path = tmp_path / "label.key"
    generate_label_key(path)
    before = path.read_bytes()
    with pytest.raises(LabelKeyError, match="already exists"):
        generate_label_key(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["label.key"]


def test_load_missing(tmp_path):
    with pytest.raises(LabelKeyError, match="not found") as e:
        load_label_key(tmp_path / "nope.key")
    assert "will not verify" in e.value.hint


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_load_wrong_size(tmp_path, size):
    path = tmp_path / "label.key"
    path.write_bytes(b"\x01" * size)
    path.chmod(0o600)
    with pytest.raises(LabelKeyError, match="exactly 32") as e:
        load_label_key(path)
    assert "backup" in e.value.hint


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_load_refuses_open_permissions(tmp_path, mode):
    path = tmp_path / "label.key"
    generate_label_key(path)
    path.chmod(mode)
    with pytest.raises(LabelKeyError, match=f"{mode:04o}") as e:
        load_label_key(path)
    assert e.value.hint == f"restrict it with: chmod 600 {path}"


def test_load_directory(tmp_path):
    with pytest.raises(LabelKeyError):
        load_label_key(tmp_path)
