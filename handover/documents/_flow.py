"""Flowing A4 documents (platypus) other than the 確認書: the 立入調査記録 and the auditor's
report. Styles, grids, the signed-checkpoint block and a page footer that says "n/N 頁", so a
missing page is noticed when the paper is filed. The QR and monospace flowables are the
確認書's own, so a checkpoint looks the same on every paper the ward files.
"""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (BaseDocTemplate, Frame, KeepTogether, PageTemplate, Paragraph,
                                Spacer, Table, TableStyle)

from handover.documents import _qr
from handover.documents._confirmation_layout import (DASH, MARGIN, QR_MODULE, WIDTH, _grid,
                                                     _Mono, _QR, _styles)
from handover.documents._draw import mm
from handover.documents.fonts import FontSet
from handover.documents.wareki import format_datetime

LANDSCAPE = landscape(A4)
LANDSCAPE_WIDTH = LANDSCAPE[0] - 2 * MARGIN

__all__ = ["DASH", "LANDSCAPE", "LANDSCAPE_WIDTH", "WIDTH", "cell", "checkpoint_block", "grid", "p",
           "render_pages", "stamp_text", "styles"]


def styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    st = _styles(fonts)
    st["cell_small"] = ParagraphStyle("cell_small", st["cell"], fontSize=7.5, leading=9.5)
    st["cell_head"] = ParagraphStyle("cell_head", st["label"], fontSize=8, leading=10)
    return st


def p(text: str | None, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text or DASH).replace("\n", "<br/>"), style)


def cell(text: str | None, st) -> Paragraph:
    return p(text, st["cell"])


def stamp_text(moment: dt.datetime) -> str:
    stamp = format_datetime(moment)
    return f"{stamp.wareki}（{stamp.iso}）"


def grid(rows: list[list], widths: list[float], header: bool = True,
         heights: list[float | None] | None = None) -> Table:
    table = Table(rows, colWidths=widths, rowHeights=heights, repeatRows=1 if header else 0)
    extra = [("BACKGROUND", (0, 0), (-1, 0), (0.92, 0.92, 0.92))] if header else []
    return _grid(table, extra)


def checkpoint_block(checkpoint_text: str, note: str, fonts: FontSet, st,
                     width: float = WIDTH) -> KeepTogether:
    """The signed checkpoint as text and as a QR code of the same text."""
    modules = len(_qr.text_matrix(checkpoint_text))
    size = min(max(modules * QR_MODULE, 30 * mm), 60 * mm)
    side = Table([[_QR(checkpoint_text, size), p(note, st["small"])]],
                 colWidths=[size + 4 * mm, width - size - 4 * mm])
    side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                              ("LEFTPADDING", (0, 0), (0, 0), 0),
                              ("TOPPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([p("台帳チェックポイント（署名付き）", st["head"]), side,
                         Spacer(0, 1.5 * mm), _Mono(checkpoint_text, fonts.mono, width)])


def render_pages(title: str, record_id: str, story_of, fonts: FontSet,
                 pagesize: tuple[float, float] = A4) -> bytes:
    """Lay out `story_of()` twice: the first pass counts the pages for the footer."""
    total: list[int] = [0]
    for _ in range(2):
        buffer = io.BytesIO()
        pages = [0]

        def footer(canvas, doc, pages=pages):
            pages[0] += 1
            canvas.saveState()
            canvas.setFont(fonts.gothic, 8)
            canvas.drawString(MARGIN, MARGIN - 7 * mm, f"{title}　{record_id}")
            count = f"{pages[0]}/{total[0]}" if total[0] else str(pages[0])
            canvas.drawRightString(pagesize[0] - MARGIN, MARGIN - 7 * mm, f"{count} 頁")
            canvas.restoreState()

        doc = BaseDocTemplate(buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                              topMargin=MARGIN, bottomMargin=MARGIN, title=f"{title} {record_id}",
                              creator="handover", invariant=1)
        frame = Frame(MARGIN, MARGIN, pagesize[0] - 2 * MARGIN, pagesize[1] - 2 * MARGIN, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate("page", [frame], onPageEnd=footer)])
        doc.build(story_of())
        total[0] = pages[0]
    return buffer.getvalue()
