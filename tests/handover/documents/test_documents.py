"""handover.documents: render each PDF, then read it back the way a person or scanner would.

Text is checked through poppler's `pdftotext` (so Japanese must extract through the embedded
font's ToUnicode map), QR codes by rasterising with `pdftoppm -r 150` and decoding with
zxing-cpp, as a phone or scanning-station camera would.
"""

from __future__ import annotations

import datetime as dt
import mmap
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from handover.documents import (ConfirmationItem, ConfirmationRecord, DocumentError, Label,
                                PasswordNotice, format_datetime, format_wareki, japanese_fonts,
                                render_confirmation, render_label_sheet_a4,
                                render_label_tape_24mm, render_notice, Totals,
                                write_pdf)
from handover.documents import fonts as fonts_module
from handover.errors import HandoverError

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdftotext, pdftoppm) not installed",
)

JST = dt.timezone(dt.timedelta(hours=9))
OCCURRED = dt.datetime(2026, 11, 22, 14, 5, tzinfo=JST)

# Shaped like ledger/note.py output: a C2SP checkpoint body, a blank line, an Ed25519
# signature line starting with an em dash (68 bytes of key ID and signature in base64).
CHECKPOINT = (
    "shinjuku.example/handover/hoken-yobo\n"
    "1235\n"
    "q0xZ3m6v2cK1b9Yt7Qf0uP4nR8sW2dE5gH1jL3kM6oA=\n"
    "\n"
    "\u2014 shinjuku.example/handover/hoken-yobo "
    "Az3kT9bCdEfGhIjKlMnOpQrStUvWxYz0123456789+/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV==\n"
)
OVERRIDE = "媒体とパスワード通知書を同日に受け渡した（担当者不在のため課長承認済み）"
CONTENT_65 = "接種券発送対象者データ（65歳以上）"
CONTENT_OTHER = "接種券発送対象者データ（その他対象者）"
SHA_A = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
# Shaped like crypto/passwords.py output: 6 groups of 5 Crockford characters.
PASSWORD = ["7K3QX", "9V2BN", "4P8RA", "HJ6MW", "T2Z5C", "Q8D3F"]


# --- helpers -------------------------------------------------------------------------------

def squash(text: str) -> str:
    """Whitespace removed: pdftotext places spaces and line breaks by layout, not by source."""
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes, tmp_path: Path, *, page: int | None = None,
             layout: bool = False) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    options = ["-f", str(page), "-l", str(page)] if page else []
    options += ["-layout"] if layout else []
    return subprocess.run(["pdftotext", *options, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_fonts(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                          text=True).stdout


def read_pdf(pdf: bytes, tmp_path: Path) -> PdfReader:
    path = tmp_path / "read.pdf"
    path.write_bytes(pdf)
    return PdfReader(path)


def rasterise(pdf: bytes, tmp_path: Path, name: str = "page") -> list[Path]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / name)],
                   check=True)
    # pdftoppm pads page numbers to equal width, so name order is page order.
    return sorted(tmp_path.glob(f"{name}-*.png"))


def qr_texts(png: Path) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(Image.open(png))
            if b.format == zxingcpp.BarcodeFormat.QRCode]


def make_record(**changes) -> ConfirmationRecord:
    fields = dict(
        record_id="H-2B4N7K3QHX9V-A", moment="provide",
        case_name="新型コロナワクチン接種券発送業務", occurred_at=OCCURRED,
        from_person="山田 太郎", from_org="新宿区 健康部保健予防課",
        to_person="佐藤 花子", to_org="株式会社サンプル印刷",
        method="hand",
        items=[
            ConfirmationItem("M-7K3QHX9V2B4N-6", "DVD-R", CONTENT_65, media_count=1,
                             record_count=68000, package_sha256=SHA_A),
            ConfirmationItem("M-9V2B4N7K3QHX-2", "DVD-R", CONTENT_OTHER, media_count=1,
                             record_count=250000),
        ],
        checkpoint_text=CHECKPOINT, entry_index=1234,
        condition_on_receipt="封緘異常なし", override_reason=OVERRIDE,
        confirmed_by="佐藤 花子", confirmed_at=OCCURRED + dt.timedelta(minutes=15),
    )
    fields.update(changes)
    return ConfirmationRecord(**fields)


def make_notice(**changes) -> PasswordNotice:
    fields = dict(notice_id="N-4Q7R2M9K8T-3", package_id="P-9X2B7C4D1E-K",
                  package_sha256=SHA_A, case_name="新型コロナワクチン接種券発送業務",
                  issued_at=OCCURRED, issued_by="保健予防課 山田 太郎",
                  password_groups=PASSWORD)
    fields.update(changes)
    return PasswordNotice(**fields)


def make_labels(n: int) -> list[Label]:
    return [Label(f"M-7K3QHX9V2B{i:02d}-6", f"M-7K3QHX9V2B{i:02d}-6-K3Q9HXZ{i % 10}",
                  "新型コロナワクチン接種券発送業務", "DVD-R") for i in range(n)]


@pytest.fixture(scope="module")
def embedded():
    fonts = japanese_fonts(embed=True)
    if not fonts.embedded:
        pytest.skip("IPAex fonts not installed (apt install fonts-ipaexfont)")
    return fonts


@pytest.fixture(scope="module")
def confirmation_pdf(embedded) -> bytes:
    return render_confirmation(make_record(), fonts=embedded)


# --- 和暦 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("date, expected", [
    (dt.date(2026, 11, 22), "令和8年11月22日"),
    (dt.date(2020, 1, 1), "令和2年1月1日"),
    (dt.date(2019, 12, 31), "令和元年12月31日"),
    (dt.date(2019, 5, 1), "令和元年5月1日"),
    (dt.date(2019, 4, 30), "平成31年4月30日"),
    (dt.date(1990, 1, 1), "平成2年1月1日"),
    (dt.date(1989, 1, 8), "平成元年1月8日"),
    (dt.date(1989, 1, 7), "昭和64年1月7日"),
    (dt.date(1926, 12, 25), "昭和元年12月25日"),
    (dt.date(1926, 12, 24), "大正15年12月24日"),
])
def test_wareki_era_boundaries(date, expected):
    assert format_wareki(date) == expected


def test_datetime_is_shown_on_the_ward_clock_in_both_forms():
    assert format_datetime(OCCURRED) == ("令和8年11月22日 14時05分", "2026-11-22T14:05+09:00")
    # 15:00 UTC on the last day of 平成 is already the first minute of 令和 in Tokyo.
    utc = dt.datetime(2019, 4, 30, 15, 0, tzinfo=dt.timezone.utc)
    assert format_datetime(utc) == ("令和元年5月1日 00時00分", "2019-05-01T00:00+09:00")


def test_naive_datetime_and_pre_gregorian_dates_are_refused():
    with pytest.raises(DocumentError, match="time zone"):
        format_datetime(dt.datetime(2026, 11, 22, 14, 5))
    with pytest.raises(DocumentError, match="Gregorian"):
        format_wareki(dt.date(1872, 12, 31))
    assert issubclass(DocumentError, HandoverError)


# --- fonts ---------------------------------------------------------------------------------

def test_fonts_fall_back_to_cid_when_forced(monkeypatch):
    monkeypatch.setenv("HANDOVER_FONTS", "cid")
    fonts = japanese_fonts()
    assert (fonts.embedded, fonts.mincho, fonts.gothic) == (False, "HeiseiMin-W3",
                                                            "HeiseiKakuGo-W5")
    assert japanese_fonts(embed=False) == fonts


def test_font_dir_from_environment_is_searched_first(monkeypatch, tmp_path, embedded):
    (tmp_path / "ipaexm.ttf").symlink_to(embedded.mincho_path)
    monkeypatch.setenv("HANDOVER_FONT_DIR", str(tmp_path))
    assert fonts_module.find_font("ipaexm.ttf") == tmp_path / "ipaexm.ttf"
    assert fonts_module.find_font("ipaexm.ttf", [tmp_path / "empty"]) is None


# --- 確認書 --------------------------------------------------------------------------------

def test_confirmation_prints_every_field(confirmation_pdf, tmp_path):
    text = squash(pdf_text(confirmation_pdf, tmp_path))
    for expected in [
        # Only media moved, so the title says so (issue 8 §7).
        "確認書", "（媒体の提供）", "新型コロナワクチン接種券発送業務",
        "令和8年11月22日14時05分", "2026-11-22T14:05+09:00", "H-2B4N7K3QHX9V-A", "1234",
        "山田太郎", "新宿区健康部保健予防課", "佐藤花子", "株式会社サンプル印刷", "手渡し",
        "M-7K3QHX9V2B4N-6", "DVD-R", squash(CONTENT_65), "68,000", "250,000", "318,000",
        SHA_A, "封緘異常なし", "例外理由", squash(OVERRIDE), "令和8年11月22日14時20分",
        "甲保管用", "乙保管用", "署名", "印", "引渡者", "受領者",
        squash(CHECKPOINT.splitlines()[0]), squash(CHECKPOINT.splitlines()[4]),
    ]:
        assert expected in text, expected


def test_confirmation_has_one_page_per_copy(confirmation_pdf, tmp_path):
    assert len(read_pdf(confirmation_pdf, tmp_path).pages) == 2
    first, second = (squash(pdf_text(confirmation_pdf, tmp_path, page=p)) for p in (1, 2))
    assert "甲保管用" in first and "乙保管用" not in first and "1/1頁" in first
    assert "乙保管用" in second and "甲保管用" not in second


def test_confirmation_qr_is_exactly_the_checkpoint(confirmation_pdf, tmp_path):
    pages = rasterise(confirmation_pdf, tmp_path)
    assert len(pages) == 2
    for png in pages:
        assert qr_texts(png) == [CHECKPOINT]


def test_confirmation_embeds_the_ipaex_fonts(confirmation_pdf, tmp_path, embedded):
    # reportlab embeds a TrueType font in subsets of 256 glyphs, so a face may appear twice.
    lines = [ln for ln in pdf_fonts(confirmation_pdf, tmp_path).splitlines() if "IPAex" in ln]
    assert {re.search(r"\+(IPAex\w+)", ln)[1] for ln in lines} == {"IPAexGothic", "IPAexMincho"}
    assert all(" yes yes yes " in ln for ln in lines), lines


def test_confirmation_renders_with_cid_fallback(tmp_path):
    pdf = render_confirmation(make_record(), fonts=japanese_fonts(embed=False))
    text = squash(pdf_text(pdf, tmp_path))
    assert "確認書" in text and "甲保管用" in text and "令和8年11月22日" in text
    assert "HeiseiMin-W3" in pdf_fonts(pdf, tmp_path)


def test_confirmation_without_override_or_receiver_check(embedded, tmp_path):
    record = make_record(moment="deliver", override_reason=None, confirmed_by=None,
                         confirmed_at=None, condition_on_receipt=None, method="registered_mail",
                         items=[ConfirmationItem("E-5T8W2K7M3Q-1", "封入封緘済み通知書",
                                                 "接種券等（封入封緘済み）", envelope_count=68000)])
    text = squash(pdf_text(render_confirmation(record, fonts=embedded), tmp_path))
    assert "封入封緘された通知書の納品" in text and "簡易書留" in text
    assert "例外理由" not in text and "未確認" in text and "68,000" in text
    assert record.totals == Totals(None, None, 68000)


def test_confirmation_accepts_a_generic_title(embedded, tmp_path):
    record = make_record(moment=None, title="訪問リストの受渡し", method="lgwan")
    text = squash(pdf_text(render_confirmation(record, fonts=embedded), tmp_path))
    assert "訪問リストの受渡し" in text and "LGWAN" in text


def test_confirmation_rendering_is_deterministic(confirmation_pdf, embedded):
    assert render_confirmation(make_record(), fonts=embedded) == confirmation_pdf


@pytest.mark.parametrize("changes, message", [
    ({"moment": "lend"}, "moment"),
    ({"method": "fax"}, "method"),
    ({"items": []}, "item"),
    ({"occurred_at": dt.datetime(2026, 11, 22, 14, 5)}, "time zone"),
    ({"checkpoint_text": "起点\n1\n"}, "monospace"),
    ({"checkpoint_text": "  \n"}, "checkpoint"),
    ({"entry_index": -1}, "entry_index"),
])
def test_confirmation_refuses_bad_input(changes, message):
    with pytest.raises(DocumentError, match=message):
        make_record(**changes)


# --- パスワード通知書 -----------------------------------------------------------------------

def test_notice_prints_password_package_and_instructions(embedded, tmp_path):
    pdf = render_notice(make_notice(), fonts=embedded)
    assert len(read_pdf(pdf, tmp_path).pages) == 1
    text = squash(pdf_text(pdf, tmp_path))
    for expected in [
        "パスワード通知書", "N-4Q7R2M9K8T-3", "P-9X2B7C4D1E-K", SHA_A, *PASSWORD,
        "新型コロナワクチン接種券発送業務", "令和8年11月22日14時05分", "2026-11-22T14:05+09:00",
        "本通知書は媒体とは別の機会に受け渡し、別の施錠保管庫に保管してください",
        "業務終了時に返却してください", "グループごとにチェック文字があり入力誤りを検出します",
        "certutil-hashfile", "SHA256", "sha256sum",
    ]:
        assert expected in text, expected
    # The groups appear in order, so they can be read aloud and typed one by one.
    in_reading_order = squash(pdf_text(pdf, tmp_path, layout=True))
    positions = [in_reading_order.index(group) for group in PASSWORD]
    assert positions == sorted(positions)


def test_notice_prints_rare_kanji_through_the_mapped_fonts(embedded, tmp_path):
    # The faces are read through a map, not loaded whole (the command's memory, issue 15
    # §4); the glyphs a notice uses, rare ones in names included, must still be embedded.
    for name in (embedded.mincho, embedded.gothic):
        face = pdfmetrics.getFont(name).face
        assert isinstance(face._ttf_data, mmap.mmap), name
    pdf = render_notice(make_notice(case_name="髙﨑市瀨戸德島辻塚埼業務",
                                    issued_by="保健予防課 髙﨑 德子"), fonts=embedded)
    text = squash(pdf_text(pdf, tmp_path))
    assert "髙﨑市瀨戸德島辻塚埼業務" in text
    assert "髙﨑德子" in text
    assert "IPAex" in pdf_fonts(pdf, tmp_path)


def _parsed(name: str, path: Path):
    """The face as reportlab itself parses it: every table read into dicts and lists."""
    from reportlab.pdfbase.ttfonts import TTFont
    return TTFont(name, str(path))


@pytest.mark.parametrize("face", ["mincho", "gothic"])
def test_mapped_faces_look_up_what_reportlab_parses(embedded, face):
    # The notice's faces are not parsed into ~12,000-entry dicts (the seal's peak memory,
    # issue 15 §4) but looked up in the mapped file: every answer must be reportlab's.
    path = getattr(embedded, f"{face}_path")
    full, lean = _parsed("parsed", path).face, fonts_module._MappedFace(path)
    assert len(full.charToGlyph) > 10000
    for code, glyph in full.charToGlyph.items():
        assert lean.charToGlyph[code] == glyph, hex(code)
        assert lean.charWidths.get(code) == full.charWidths.get(code), hex(code)
    # No character reportlab lacks is invented (the BMP, the SIP's kanji, beyond Unicode).
    for code in [*range(0x30000), 0x10FFFF, 0x110000, -1]:
        assert (code in lean.charToGlyph) == (code in full.charToGlyph), hex(code)
        assert lean.charWidths.get(code, "none") == full.charWidths.get(code, "none"), hex(code)
    assert len(lean.hmetrics) == len(full.hmetrics)
    assert [lean.hmetrics[g] for g in range(len(full.hmetrics))] == full.hmetrics
    assert [lean.glyphPos[g] for g in range(len(full.glyphPos))] == full.glyphPos
    with pytest.raises(IndexError):
        lean.glyphPos[len(full.glyphPos)]
    assert lean.defaultWidth == full.defaultWidth
    assert (lean.name, lean.ascent, lean.descent, lean.bbox, lean.flags) == \
        (full.name, full.ascent, full.descent, full.bbox, full.flags)


def test_a_notice_through_the_mapped_faces_is_byte_for_byte_reportlabs(embedded, tmp_path):
    # Same names registered both ways, one after the other: the PDF must not change.
    notice = make_notice(case_name="髙﨑市瀨戸德島辻塚埼業務", issued_by="保健予防課 髙﨑 德子")
    lean_pdf = render_notice(notice, fonts=embedded)
    for name, path in ((embedded.mincho, embedded.mincho_path),
                       (embedded.gothic, embedded.gothic_path)):
        assert isinstance(pdfmetrics.getFont(name).face, fonts_module._MappedFace), name
    try:
        for name, path in ((embedded.mincho, embedded.mincho_path),
                           (embedded.gothic, embedded.gothic_path)):
            pdfmetrics.registerFont(_parsed(name, path))
        assert render_notice(notice, fonts=embedded) == lean_pdf
    finally:
        for name, path in ((embedded.mincho, embedded.mincho_path),
                           (embedded.gothic, embedded.gothic_path)):
            pdfmetrics.registerFont(fonts_module._mapped_ttf(name, path))
    # And only what the documents drew was ever looked up, not the whole cmap.
    for name in (embedded.mincho, embedded.gothic):
        assert dict.__len__(pdfmetrics.getFont(name).face.charToGlyph) < 1000


def test_a_mapped_font_has_what_reportlab_gives_its_own(embedded):
    path = embedded.mincho_path
    assert set(vars(fonts_module._mapped_ttf("m", path))) == set(vars(_parsed("p", path)))


def test_faces_the_lookups_cannot_read_are_parsed_as_before(embedded, monkeypatch):
    # reportlab's optional C accelerator reads the widths dict directly: then parse.
    from reportlab.lib import rl_accel
    monkeypatch.setattr(rl_accel, "instanceStringWidthTTF", lambda *a, **k: 0)
    font = fonts_module._mapped_ttf("accelerated", embedded.gothic_path)
    assert not isinstance(font.face, fonts_module._MappedFace)
    assert len(font.face.charToGlyph) > 10000


def test_notice_says_nothing_about_the_extract(embedded, tmp_path):
    text = squash(pdf_text(render_notice(make_notice(), fonts=embedded), tmp_path))
    for leaked in [squash(CONTENT_65), squash(CONTENT_OTHER), "68,000", "250,000",
                   "DVD-R", ".csv"]:
        assert leaked not in text, leaked


def test_notice_renders_with_cid_fallback(tmp_path):
    pdf = render_notice(make_notice(), fonts=japanese_fonts(embed=False))
    assert "パスワード通知書" in squash(pdf_text(pdf, tmp_path))


def test_password_stays_out_of_repr_errors_and_metadata(embedded, tmp_path):
    notice = make_notice()
    assert not any(group in repr(notice) for group in PASSWORD)
    reader = read_pdf(render_notice(notice, fonts=embedded), tmp_path)
    assert not any(group in str(reader.metadata) for group in PASSWORD)
    secret = "s3cret group"  # a space: not typable as one group, so refused
    with pytest.raises(DocumentError) as caught:
        make_notice(password_groups=["7K3QX", secret])
    assert secret not in str(caught.value) and "group 2" in str(caught.value)
    with pytest.raises(DocumentError, match="64 hexadecimal"):
        make_notice(package_sha256="abc")


def test_write_pdf_is_atomic_and_private(embedded, tmp_path):
    pdf = render_notice(make_notice(), fonts=embedded)
    path = write_pdf(tmp_path / "out" / "notice.pdf", pdf)
    assert path.read_bytes() == pdf
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    with pytest.raises(DocumentError, match="not a PDF"):
        write_pdf(tmp_path / "x.pdf", b"7K3QX")


# --- labels --------------------------------------------------------------------------------

def test_a4_sheet_labels_scan_to_their_payloads(embedded, tmp_path):
    labels = make_labels(26)  # 24 on the first sheet, 2 on the second
    pdf = render_label_sheet_a4(labels, fonts=embedded)
    pages = rasterise(pdf, tmp_path)
    assert len(pages) == 2
    decoded = [t for png in pages for t in qr_texts(png)]
    assert sorted(decoded) == sorted(label.qr_payload for label in labels)
    text = squash(pdf_text(pdf, tmp_path))
    assert all(label.item_id in text for label in labels)
    assert "DVD-R" in text and "ケース・封筒に貼付（ディスク面に貼らない）" in text


def test_tape_labels_are_24mm_pages_that_scan_in_order(embedded, tmp_path):
    labels = make_labels(3)
    pdf = render_label_tape_24mm(labels, fonts=embedded)
    reader = read_pdf(pdf, tmp_path)
    assert len(reader.pages) == 3
    for page in reader.pages:
        assert float(page.mediabox.height) == pytest.approx(24 / 25.4 * 72)
        assert 60 <= float(page.mediabox.width) / 72 * 25.4 <= 70
    pngs = rasterise(pdf, tmp_path)
    assert [qr_texts(png) for png in pngs] == [[label.qr_payload] for label in labels]
    for number, label in enumerate(labels, 1):
        page_text = squash(pdf_text(pdf, tmp_path, page=number))
        assert label.item_id in page_text and "ディスク面に貼らない" in page_text


def test_tape_label_truncates_a_long_case_name(embedded, tmp_path):
    label = Label("M-7K3QHX9V2B4N-6", "M-7K3QHX9V2B4N-6-K3Q9",
                  "新型コロナウイルスワクチン接種事業に係る接種券等作成・印刷・封入封緘業務", "CD-R")
    text = squash(pdf_text(render_label_tape_24mm([label], fonts=embedded), tmp_path))
    assert "新型コロナウイルス" in text and "…" in text and "封入封緘業務" not in text


def test_labels_refuse_payloads_a_scanner_would_garble():
    with pytest.raises(DocumentError, match="alphanumeric"):
        Label("M-1", "m-7k3q", "業務", "DVD-R")
    with pytest.raises(DocumentError, match="alphanumeric"):
        Label("M-1", "M-7K3Q_あ", "業務", "DVD-R")
    with pytest.raises(DocumentError, match="no labels"):
        render_label_sheet_a4([])
