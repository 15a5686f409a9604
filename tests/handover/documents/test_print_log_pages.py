"""The 印刷ログ提出書 runs onto as many pages as its totals need, each page numbered "n / N"
with the submission's ID, so a missing page is noticed when the paper is filed."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from handover.documents.print_log import PrintLogSubmission, PrintTotal, render_print_log
from tests.handover.documents.test_documents import JST, pdf_text, squash
from tests.handover.support import needs_poppler


@needs_poppler
def test_a_long_print_log_numbers_every_page(tmp_path):
    first = dt.datetime(2026, 5, 1, 9, 0, tzinfo=JST)
    totals = tuple(PrintTotal(f"PC-{n:03d}", "RICOH-01", first.date() + dt.timedelta(days=n),
                              10, 1) for n in range(90))
    doc = PrintLogSubmission(
        "G-0000-0000-0001-X", "C-0000-0000-0000-X", "見本業務", "見本株式会社", "架空 花子",
        first + dt.timedelta(days=95), "csv", "ab" * 32, first, first + dt.timedelta(days=89),
        totals, 900, 90, 0, 900, 1000, 0)
    pdf = render_print_log(doc)
    total = len(PdfReader(io.BytesIO(pdf)).pages)
    assert total >= 2
    texts = [squash(pdf_text(pdf, tmp_path, page=n)) for n in range(1, total + 1)]
    for n, text in enumerate(texts, start=1):
        assert "G-0000-0000-0001-X印刷ログ提出書" in text and f"{n}/{total}" in text
    assert "PC-089" in texts[-1] and "区確認欄" in texts[-1]
