"""Page layout of the 確認書 (platypus): tables flow onto a second page if a record is long.

Kept apart from confirmation.py so the record's meaning (fields, titles, validation) reads
without the millimetres.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, PageBreak,
                                PageTemplate, Paragraph, Spacer, Table, TableStyle)

from handover.documents import _qr
from handover.documents._draw import box, fit_size, mm
from handover.documents.counting import RECORD_COUNT_DEFINITION
from handover.documents.fonts import FontSet
from handover.documents.wareki import format_datetime

if TYPE_CHECKING:
    from handover.documents.confirmation import ConfirmationItem, ConfirmationRecord

MARGIN = 15 * mm
HEADER = 10 * mm  # band above the frame for the copy mark
WIDTH = 210 * mm - 2 * MARGIN
GRID = colors.Color(0.35, 0.35, 0.35)
SHADE = colors.Color(0.92, 0.92, 0.92)
ALERT = colors.Color(0.75, 0, 0)
DASH = "—"
QR_MODULE = 0.6 * mm
WATERMARK = colors.Color(0.87, 0.87, 0.87)

# Which paper to sign and stamp (issue 8 §7): only the one printed after the receiver's check.
UNCONFIRMED_MARK = "受領者確認前"
CONFIRMED_MARK = "受領者確認済"
UNCONFIRMED_BANNER = "署名・押印は、受領者の確認後に出力する「受領者確認済」の確認書に行ってください。"
CONFIRMED_BANNER = "この用紙に引渡者・受領者が署名・押印し、甲乙各1部を保管してください。"
REPRINT_MARK = "再発行"


class _State:
    """Which copy is being laid out, shared by the marker flowable and the page callback."""

    def __init__(self, totals: dict[str, int]):
        self.copy = ""
        self.keeper = ""
        self.totals = totals          # pages per copy from the previous pass
        self.pages: dict[str, int] = {}


class _CopyMarker(Flowable):
    """Zero-size flowable that switches the copy; drawn before its page's end callback."""

    def __init__(self, state: _State, copy: str, keeper: str):
        super().__init__()
        self.state, self.copy, self.keeper = state, copy, keeper

    def wrap(self, *_):
        return 0, 0

    def draw(self):
        self.state.copy, self.state.keeper = self.copy, self.keeper


class _QR(Flowable):
    def __init__(self, text: str, size: float):
        super().__init__()
        self.matrix, self.size = _qr.text_matrix(text), size

    def wrap(self, *_):
        return self.size, self.size

    def draw(self):
        # White under the code: the unconfirmed watermark must not grey its light modules.
        self.canv.saveState()
        self.canv.setFillColor(colors.white)
        self.canv.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        self.canv.restoreState()
        _qr.draw_matrix(self.canv, self.matrix, 0, 0, self.size)


class _OneLine(Flowable):
    """Text that never wraps (IDs, short headers): shrunk to the cell's width instead."""

    def __init__(self, text: str, font: str, size: float, align: str = "left"):
        super().__init__()
        self.text, self.font, self.largest, self.align = text, font, size, align
        self.size = size

    def wrap(self, avail_width, _avail_height):
        self.size = fit_size(self.text, self.font, self.largest, 3.0, avail_width)
        self.avail = avail_width
        return avail_width, self.size * 1.25

    def draw(self):
        self.canv.setFont(self.font, self.size)
        y = self.size * 0.25
        if self.align == "center":
            self.canv.drawCentredString(self.avail / 2, y, self.text)
        elif self.align == "right":
            self.canv.drawRightString(self.avail, y, self.text)
        else:
            self.canv.drawString(0, y, self.text)


class _Mono(Flowable):
    """Lines printed verbatim in monospace, shrunk (not wrapped) to fit, inside a light box.

    Shrinking keeps each line of the signed note on one printed line, as it was signed.
    """

    def __init__(self, text: str, font: str, width: float):
        super().__init__()
        self.lines = text.rstrip("\n").split("\n")
        self.font, self.width_avail = font, width
        longest = max(self.lines, key=len) or " "
        self.size = fit_size(longest, font, 7.5, 4.0, width - 4 * mm)

    def wrap(self, *_):
        return self.width_avail, len(self.lines) * self.size * 1.25 + 3 * mm

    def draw(self):
        _, height = self.wrap()
        box(self.canv, 0, 0, self.width_avail, height, width=0.4)
        self.canv.setFont(self.font, self.size)
        y = height - 1.5 * mm - self.size
        for line in self.lines:
            self.canv.drawString(2 * mm, y, line)
            y -= self.size * 1.25


def _styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=fonts.mincho, fontSize=10, leading=14,
                          wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", base, fontSize=8, leading=11),
        "label": ParagraphStyle("label", base, fontName=fonts.gothic, fontSize=9, leading=12),
        "head": ParagraphStyle("head", base, fontName=fonts.gothic, fontSize=11, leading=15,
                               spaceBefore=2 * mm, spaceAfter=1.5 * mm),
        "title": ParagraphStyle("title", base, fontName=fonts.gothic, fontSize=22, leading=25,
                                alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", base, fontName=fonts.gothic, fontSize=13,
                                   leading=18, alignment=TA_CENTER),
        "alert": ParagraphStyle("alert", base, fontName=fonts.gothic, fontSize=11, leading=15,
                                textColor=ALERT),
        "cell": ParagraphStyle("cell", base, fontSize=9, leading=12),
        "num": ParagraphStyle("num", base, fontSize=9, leading=12, alignment=2),
        "banner": ParagraphStyle("banner", base, fontName=fonts.gothic, fontSize=9, leading=12),
        "reprint": ParagraphStyle("reprint", base, fontName=fonts.gothic, fontSize=11,
                                  leading=15, alignment=TA_CENTER, textColor=ALERT),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _mono(text: str, fonts: FontSet, size: float = 9) -> str:
    return f'<font name="{fonts.mono}" size="{size}">{escape(text)}</font>'


def _count(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def _stamp_markup(moment, fonts: FontSet) -> str:
    stamp = format_datetime(moment)
    return f"{escape(stamp.wareki)}　（{_mono(stamp.iso, fonts)}）"


def _grid(table: Table, extra: list | None = None) -> Table:
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *(extra or []),
    ]))
    return table


def _fields(r: ConfirmationRecord, fonts: FontSet, st) -> Table:
    # The parties' names are in the signature block below, beside their signatures, so this
    # table holds only what is not signed for: what, when, how, and where in the ledger.
    label = lambda text: _p(text, st["label"])  # noqa: E731
    # 情報の内容 of the whole handover, when recorded (record --content); the items' own
    # contents are in the table below.
    content = [[label("情報の内容"), _p(r.content, st["body"]), "", ""]] if r.content else []
    data = [
        [label("業務名"), _p(r.case_name, st["body"]), "", ""],
        *content,
        [label("日時"), Paragraph(_stamp_markup(r.occurred_at, fonts), st["body"]), "", ""],
        [label("受渡方法"), _p(r.method_label, st["body"]),
         label("受領時の状態"), _p(r.condition_on_receipt or DASH, st["body"])],
        [label("確認書番号"), _OneLine(r.record_id, fonts.mono, 10),
         label("台帳エントリ番号"), _OneLine(str(r.entry_index), fonts.mono, 10)],
    ]
    half = WIDTH / 2
    wide = len(data) - 2  # the rows above 受渡方法 span the whole width
    return _grid(Table(data, colWidths=[28 * mm, half - 28 * mm, 30 * mm, half - 30 * mm]), [
        *[("SPAN", (1, row), (3, row)) for row in range(wide)],
        ("BACKGROUND", (0, 0), (0, -1), SHADE), ("BACKGROUND", (2, wide), (2, -1), SHADE),
    ])


def _quantity(item: ConfirmationItem) -> str:
    quantity = item.quantity
    return DASH if quantity is None else f"{quantity[0]:,}{quantity[3]}"


def _total_quantity(r: ConfirmationRecord) -> str:
    """The quantities summed per kind: "2枚", or one line per kind when kinds are mixed."""
    sums: dict[tuple[str, str], int] = {}
    for item in r.items:
        if item.quantity is not None:
            count, _, short, unit = item.quantity
            sums[short, unit] = sums.get((short, unit), 0) + count
    if not sums:
        return DASH
    if len(sums) == 1:
        (_, unit), count = next(iter(sums.items()))
        return f"{count:,}{unit}"
    return "\n".join(f"{short} {count:,}{unit}" for (short, unit), count in sums.items())


def _items(r: ConfirmationRecord, fonts: FontSet, st) -> Table:
    head = ["No.", "識別番号", "種別", "情報の内容", "数量", "データ件数"]
    widths = [10 * mm, 38 * mm, 30 * mm, None, 22 * mm, 22 * mm]
    widths[3] = WIDTH - sum(w for w in widths if w)
    data = [[_OneLine("No.", fonts.gothic, 9, "center")]
            + [_p(h, st["label"]) for h in head[1:]]]
    spans = []
    for n, item in enumerate(r.items, 1):
        data.append([
            _p(str(n), st["num"]), _OneLine(item.item_id, fonts.mono, 8),
            _p(item.kind_label, st["cell"]), _p(item.content, st["cell"]),
            _p(_quantity(item), st["num"]),
            _p(DASH if item.record_count is None else f"{item.record_count:,}件", st["num"]),
        ])
        if item.package_sha256:
            # Its own row across the table: 64 hex digits do not fit a column.
            row = len(data)
            data.append(["", Paragraph(f"SHA-256　{_mono(item.package_sha256.lower(), fonts, 8)}",
                                       st["small"]), "", "", "", ""])
            spans += [("SPAN", (1, row), (-1, row)), ("SPAN", (0, row - 1), (0, row))]
    records = r.totals.record_count
    row = len(data)
    data.append([_p("合計", st["label"]), "", "", "",
                 _p(_total_quantity(r), st["num"]),
                 _p(DASH if records is None else f"{records:,}件", st["num"])])
    return _grid(Table(data, colWidths=widths, repeatRows=1), [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("BACKGROUND", (0, row), (-1, row), SHADE),
        ("SPAN", (0, row), (3, row)),
        *spans,
    ])


def _signatures(r: ConfirmationRecord, st) -> Table:
    half = WIDTH / 2
    widths = [16 * mm, half - 38 * mm, 22 * mm] * 2
    grey = ParagraphStyle("seal", st["label"], alignment=TA_CENTER,
                          textColor=colors.Color(0.6, 0.6, 0.6))
    seal = _p("印" if r.confirmed else "押印不要", grey)
    sign = "" if r.confirmed else _p("確認後の確認書に署名", grey)
    data = [
        [_p("引渡者", st["label"]), "", "", _p("受領者", st["label"]), "", ""],
        [_p("所属", st["label"]), _p(r.from_org, st["cell"]), "",
         _p("所属", st["label"]), _p(r.to_org, st["cell"]), ""],
        [_p("氏名", st["label"]), _p(r.from_person, st["cell"]), "",
         _p("氏名", st["label"]), _p(r.to_person, st["cell"]), ""],
        [_p("署名", st["label"]), sign, seal, _p("署名", st["label"]), sign, seal],
    ]
    mark = r.confirmation_signature
    if mark is not None:
        # Beside the receiver's 印: the electronic signature their confirmation entry carries.
        stamp = format_datetime(mark.signed_at)
        small = ParagraphStyle("esig", st["cell"], fontSize=7, leading=9)
        tag = ParagraphStyle("esig-label", st["label"], fontSize=7, leading=9)
        data.append(["", "", "", _p("電子署名", tag), Paragraph(
            f"電子署名済み　{escape(stamp.wareki.split(' ')[0])}（{stamp.iso[:10]}）<br/>"
            f"鍵指紋 {escape(mark.fingerprint)}<br/>署名 {escape(mark.short)}", small), ""])
    return _grid(Table(data, colWidths=widths,
                       rowHeights=[None, None, None, 15 * mm] + [None] * (mark is not None)), [
        *([("SPAN", (4, 4), (5, 4)), ("SPAN", (0, 4), (2, 4))] if mark is not None else []),
        ("SPAN", (0, 0), (2, 0)), ("SPAN", (3, 0), (5, 0)),
        ("SPAN", (1, 1), (2, 1)), ("SPAN", (4, 1), (5, 1)),
        ("SPAN", (1, 2), (2, 2)), ("SPAN", (4, 2), (5, 2)),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBEFORE", (3, 0), (3, -1), 1.2, GRID),
    ])


def _confirmation_line(r: ConfirmationRecord, fonts: FontSet, st) -> Paragraph:
    # seeds/004 受託事業者 11: the contractor checks what staff recorded.
    if r.confirmed_by is None:
        return _p("受領者確認：未確認（受領者が記載内容を確認すると「受領者確認済」の確認書が"
                  "出力されます）", st["body"])
    when = f"　{_stamp_markup(r.confirmed_at, fonts)}" if r.confirmed_at else ""
    return Paragraph(f"受領者確認：{escape(r.confirmed_by)}{when}　記載内容を確認済み", st["body"])


def _checkpoint(r: ConfirmationRecord, fonts: FontSet, st) -> KeepTogether:
    # Sized by module, not fixed: 0.6 mm modules (about 3.5 pixels at 150 dpi, 14 printer
    # dots at 600 dpi) stay readable by a phone camera and by a 150 dpi office scan.
    matrix_modules = len(_qr.text_matrix(r.checkpoint_text))
    qr_size = min(max(matrix_modules * QR_MODULE, 30 * mm), 60 * mm)
    note = _p(
        f"この確認書は台帳のエントリ番号 {r.entry_index} の記録です。下の文字列は、"
        "記録時点の台帳全体に対する署名付きチェックポイントで、左のQRコードは同じ内容を"
        "表します。監査の際、台帳が改ざん・削除されていないことの検証に用います。", st["small"])
    side = Table([[_QR(r.checkpoint_text, qr_size), note]],
                 colWidths=[qr_size + 4 * mm, WIDTH - qr_size - 4 * mm])
    side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                              ("LEFTPADDING", (0, 0), (0, 0), 0),
                              ("TOPPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([_p("台帳チェックポイント（署名付き）", st["head"]), side,
                         Spacer(0, 1.5 * mm), _Mono(r.checkpoint_text, fonts.mono, WIDTH)])


def _status_banner(r: ConfirmationRecord, fonts: FontSet, st) -> Table:
    """Says on the paper whether this is the copy to sign and stamp."""
    if r.confirmed:
        cells = [[_OneLine(CONFIRMED_MARK, fonts.gothic, 13, "center"), _p(CONFIRMED_BANNER, st["banner"])]]
        frame = [("BOX", (0, 0), (-1, -1), 2, colors.black)]
    else:
        cells = [[_OneLine(UNCONFIRMED_MARK, fonts.gothic, 13, "center"), _p(UNCONFIRMED_BANNER, st["banner"])]]
        frame = [("BOX", (0, 0), (-1, -1), 1.5, GRID), ("BACKGROUND", (0, 0), (-1, -1), SHADE)]
    banner = Table(cells, colWidths=[30 * mm, WIDTH - 30 * mm])
    banner.setStyle(TableStyle([*frame, ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                ("LINEAFTER", (0, 0), (0, 0), 0.8, GRID)]))
    return banner


def _override_box(r: ConfirmationRecord, fonts: FontSet, st) -> Table:
    # A rule was overridden: the reason and the rules go above everything else, boxed in red,
    # each rule in Japanese with the ID the software and the audit reports use beside it.
    rows = [[_p("例外理由", st["alert"]), _p(r.override_reason or DASH, st["body"])]]
    if r.rule_lines:
        rules = "<br/>".join(f"{escape(title)}　{_mono(rule, fonts, 8)}"
                             for title, rule in r.rule_lines)
        rows.append([_p("例外とした規則", st["alert"]), Paragraph(rules, st["body"])])
    alert = Table(rows, colWidths=[34 * mm, WIDTH - 34 * mm])
    alert.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 2, ALERT),
                               ("LINEABOVE", (0, 1), (-1, -1), 0.5, ALERT),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("TOPPADDING", (0, 0), (-1, -1), 4),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return alert


def _story(r: ConfirmationRecord, fonts: FontSet, state: _State, copy: str, keeper: str):
    st = _styles(fonts)
    story = [_CopyMarker(state, copy, keeper),
             _p("確認書", st["title"]), _p(f"（{r.heading}）", st["subtitle"])]
    if r.reprinted_at is not None:
        story.append(Paragraph(f"{REPRINT_MARK}　{_stamp_markup(r.reprinted_at, fonts)}",
                               st["reprint"]))
    story += [Spacer(0, 2 * mm), _status_banner(r, fonts, st), Spacer(0, 2 * mm),
              _p("下記のとおり受け渡したことを確認します。", st["body"]), Spacer(0, 2 * mm)]
    if r.override_reason or r.overridden_rules:
        story += [_override_box(r, fonts, st), Spacer(0, 3 * mm)]
    story += [_fields(r, fonts, st),
              _p("受け渡した物（情報の内容・数量）", st["head"]), _items(r, fonts, st)]
    if any(item.record_count is not None for item in r.items):
        story.append(_p(f"※{RECORD_COUNT_DEFINITION}", st["small"]))
    story += [Spacer(0, 2 * mm), _confirmation_line(r, fonts, st), Spacer(0, 3 * mm),
              KeepTogether([_signatures(r, st)]), _checkpoint(r, fonts, st)]
    return story


def _watermark(record: ConfirmationRecord, fonts: FontSet):
    def draw(canvas, doc):
        if record.confirmed:
            return
        # Under the content, light enough to read through: an unconfirmed paper is not mistaken
        # for the one to stamp even when only glanced at in a binder.
        page_w, page_h = doc.pagesize
        canvas.saveState()
        canvas.setFillColor(WATERMARK)
        canvas.setFont(fonts.gothic, 64)
        canvas.translate(page_w / 2, page_h / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, -20, UNCONFIRMED_MARK)
        canvas.restoreState()
    return draw


def _page_end(record: ConfirmationRecord, fonts: FontSet, state: _State):
    def draw(canvas, doc):
        state.pages[state.copy] = number = state.pages.get(state.copy, 0) + 1
        total = state.totals.get(state.copy)
        page_w, page_h = doc.pagesize
        top = page_h - MARGIN + 2 * mm
        # The copy mark, top right, boxed: the first thing a filing clerk looks for.
        canvas.setFont(fonts.gothic, 14)
        w = canvas.stringWidth(state.copy, fonts.gothic, 14) + 6 * mm
        box(canvas, page_w - MARGIN - w, top - 2.5 * mm, w, 9 * mm, width=1.2)
        canvas.drawCentredString(page_w - MARGIN - w / 2, top, state.copy)
        marks = [CONFIRMED_MARK if record.confirmed else UNCONFIRMED_MARK]
        if record.reprinted_at is not None:
            marks.append(REPRINT_MARK)
        x = page_w - MARGIN - w
        for mark in reversed(marks):
            # Boxed beside the copy mark: a reprint, and which paper is for stamping.
            mark_w = stringWidth(mark, fonts.gothic, 11) + 4 * mm
            x -= mark_w + 2 * mm
            box(canvas, x, top - 2.5 * mm, mark_w, 9 * mm, width=0.8)
            canvas.setFont(fonts.gothic, 11)
            canvas.drawCentredString(x + mark_w / 2, top + 0.5 * mm, mark)
        canvas.setFont(fonts.gothic, 8)
        canvas.drawString(MARGIN, top, f"確認書番号 {record.record_id}　（{state.keeper}）")
        page = f"{number}/{total}" if total else str(number)
        canvas.drawString(MARGIN, MARGIN - 7 * mm,
                          f"{record.record_id}　{state.copy}　{'　'.join(marks)}　"
                          f"台帳エントリ {record.entry_index}")
        canvas.drawRightString(page_w - MARGIN, MARGIN - 7 * mm, f"{page} 頁")
    return draw


def build(buffer, record: ConfirmationRecord, fonts: FontSet, copies, page_totals: dict,
          pagesize) -> dict[str, int]:
    """Lay out every copy into `buffer`; returns the page count of each copy."""
    state = _State(page_totals)
    doc = BaseDocTemplate(buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN + HEADER, bottomMargin=MARGIN,
                          title=f"確認書 {record.record_id}", creator="handover", invariant=1)
    frame = Frame(MARGIN, MARGIN, WIDTH, pagesize[1] - 2 * MARGIN - HEADER, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=_watermark(record, fonts),
                                       onPageEnd=_page_end(record, fonts, state))])
    story = []
    for i, (copy, keeper) in enumerate(copies):
        if i:
            story.append(PageBreak())
        story += _story(record, fonts, state, copy, keeper)
    doc.build(story)
    return state.pages
