"""A record sheet for filing: a title, the ward, a table of labelled fields, lists (follow-ups,
what was erased), and boxes for the seals of those who sign it. The 事故報告書 and the
消去証明書 are both this: the ward files paper that says exactly what the ledger holds.

Pure rendering: a frozen RecordSheet in, PDF bytes out. Long values wrap; a sheet that does
not fit one A4 page goes on to the next, repeating the title, so nothing is cut off.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4

from handover.documents._draw import box, mm, new_canvas, wrap_text
from handover.documents.fonts import FontSet, japanese_fonts

_MARGIN = 18 * mm
_LABEL_W = 38 * mm
_LINE = 5.2 * mm
_SIZE = 10


@dataclass(frozen=True)
class RecordSheet:
    title: str                                      # 事故報告書
    record_id: str                                  # A-…, X-…
    issuer: str                                     # 新宿区 健康部保健予防課 宛 / 提出者
    fields: tuple[tuple[str, str], ...]             # (label, value), values may be long
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()   # (heading, lines)
    stamps: tuple[str, ...] = ()                    # 押印欄: who signs
    footer: str = ""                                # ledger entry, checkpoint


class _Pages:
    def __init__(self, sheet: RecordSheet, fonts: FontSet, buffer: io.BytesIO):
        self.s, self.f = sheet, fonts
        self.c = new_canvas(buffer, A4, f"{sheet.title} {sheet.record_id}")
        self.width, self.height = A4
        self.page = 0
        self._start()

    def _start(self) -> None:
        self.page += 1
        c, s = self.c, self.s
        c.setFont(self.f.gothic, 16)
        c.drawCentredString(self.width / 2, self.height - _MARGIN - 6 * mm, s.title)
        c.setFont(self.f.gothic, 9)
        c.drawRightString(self.width - _MARGIN, self.height - _MARGIN,
                          f"{s.record_id}　{self.page}頁")
        c.setFont(self.f.mincho, 10)
        c.drawString(_MARGIN, self.height - _MARGIN - 16 * mm, s.issuer)
        self.y = self.height - _MARGIN - 22 * mm

    def room(self, needed: float) -> None:
        if self.y - needed < _MARGIN + 12 * mm:
            self._footer()
            self.c.showPage()
            self._start()

    def _footer(self) -> None:
        if self.s.footer:
            self.c.setFont(self.f.gothic, 7)
            for n, line in enumerate(wrap_text(self.s.footer, self.f.gothic, 7,
                                               self.width - 2 * _MARGIN, 3)):
                self.c.drawString(_MARGIN, _MARGIN - n * 3.2 * mm, line)

    def field(self, label: str, value: str) -> None:
        value_w = self.width - 2 * _MARGIN - _LABEL_W - 4 * mm
        lines = wrap_text(value or "—", self.f.mincho, _SIZE, value_w, 40)
        while lines:
            self.room(_LINE * min(len(lines), 2) + 2 * mm)
            fit = max(1, min(len(lines), int((self.y - _MARGIN - 14 * mm) // _LINE)))
            chunk, lines = lines[:fit], lines[fit:]
            h = _LINE * len(chunk) + 2 * mm
            box(self.c, _MARGIN, self.y - h, _LABEL_W, h)
            box(self.c, _MARGIN + _LABEL_W, self.y - h, self.width - 2 * _MARGIN - _LABEL_W, h)
            self.c.setFont(self.f.gothic, 9)
            self.c.drawString(_MARGIN + 2 * mm, self.y - _LINE, label)
            self.c.setFont(self.f.mincho, _SIZE)
            for n, line in enumerate(chunk):
                self.c.drawString(_MARGIN + _LABEL_W + 2 * mm, self.y - _LINE * (n + 1), line)
            self.y -= h

    def section(self, heading: str, lines: tuple[str, ...]) -> None:
        self.room(2 * _LINE)
        self.y -= 4 * mm
        self.c.setFont(self.f.gothic, 11)
        self.c.drawString(_MARGIN, self.y - _LINE, heading)
        self.y -= _LINE + 1 * mm
        width = self.width - 2 * _MARGIN - 6 * mm
        for text in lines or ("なし",):
            for line in wrap_text(text, self.f.mincho, _SIZE, width, 12):
                self.room(_LINE)
                self.c.setFont(self.f.mincho, _SIZE)
                self.c.drawString(_MARGIN + 4 * mm, self.y - _LINE, line)
                self.y -= _LINE

    def stamps(self) -> None:
        if not self.s.stamps:
            return
        size = 24 * mm
        self.room(size + 12 * mm)
        self.y -= 8 * mm
        x = self.width - _MARGIN - len(self.s.stamps) * size
        for label in self.s.stamps:
            box(self.c, x, self.y - size, size, size)
            self.c.setFont(self.f.gothic, 8)
            self.c.drawCentredString(x + size / 2, self.y - 4 * mm, label)
            x += size
        self.y -= size

    def finish(self) -> None:
        self._footer()
        self.c.showPage()
        self.c.save()


def render_record_sheet(sheet: RecordSheet, fonts: FontSet | None = None) -> bytes:
    buffer = io.BytesIO()
    pages = _Pages(sheet, fonts or japanese_fonts(), buffer)
    for label, value in sheet.fields:
        pages.field(label, value)
    for heading, lines in sheet.sections:
        pages.section(heading, lines)
    pages.stamps()
    pages.finish()
    return buffer.getvalue()
