"""Issue 8 §7: documents a ward can file as they are.

Each test renders the PDF and reads it back as a person would: the text through `pdftotext`
(word boxes with `-bbox`, to see that nothing runs off the paper and nothing breaks mid-ID),
QR codes by rasterising and decoding.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from handover.documents import (DocumentError, PasswordNotice, render_notice)
from tests.handover.test_documents import (embedded, make_notice, pdf_text,  # noqa: F401
                                           pytestmark, squash)

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
