"""Issue 8 §7: documents a ward can file as they are.

Each test renders the PDF and reads it back as a person would: the text through `pdftotext`
(word boxes with `-bbox`, to see that nothing runs off the paper and nothing breaks mid-ID),
QR codes by rasterising and decoding.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from handover.documents import (ConfirmationItem, DocumentError, Label, render_confirmation,
                                render_label_sheet_a4, render_label_tape_24mm, render_notice)
from tests.handover.documents.test_documents import (CHECKPOINT, JST, SHA_A, embedded,  # noqa: F401
                                           make_notice, make_record, pdf_text, pytestmark,
                                           qr_texts, rasterise, squash)

# seeds/004's real 件名: 64 characters, wider than the notice's value column.
SUBJECT_004 = ("新型コロナウイルスワクチン接種事業に係る接種券等作成・印刷・封入封緘業務及び"
               "コールセンター運営等業務の委託について（委託内容の追加）")


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    page_width: float
    page_height: float


def words(pdf: bytes, tmp_path: Path) -> list[Word]:
    """Every word pdftotext sees, with its box in points, page by page."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    out, page, size = [], 0, (0.0, 0.0)
    for line in html.splitlines():
        if m := re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line):
            page, size = page + 1, (float(m[1]), float(m[2]))
        elif m := re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                            r'yMax="([\d.]+)">(.*)</word>', line):
            out.append(Word(_unescape(m[5]), page, *map(float, m.group(1, 2, 3, 4)), *size))
    return out


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') \
        .replace("&amp;", "&")


def assert_on_paper(pdf: bytes, tmp_path: Path, margin: float = 5 * 72 / 25.4) -> None:
    """No word runs off the printable area (5 mm in from every edge by default)."""
    for w in words(pdf, tmp_path):
        assert margin <= w.x_min and w.x_max <= w.page_width - margin, w
        assert margin <= w.y_min and w.y_max <= w.page_height - margin, w


# --- パスワード通知書 -----------------------------------------------------------------------

def test_notice_wraps_a_long_case_name_onto_the_page(embedded, tmp_path):
    pdf = render_notice(make_notice(case_name=SUBJECT_004), fonts=embedded)
    assert SUBJECT_004 in squash(pdf_text(pdf, tmp_path))
    assert_on_paper(pdf, tmp_path)
    lines = [w for w in words(pdf, tmp_path) if len(w.text) > 4 and w.text in SUBJECT_004]
    assert len({round(w.y_min) for w in lines}) == 2, lines  # two lines, one above the other


def test_notice_cuts_an_absurdly_long_case_name_rather_than_the_page(embedded, tmp_path):
    pdf = render_notice(make_notice(case_name=SUBJECT_004 * 3), fonts=embedded)
    text = squash(pdf_text(pdf, tmp_path))
    assert SUBJECT_004 in text and "…" in text
    assert_on_paper(pdf, tmp_path)


def test_notice_says_how_to_open_a_package_and_where_to_get_the_program(embedded, tmp_path):
    default = squash(pdf_text(render_notice(make_notice(), fonts=embedded), tmp_path))
    assert "handoverpackageopen＜ファイル名＞.hop--out＜出力先フォルダ＞" in default
    assert "区の担当者（本通知書の発行者）から" in default
    source = "https://www.city.shinjuku.example/handover/（保健予防課 03-0000-0000）"
    custom = render_notice(make_notice(opener_source=source), fonts=embedded)
    assert squash(source) in squash(pdf_text(custom, tmp_path))
    assert_on_paper(custom, tmp_path)
    with pytest.raises(DocumentError, match="opener_source"):
        make_notice(opener_source=" ")


# --- 確認書 --------------------------------------------------------------------------------

MEDIUM = ConfirmationItem("M-E9AG-HHZA-ARSW-5", "DVD-R", "接種券発送対象者データ",
                          media_count=1, record_count=1000, package_sha256=SHA_A)
NOTICE = ConfirmationItem("N-7K3Q-9XZD-P2TA-H", "パスワード通知書",
                          "パッケージ P-9X2B-7C4D-1E5F-K のパスワード", notice_count=1)
LGWAN = ConfirmationItem("M-4Q7R-2M9K-8T3X-3", "LGWANファイル", "訪問対象者リスト",
                         file_count=1, record_count=250)
ENVELOPES = ConfirmationItem("E-5T8W-2K7M-3Q1X-1", "封入封緘済み通知書", "接種券等",
                             envelope_count=68000)
RULE_TITLES = {"same-recipient-interval": "媒体と通知書を同じ受領者へ同じ日に渡さない",
               "same-courier": "媒体と通知書を同じ運搬者に運ばせない"}


def confirmation(tmp_path, embedded, **changes) -> str:  # noqa: F811
    return squash(pdf_text(render_confirmation(make_record(**changes), fonts=embedded),
                           tmp_path))


def rows(tmp_path, embedded, start: str, **changes) -> list[str]:  # noqa: F811
    """The first copy's lines, laid out as printed and squashed, that start with `start`."""
    pdf = render_confirmation(make_record(**changes), fonts=embedded)
    lines = pdf_text(pdf, tmp_path, page=1, layout=True).splitlines()
    return [squash(line) for line in lines if line.strip().startswith(start)]


def test_confirmation_prints_the_recorded_content(embedded, tmp_path):
    text = confirmation(tmp_path, embedded, content="接種券発送対象者データ（令和8年度分）")
    assert "情報の内容接種券発送対象者データ（令和8年度分）" in text
    # Without a recorded content the row is left out, not printed empty.
    assert "情報の内容業務名" not in confirmation(tmp_path, embedded)


def test_a_notice_alone_counts_one_tsuu(embedded, tmp_path):
    text = confirmation(tmp_path, embedded, items=[NOTICE], override_reason=None)
    assert "（パスワード通知書の提供）" in text and "媒体" not in text
    # The item row and the total both say 1通; the record-count column stays empty.
    assert rows(tmp_path, embedded, "1", items=[NOTICE])[0].endswith("1通—")
    assert rows(tmp_path, embedded, "合計", items=[NOTICE]) == ["合計1通—"]


def test_an_lgwan_file_is_counted_in_ken_not_mai(embedded, tmp_path):
    text = confirmation(tmp_path, embedded, items=[LGWAN], method="lgwan")
    assert "（LGWANファイルの提供）" in text and "枚" not in text
    assert rows(tmp_path, embedded, "合計", items=[LGWAN], method="lgwan") == ["合計1件250件"]


@pytest.mark.parametrize("moment, items, title", [
    ("provide", [MEDIUM], "媒体の提供"),
    ("provide", [NOTICE], "パスワード通知書の提供"),
    ("provide", [MEDIUM, NOTICE], "媒体及びパスワード通知書の提供"),
    ("provide", [LGWAN], "LGWANファイルの提供"),
    ("deliver", [ENVELOPES], "封入封緘された通知書の納品"),
    ("return", [MEDIUM], "媒体の返却"),
    ("return", [NOTICE, MEDIUM], "パスワード通知書及び媒体の返却"),
    # An item that does not say what it is: only the moment's general title is safe.
    ("return", [ConfirmationItem("M-E9AG-HHZA-ARSW-5", "DVD-R", "x")],
     "媒体及びパスワード通知書の返却"),
])
def test_the_title_says_what_moved(moment, items, title):
    assert make_record(moment=moment, items=items).heading == title


def test_the_title_is_printed_as_said(embedded, tmp_path):
    assert "（媒体の返却）" in confirmation(tmp_path, embedded, moment="return", items=[MEDIUM])


def test_mixed_quantities_are_totalled_per_kind(embedded, tmp_path):
    lines = [line for line in rows(tmp_path, embedded, "", items=[MEDIUM, MEDIUM, NOTICE]) if line]
    at = lines.index("合計2,000件")
    # One line per kind in the quantity cell, centred on the 合計 row.
    assert lines[at - 1:at + 2] == ["媒体2枚", "合計2,000件", "通知書1通"], lines[at - 2:at + 3]


def test_an_item_is_one_thing():
    with pytest.raises(DocumentError, match="both media_count and notice_count"):
        ConfirmationItem("M-E9AG-HHZA-ARSW-5", "DVD-R", "x", media_count=1, notice_count=1)
    with pytest.raises(DocumentError, match="file_count must be a non-negative integer"):
        ConfirmationItem("M-E9AG-HHZA-ARSW-5", "LGWAN", "x", file_count=True)


def test_ids_and_the_no_header_never_break(embedded, tmp_path):
    items = [MEDIUM, NOTICE, LGWAN, ENVELOPES]
    record = make_record(record_id="H-HXP1-Q9GV-BJA3-T", items=items)
    pdf = render_confirmation(record, fonts=embedded)
    seen = [w.text for w in words(pdf, tmp_path)]
    for item in items:
        assert seen.count(item.item_id) == 2, item.item_id  # once per copy, each whole
    assert seen.count("No.") == 2
    assert "H-HXP1-Q9GV-BJA3-T" in seen
    assert_on_paper(pdf, tmp_path)


def test_override_box_names_each_rule_in_japanese_with_its_id(embedded, tmp_path):
    text = confirmation(tmp_path, embedded, overridden_rules=("same-recipient-interval",
                                                              "same-courier"),
                        rule_titles=RULE_TITLES)
    assert ("例外とした規則媒体と通知書を同じ受領者へ同じ日に渡さないsame-recipient-interval"
            "媒体と通知書を同じ運搬者に運ばせないsame-courier") in text
    # The mapping is a dict: a record carrying one still hashes like any frozen record.
    hash(make_record(overridden_rules=("same-courier",), rule_titles=RULE_TITLES))
    with pytest.raises(DocumentError, match="no Japanese title for the overridden rule "
                                            "'same-courier'"):
        make_record(overridden_rules=("same-courier",),
                    rule_titles={"same-recipient-interval": "…"})


def test_unconfirmed_and_confirmed_papers_say_which_to_stamp(embedded, tmp_path):
    unconfirmed_pdf = render_confirmation(
        make_record(confirmed_by=None, confirmed_at=None), fonts=embedded)
    unconfirmed = squash(pdf_text(unconfirmed_pdf, tmp_path))
    confirmed = confirmation(tmp_path, embedded)
    assert "署名・押印は、受領者の確認後に出力する「受領者確認済」の確認書に行ってください" \
        in unconfirmed
    assert "押印不要" in unconfirmed and "受領者確認済の" not in unconfirmed
    assert "この用紙に引渡者・受領者が署名・押印し、甲乙各1部を保管してください" in confirmed
    assert "受領者確認前" not in confirmed and "押印不要" not in confirmed
    # Marked on every page, in the header and the footer, where a binder shows it.
    for page in (1, 2):
        assert squash(pdf_text(unconfirmed_pdf, tmp_path, page=page)).count("受領者確認前") >= 3
    # The watermark lies under the checkpoint QR without breaking it.
    assert [qr_texts(png) for png in rasterise(unconfirmed_pdf, tmp_path)] == [[CHECKPOINT]] * 2


def test_a_reprint_is_marked_with_its_date(embedded, tmp_path):
    reprinted = dt.datetime(2026, 12, 1, 9, 30, tzinfo=JST)
    text = confirmation(tmp_path, embedded, reprinted_at=reprinted)
    assert "再発行令和8年12月1日09時30分（2026-12-01T09:30+09:00）" in text
    assert text.count("再発行") >= 2 * 3  # title, header and footer of both copies
    assert "再発行" not in confirmation(tmp_path, embedded)
    with pytest.raises(DocumentError, match="time zone"):
        make_record(reprinted_at=dt.datetime(2026, 12, 1, 9, 30))


def test_record_counts_say_which_definition_they_use(embedded, tmp_path):
    text = confirmation(tmp_path, embedded)
    assert "データ件数＝CSVファイルのデータ行（レコード）の数。見出し行は数えず" in text
    assert "見出し行" not in confirmation(tmp_path, embedded, items=[NOTICE])


def test_a_full_record_fits_one_page_per_copy(embedded, tmp_path):
    pdf = render_confirmation(make_record(
        content="接種券発送対象者データ", overridden_rules=tuple(RULE_TITLES),
        rule_titles=RULE_TITLES, reprinted_at=dt.datetime(2026, 12, 1, 9, 30, tzinfo=JST)),
        fonts=embedded)
    text = squash(pdf_text(pdf, tmp_path))
    assert "1/1頁" in text and text.count("1/1頁") == 2
    assert_on_paper(pdf, tmp_path)


# --- labels --------------------------------------------------------------------------------

# Shaped like handover/labels.py payloads: the 18-character ID, "-", a 13-character MAC.
REAL_LABELS = [Label(f"M-7K3Q-9XZD-P2T{c}-H", f"M-7K3Q-9XZD-P2T{c}-H-6G2V8TRN9QZ4{c}",
                     "新型コロナウイルスワクチン接種事業に係る接種券等作成・印刷・封入封緘業務",
                     "DVD-R") for c in "ABCDEFGHJKMNPQRSTVWXYZ0123"]  # 26: two sheets


def test_a4_labels_print_the_payload_to_type_under_the_qr(embedded, tmp_path):
    pdf = render_label_sheet_a4(REAL_LABELS, fonts=embedded)
    seen = words(pdf, tmp_path)
    cell = 70 * 72 / 25.4
    for label in REAL_LABELS:
        [word] = [w for w in seen if w.text == label.qr_payload]  # whole, on one line
        column = int(word.x_min // cell)
        assert column * cell < word.x_min and word.x_max < (column + 1) * cell, word
        assert any(w.text == "手入力用" and w.page == word.page
                   and abs(w.y_max - word.y_max) < 3 for w in seen)
    decoded = [t for png in rasterise(pdf, tmp_path) for t in qr_texts(png)]
    assert sorted(decoded) == sorted(label.qr_payload for label in REAL_LABELS)


def test_tape_labels_print_the_payload_to_type_under_the_qr(embedded, tmp_path):
    labels = REAL_LABELS[:3]
    pdf = render_label_tape_24mm(labels, fonts=embedded)
    seen = words(pdf, tmp_path)
    for page, label in enumerate(labels, 1):
        [word] = [w for w in seen if w.page == page and w.text == label.qr_payload]
        qr_bottom = 1.5 + 16  # mm from the top of the tape
        assert word.y_min > qr_bottom * 72 / 25.4, word  # under the QR
    assert_on_paper(pdf, tmp_path, margin=0.5 * 72 / 25.4)
    assert [qr_texts(png) for png in rasterise(pdf, tmp_path)] == [[la.qr_payload]
                                                                  for la in labels]
