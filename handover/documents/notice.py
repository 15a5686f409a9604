"""パスワード通知書: the password of one package, on paper, for the contractor.

The notice and the medium travel on different occasions and are kept in different locked
cabinets (seeds/004 区が行う対策 3-4), so the notice names only what matches it to its disc
(package ID and file SHA-256) and carries nothing about the extract: no file names, no record
counts. Someone holding only the notice learns only a password for an unknown disc.

The password is a secret. It is printed here once and goes nowhere else: the dataclass hides
it from repr(), validation messages name a group by number only, and nothing is logged.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from handover.documents._draw import box, fit_size, mm, new_canvas, wrap_text
from handover.documents.errors import DocumentError
from handover.documents.fonts import FontSet, japanese_fonts
from handover.documents.wareki import format_datetime

TITLE = "パスワード通知書"
# A report the contractor seals for the ward (004 受託事業者 6): handed to the ward by hand,
# kept there, and any mismatch reported to the contractor that issued it.
REPORT_TITLE = "パスワード通知書（区への報告データ）"

INSTRUCTIONS = (
    "本通知書は媒体とは別の機会に受け渡し、別の施錠保管庫に保管してください。",
    # crypto/passwords.py ignores case, spaces and hyphens; saying so saves a call to the ward.
    "パスワードは番号の順に入力してください（大文字・小文字、空白・ハイフンの有無は問いません）。"
    "入力後は本通知書を施錠保管し、業務終了時に返却してください。",
    "パスワードはグループごとにチェック文字があり入力誤りを検出します。誤りが表示されたらそのグループを確認してください。",
    "本通知書を複写・撮影・転記しないでください。",
)

HASH_STEPS = (
    "復号の前に、媒体内のパッケージファイルのSHA-256ハッシュ値が上記の値と一致することを確認してください"
    "（大文字・小文字の違いは無視して照合します）。",
    "一致しない場合は復号せず、直ちに区の担当者に連絡してください。",
)
REPORT_INSTRUCTIONS = (
    "本通知書は媒体とは別の機会に、手渡しで区の職員に納品してください（郵送・LGWANは不可）。"
    "納品までは媒体とは別の施錠保管庫に保管してください。",
    "パスワードは番号の順に入力してください（大文字・小文字、空白・ハイフンの有無は問いません）。"
    "入力後は本通知書を施錠保管してください。",
    INSTRUCTIONS[2],
    INSTRUCTIONS[3],
)
REPORT_HASH_STEPS = (
    HASH_STEPS[0],
    "一致しない場合は復号せず、直ちに本通知書の発行者（委託先）に連絡してください。",
)
PLACEHOLDER = "<ファイル名>"
# What opens a package (.hop): the project's own command. Where to get it is the ward's to say
# (PasswordNotice.opener_source); this default names who to ask when the caller has no address.
OPENER_SOURCE = "区の担当者（本通知書の発行者）から、媒体とは別に入手してください。"
OPEN_STEP = ("パッケージファイル（拡張子 .hop）は handover プログラムの次のコマンドで開きます。"
             "パスワードはコマンドに書かず、求められたときに入力してください。")
# `package open` checks the whole package before writing anything: every file, or none.
OPEN_COMMAND = f"handover package open {PLACEHOLDER}.hop --out <出力先フォルダ>"
HASH_COMMANDS = (
    ("Windows", f"certutil -hashfile {PLACEHOLDER} SHA256"),
    ("Linux", f"sha256sum {PLACEHOLDER}"),
    ("macOS", f"shasum -a 256 {PLACEHOLDER}"),
)

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_GROUP = re.compile(r"[!-~]+")  # printable ASCII without spaces: what a keyboard types reliably

MARGIN = 16 * mm
VALUE_INDENT = 38 * mm


@dataclass(frozen=True)
class PasswordNotice:
    notice_id: str          # N-…
    package_id: str         # P-…
    package_sha256: str     # hex SHA-256 of the package file on the medium
    case_name: str
    issued_at: dt.datetime  # aware
    issued_by: str
    # repr=False: a notice that ends up in a log line or a traceback must not carry the password.
    password_groups: tuple[str, ...] = field(repr=False)
    # Where the contractor gets the program that opens a .hop file (URL, or whom to ask).
    opener_source: str = OPENER_SOURCE
    report: bool = False    # a contractor's report to the ward (REPORT_TITLE, by hand)

    def __post_init__(self) -> None:
        if not _HEX64.fullmatch(self.package_sha256):
            raise DocumentError("package_sha256 must be 64 hexadecimal characters")
        groups = tuple(self.password_groups)
        if not groups:
            raise DocumentError("password_groups is empty")
        for number, group in enumerate(groups, 1):
            if not isinstance(group, str) or not _GROUP.fullmatch(group):
                # The group's number only: its text is part of the secret.
                raise DocumentError(f"password group {number} is empty or not printable ASCII")
        object.__setattr__(self, "password_groups", groups)
        if not self.opener_source.strip():
            raise DocumentError("opener_source is empty",
                                hint="say where the contractor gets the handover program")
        format_datetime(self.issued_at)  # refuses a naive datetime now, not halfway through a page


class _Page:
    """A top-down cursor on one A4 page; y is the baseline of the next line."""

    def __init__(self, canvas, fonts: FontSet):
        self.c, self.f = canvas, fonts
        self.width = A4[0] - 2 * MARGIN
        self.y = A4[1] - MARGIN

    def heading(self, text: str) -> None:
        self.y -= 6.5 * mm
        self.c.setFont(self.f.gothic, 12)
        self.c.drawString(MARGIN, self.y, text)
        self.c.setLineWidth(0.5)
        self.c.line(MARGIN, self.y - 2, MARGIN + self.width, self.y - 2)
        self.y -= 2 * mm

    def paragraph(self, text: str, size: float = 10, indent: float = 0, bullet: str = "") -> None:
        width = self.width - indent - (size if bullet else 0)
        for i, line in enumerate(wrap_text(text, self.f.mincho, size, width, 4)):
            self.y -= size * 1.45
            self.c.setFont(self.f.mincho, size)
            if bullet and i == 0:
                self.c.drawString(MARGIN + indent, self.y, bullet)
            self.c.drawString(MARGIN + indent + (size if bullet else 0), self.y, line)

    def field(self, label: str, value: str, value_font: str, size: float = 10,
              max_lines: int = 1) -> None:
        """A label and its value; a value wider than the page wraps onto `max_lines` lines."""
        self.y -= size * 1.7
        self.c.setFont(self.f.gothic, 9)
        self.c.drawString(MARGIN, self.y, label)
        self.c.setFont(value_font, size)
        lines = wrap_text(value, value_font, size, self.width - VALUE_INDENT, max_lines)
        for i, line in enumerate(lines):
            if i:
                self.y -= size * 1.45
            self.c.drawString(MARGIN + VALUE_INDENT, self.y, line)


def _hash_lines(hex_digest: str) -> list[str]:
    # Two lines of 32, in blocks of 8: people compare hashes block by block, and a 64-character
    # run at a readable size would not fit the page width.
    h = hex_digest.lower()
    return [" ".join(h[i + j:i + j + 8] for j in range(0, 32, 8)) for i in (0, 32)]


def _draw_password(page: _Page, groups: tuple[str, ...]) -> None:
    """Each group in its own numbered box, so it can be read aloud and typed group by group."""
    c, f = page.c, page.f
    longest = max(groups, key=len)
    gap, pad = 4 * mm, 4 * mm
    size = fit_size(longest, f.mono_bold, 26, 10, page.width - 2 * pad)
    box_w = stringWidth(longest, f.mono_bold, size) + 2 * pad
    box_h = size * 1.25 + 6 * mm  # room for the number above the characters
    fit = max(1, int((page.width + gap) // (box_w + gap)))
    # Balanced rows (3 + 3, not 4 + 2): a reader keeps their place more easily.
    rows = -(-len(groups) // fit)
    columns = -(-len(groups) // rows)
    for start in range(0, len(groups), columns):
        page.y -= box_h + 2 * mm
        for offset, group in enumerate(groups[start:start + columns]):
            x = MARGIN + offset * (box_w + gap)
            box(c, x, page.y, box_w, box_h, width=1.2)
            c.setFont(f.gothic, 8)
            c.drawString(x + 1.5 * mm, page.y + box_h - 3.5 * mm, str(start + offset + 1))
            c.setFont(f.mono_bold, size)
            c.drawCentredString(x + box_w / 2, page.y + 2.5 * mm, group)
    page.y -= 2 * mm


def _draw_receipt_table(page: _Page) -> None:
    """Blank rows for the contractor's receipt and the return, signed by hand."""
    c, f = page.c, page.f
    columns = (("", 18 * mm), ("日付", 36 * mm), ("所属", 46 * mm), ("氏名（署名）", 50 * mm))
    seal_w = page.width - sum(w for _, w in columns)
    columns += (("印", seal_w),)
    head_h, row_h = 5.5 * mm, 9 * mm
    page.y -= head_h + 2 * row_h + 3 * mm
    top = page.y + head_h + 2 * row_h
    x = MARGIN
    for title, w in columns:
        box(c, x, page.y, w, head_h + 2 * row_h)
        c.setFont(f.gothic, 8)
        c.drawCentredString(x + w / 2, top - head_h + 1.8 * mm, title)
        x += w
    c.setLineWidth(0.6)
    for line_y in (top - head_h, top - head_h - row_h):
        c.line(MARGIN, line_y, MARGIN + page.width, line_y)
    c.setFont(f.gothic, 9)
    for i, label in enumerate(("受領", "返却")):
        c.drawCentredString(MARGIN + 9 * mm, top - head_h - (i + 0.5) * row_h - 3, label)


_JAPANESE_PLACEHOLDER = re.compile(r"(<[^<>!-~]+>)")


def _draw_command(c, fonts: FontSet, x: float, y: float, command: str) -> None:
    # The command in monospace, as typed; Japanese placeholders (<ファイル名>) in the Japanese
    # face with full-width brackets, because Courier has no Japanese glyphs.
    for part in _JAPANESE_PLACEHOLDER.split(command):
        if _JAPANESE_PLACEHOLDER.fullmatch(part):
            text, font = f"＜{part[1:-1]}＞", fonts.gothic
        else:
            text, font = part, fonts.mono
        c.setFont(font, 9.5)
        c.drawString(x, y, text)
        x += stringWidth(text, font, 9.5)


def render_notice(notice: PasswordNotice, *, fonts: FontSet | None = None) -> bytes:
    """One A4 page: identifiers, the boxed password, handling rules, hash check, receipt."""
    fonts = fonts or japanese_fonts()
    issued = format_datetime(notice.issued_at)
    buffer = io.BytesIO()
    title = REPORT_TITLE if notice.report else TITLE
    c = new_canvas(buffer, A4, f"{title} {notice.notice_id}")
    page = _Page(c, fonts)

    c.setFont(fonts.gothic, 9)
    right = MARGIN + page.width
    c.drawRightString(right, page.y, f"通知書番号　{notice.notice_id}")
    c.drawRightString(right, page.y - 12, f"発行　{issued.wareki}（{issued.iso}）")
    c.drawRightString(right, page.y - 24, f"発行者　{notice.issued_by}")
    # The longer report title, smaller and a little lower, clears the issuer's line.
    page.y -= 24 + (9 * mm if notice.report else 6 * mm)
    c.setFont(fonts.gothic, 18 if notice.report else 22)
    c.drawCentredString(A4[0] / 2, page.y, title)

    # The one rule that matters most, boxed where nobody can miss it.
    page.y -= 11 * mm
    c.saveState()
    c.setStrokeColorRGB(0.75, 0, 0)
    box(c, MARGIN, page.y - 2.5 * mm, page.width, 9 * mm, width=1.5)
    c.restoreState()
    c.setFont(fonts.gothic, 10.5)
    c.drawCentredString(A4[0] / 2, page.y + 0.5 * mm,
                        "【取扱注意】本通知書は媒体とは別の機会に手渡しで区に納品し、別の施錠保管庫に保管"
                        if notice.report else
                        "【取扱注意】本通知書は媒体とは別の機会に受け渡し、別の施錠保管庫に保管")
    page.y -= 4 * mm

    # Real 件名 run past 60 characters (seeds/004): two lines at 11 pt, else three at 9 pt
    # (about 150 characters), cut with … beyond that; the notice ID still names the case.
    name_width = page.width - VALUE_INDENT
    two_lines = len(wrap_text(notice.case_name, fonts.mincho, 11, name_width, 3)) <= 2
    page.field("業務名", notice.case_name, fonts.mincho, 11 if two_lines else 9,
               max_lines=2 if two_lines else 3)

    page.heading("1　対象パッケージ")
    page.field("パッケージID", notice.package_id, fonts.mono_bold, 13)
    first, second = _hash_lines(notice.package_sha256)
    page.field("SHA-256", first, fonts.mono_bold, 12)
    page.field("", second, fonts.mono_bold, 12)

    page.heading(f"2　パスワード（{len(notice.password_groups)}グループ）")
    _draw_password(page, notice.password_groups)

    page.heading("3　取扱い")
    for text in REPORT_INSTRUCTIONS if notice.report else INSTRUCTIONS:
        page.paragraph(text, bullet="・")

    page.heading("4　媒体の確認（ハッシュ値の照合）")
    for text in REPORT_HASH_STEPS if notice.report else HASH_STEPS:
        page.paragraph(text, bullet="・")
    for system, command in HASH_COMMANDS:
        page.y -= 12.5
        c.setFont(fonts.gothic, 9)
        c.drawString(MARGIN + 6 * mm, page.y, system)
        _draw_command(c, fonts, MARGIN + 26 * mm, page.y, command)

    page.heading("5　パッケージの開き方")
    page.paragraph(OPEN_STEP, bullet="・")
    page.y -= 12.5
    _draw_command(c, fonts, MARGIN + 6 * mm, page.y, OPEN_COMMAND)
    if not notice.report:   # the ward opens a report with its own copy of the program
        page.paragraph(f"handover プログラムの入手先：{notice.opener_source}", bullet="・")

    page.heading("6　受領・返却の記録")
    _draw_receipt_table(page)

    if page.y < MARGIN:
        # Only the count is named; the groups themselves are secret.
        raise DocumentError(f"the notice does not fit on one page with "
                            f"{len(notice.password_groups)} password groups",
                            hint="use fewer, longer groups")
    c.setFont(fonts.gothic, 8)
    c.drawString(MARGIN, MARGIN - 6 * mm,
                 "本通知書にはデータの内容（ファイル名・件数等）を記載していません。")
    c.drawRightString(right, MARGIN - 6 * mm, notice.notice_id)
    c.showPage()
    c.save()
    return buffer.getvalue()
