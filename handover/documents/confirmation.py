"""確認書: the printed record of one handover, signed by both parties, one copy each.

seeds/004 区が行う対策 6 and 受託事業者 11: at each handover (staff provide media and notice;
the contractor delivers sealed notices; the contractor returns media and notice, or brings a
report it sealed for the ward, 受託事業者 6: 報告データの納品) staff record
the date and time, the handlers, the content of the information and the quantity, and the
contractor checks and confirms it. Each party keeps its own copy (甲保管用 / 乙保管用).

The paper says what moved (the title is read from the items' counts), whether it is the copy
to sign and stamp (only once the receiver has confirmed it), and whether it is a reprint
(再発行, with the date). データ件数 follows one definition, printed under the items
(counting.py).

The signed ledger checkpoint is printed on every record, as text and as a QR code, so the
paper archive anchors the ledger: a later rewrite of the database cannot match the checkpoint
already filed in two cabinets (shared/DESIGN.md, Ledger format).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Mapping

from reportlab.lib.pagesizes import A4

from handover.documents import _confirmation_layout as layout
from handover.documents.counting import RECORD_COUNT_DEFINITION  # noqa: F401  (re-exported)
from handover.documents.errors import DocumentError
from handover.documents.fonts import FontSet, japanese_fonts
from handover.documents.wareki import format_datetime
from handover.documents.words import METHOD_LABELS, MOMENT_VERBS

MOMENT_TITLES = {
    "provide": "媒体及びパスワード通知書の提供",
    "deliver": "封入封緘された通知書の納品",
    "return": "媒体及びパスワード通知書の返却",
    "report": "報告データの納品",
}
# What an item is, told by which count it carries: (count field, name in the title, short
# name in the totals, unit). An LGWAN file is a file (件), not a disc (枚); a password notice
# is a document (通).
QUANTITIES = (
    ("media_count", "媒体", "媒体", "枚"),
    ("file_count", "LGWANファイル", "ファイル", "件"),
    ("notice_count", "パスワード通知書", "通知書", "通"),
    ("envelope_count", "封入封緘された通知書", "封筒", "通"),
)
# (mark, who keeps it): the ward is 甲 and the contractor 乙, as in the contract's 特記事項.
COPIES = (("甲保管用", "区控"), ("乙保管用", "受託者控"))


@dataclass(frozen=True)
class ConfirmationItem:
    item_id: str                        # M-…, P-…, N-… or an envelope batch ID
    kind_label: str                     # DVD-R, パスワード通知書, 封入封緘済み通知書…
    content: str                        # 情報の内容
    media_count: int | None = None      # 枚: discs, USB sticks
    record_count: int | None = None     # 件: data records (RECORD_COUNT_DEFINITION)
    envelope_count: int | None = None   # 通: sealed envelopes
    package_sha256: str | None = None
    file_count: int | None = None       # 件: LGWAN files
    notice_count: int | None = None     # 通: password notices

    def __post_init__(self) -> None:
        for name in ("media_count", "record_count", "envelope_count", "file_count",
                     "notice_count"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 0):
                raise DocumentError(f"item {self.item_id}: {name} must be a non-negative integer")
        given = [name for name, *_ in QUANTITIES if getattr(self, name) is not None]
        if len(given) > 1:
            raise DocumentError(f"item {self.item_id} has both {given[0]} and {given[1]}",
                                hint="an item is one thing: give one of "
                                     + ", ".join(name for name, *_ in QUANTITIES))

    @property
    def quantity(self) -> tuple[int, str, str, str] | None:
        """(count, title name, short name, unit), or None when no count was given."""
        for name, title_name, short, unit in QUANTITIES:
            if getattr(self, name) is not None:
                return getattr(self, name), title_name, short, unit
        return None


@dataclass(frozen=True)
class Totals:
    """Sums over the items; None where no item gives that count (printed as —)."""

    media_count: int | None
    record_count: int | None
    envelope_count: int | None
    file_count: int | None = None
    notice_count: int | None = None


@dataclass(frozen=True)
class SignatureMark:
    """A confirmation's electronic signature as the paper shows it beside the 印 box
    (issue 12): 電子署名済み, the signer's key fingerprint, the signature's short form and the
    date. An auditor finds the full signature in the ledger entry the 確認書 names."""
    fingerprint: str                    # 8 groups of 4 hex digits (crypto/personal_keys.py)
    short: str                          # the signature's first 8 bytes, hex in 4 groups
    signed_at: dt.datetime              # aware: the entry's time

    def __post_init__(self) -> None:
        if not self.fingerprint.strip() or not self.short.strip():
            raise DocumentError("a signature mark needs the key fingerprint and the signature")
        format_datetime(self.signed_at)


@dataclass(frozen=True)
class ConfirmationRecord:
    record_id: str                      # H-…
    moment: str | None                  # provide / deliver / return, or None with `title`
    case_name: str
    occurred_at: dt.datetime            # aware
    from_person: str                    # 引渡者
    from_org: str
    to_person: str                      # 受領者
    to_org: str
    method: str                         # hand / registered_mail / lgwan
    items: tuple[ConfirmationItem, ...]
    checkpoint_text: str                # the signed note, printed verbatim and as a QR
    entry_index: int                    # ledger index of this handover's entry
    condition_on_receipt: str | None = None   # 封緘異常なし…
    override_reason: str | None = None        # 例外理由: printed prominently when present
    confirmed_by: str | None = None           # the receiver who checked the record
    confirmed_at: dt.datetime | None = None
    title: str | None = field(default=None)   # overrides the title said by moment and items
    content: str | None = None                # 情報の内容 of the handover (record --content)
    overridden_rules: tuple[str, ...] = ()    # rule IDs the override_reason let through
    # rule ID -> Japanese title, for the rules above; a dict, so left out of the hash
    rule_titles: Mapping[str, str] | None = field(default=None, hash=False)
    reprinted_at: dt.datetime | None = None   # set on a reprint: marked 再発行 with this date
    confirmation_signature: SignatureMark | None = None   # the receiver's, once confirmed

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "overridden_rules",
                           tuple(dict.fromkeys(self.overridden_rules)))
        for rule in self.overridden_rules:
            if not (self.rule_titles or {}).get(rule, "").strip():
                raise DocumentError(f"no Japanese title for the overridden rule {rule!r}",
                                    hint="pass rule_titles with a title for every rule in "
                                         "overridden_rules")
        if self.title is None and self.moment not in MOMENT_TITLES:
            raise DocumentError(
                f"unknown handover moment {self.moment!r}",
                hint=f"use one of {', '.join(MOMENT_TITLES)}, or pass title=",
            )
        if self.method not in METHOD_LABELS:
            raise DocumentError(f"unknown handover method {self.method!r}",
                                hint=f"use one of {', '.join(METHOD_LABELS)}")
        if not self.items:
            raise DocumentError("a 確認書 needs at least one item")
        if not isinstance(self.entry_index, int) or self.entry_index < 0:
            raise DocumentError("entry_index must be a non-negative integer")
        if not self.checkpoint_text.strip():
            raise DocumentError("checkpoint_text is empty",
                                hint="every 確認書 carries the ledger checkpoint")
        try:
            # Printed in a standard PDF monospace font, which covers Windows-1252 only.
            self.checkpoint_text.encode("cp1252")
        except UnicodeEncodeError:
            raise DocumentError("checkpoint_text has characters the monospace font cannot print",
                                hint="a C2SP signed note is ASCII plus the em dash") from None
        # Refuse naive datetimes now rather than halfway through rendering.
        format_datetime(self.occurred_at)
        for moment in (self.confirmed_at, self.reprinted_at):
            if moment is not None:
                format_datetime(moment)

    @property
    def heading(self) -> str:
        """What moved and how: 媒体の提供, パスワード通知書の提供, LGWANファイルの提供…"""
        if self.title is not None:
            return self.title
        quantities = [item.quantity for item in self.items]
        if None in quantities:
            # An item that does not say what it is: only the moment's general title is safe.
            return MOMENT_TITLES[self.moment]
        things = dict.fromkeys(q[1] for q in quantities)
        if self.moment == "report":     # 報告データの納品（媒体）: the report, then what moved
            return f"{MOMENT_TITLES['report']}（{'及び'.join(things)}）"
        return f"{'及び'.join(things)}の{MOMENT_VERBS[self.moment]}"

    @property
    def rule_lines(self) -> tuple[tuple[str, str], ...]:
        """(Japanese title, rule ID) of each overridden rule, in the order given."""
        titles = self.rule_titles or {}
        return tuple((titles[rule].strip(), rule) for rule in self.overridden_rules)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_by is not None

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]

    @property
    def totals(self) -> Totals:
        def total(name: str) -> int | None:
            values = [getattr(i, name) for i in self.items if getattr(i, name) is not None]
            return sum(values) if values else None
        return Totals(total("media_count"), total("record_count"), total("envelope_count"),
                      total("file_count"), total("notice_count"))


def render_confirmation(record: ConfirmationRecord, *, fonts: FontSet | None = None) -> bytes:
    """Both copies (甲保管用, then 乙保管用) in one A4 PDF; normally one page each.

    Rendered twice: the first pass only counts each copy's pages, so every page can say
    "1/2" and a missing page is noticed when the copy is filed.
    """
    fonts = fonts or japanese_fonts()
    pages: dict[str, int] = {}
    for _ in range(2):
        buffer = io.BytesIO()
        pages = layout.build(buffer, record, fonts, COPIES, pages, A4)
    return buffer.getvalue()
