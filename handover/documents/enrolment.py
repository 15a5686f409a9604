"""署名鍵登録票: the one-page form printed when staff enrol a person's credential in person.

The person and the enrolling staff member check the fingerprint printed here against the one
the screen showed, sign it by hand and file it (issue 12, "Enrolment"). The form carries only
public facts: the name, organisation, credential ID, public-key fingerprint and when it was
registered; never the passphrase or anything derived from it but the public key.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4

from handover.documents._draw import box, fit_text, mm, new_canvas
from handover.documents.errors import DocumentError
from handover.documents.fonts import FontSet, japanese_fonts
from handover.documents.wareki import format_datetime

TITLE = "署名鍵登録票"
KIND_LABELS = {"passphrase-ed25519": "パスフレーズ保護鍵（Ed25519）",
               "webauthn": "パスキー（WebAuthn）"}
NOTES = (
    "この署名鍵は、本人が台帳に記録する全ての操作（受領確認を含む）への電子署名に用いられます。",
    "本人は上記の指紋（フィンガープリント）が登録時の画面表示と一致することを確認してください。",
    "パスフレーズは本人のみが知るものとし、記載・複写・他人への伝達をしないでください。",
    "鍵を紛失した、又はパスフレーズを忘れた場合は、直ちに区の担当者に届け出て失効の手続をしてください。",
)
MARGIN = 18 * mm


@dataclass(frozen=True)
class EnrolmentForm:
    person_name: str
    person_id: str
    org_name: str
    credential_id: str
    kind: str
    fingerprint: str
    registered_at: dt.datetime   # aware
    entry_index: int
    enrolled_by_name: str
    enrolled_by_id: str
    log: str

    def __post_init__(self) -> None:
        if self.kind not in KIND_LABELS:
            raise DocumentError(f"unknown credential kind {self.kind!r}")
        if not self.fingerprint.strip():
            raise DocumentError("a 登録票 needs the key fingerprint")


def render_enrolment_form(form: EnrolmentForm, fonts: FontSet | None = None) -> bytes:
    fonts = fonts or japanese_fonts()
    buffer = io.BytesIO()
    c = new_canvas(buffer, A4, TITLE)
    width, height = A4
    y = height - MARGIN - 10 * mm
    c.setFont(fonts.gothic, 20)
    c.drawCentredString(width / 2, y, TITLE)
    y -= 16 * mm
    when = format_datetime(form.registered_at)
    rows = (("氏名", f"{form.person_name}（{form.person_id}）"),
            ("所属", form.org_name),
            ("鍵の種類", KIND_LABELS[form.kind]),
            ("署名鍵ID", form.credential_id),
            ("指紋（SHA-256）", form.fingerprint),
            ("登録日時", f"{when.wareki}（{when.iso}）"),
            ("台帳", f"{form.log} 第{form.entry_index}項"),
            ("登録した職員", f"{form.enrolled_by_name}（{form.enrolled_by_id}）"))
    label_w, row_h = 38 * mm, 12 * mm
    table_w = width - 2 * MARGIN
    for label, value in rows:
        y -= row_h
        box(c, MARGIN, y, label_w, row_h)
        box(c, MARGIN + label_w, y, table_w - label_w, row_h)
        c.setFont(fonts.gothic, 10)
        c.drawString(MARGIN + 3 * mm, y + 4.5 * mm, label)
        size = 13 if label == "指紋（SHA-256）" else 11
        c.setFont(fonts.mincho, size)
        c.drawString(MARGIN + label_w + 3 * mm, y + 4.2 * mm,
                     fit_text(value, fonts.mincho, size, table_w - label_w - 6 * mm))
    y -= 12 * mm
    c.setFont(fonts.mincho, 9.5)
    for note in NOTES:
        c.drawString(MARGIN, y, fit_text("・" + note, fonts.mincho, 9.5, table_w))
        y -= 6 * mm
    # Two hand signatures: the person (who chose the passphrase) and the enrolling staff.
    y -= 10 * mm
    seal_w, seal_h = (table_w - 6 * mm) / 2, 34 * mm
    for n, who in enumerate(("本人 署名・印", "登録した職員 署名・印")):
        x = MARGIN + n * (seal_w + 6 * mm)
        box(c, x, y - seal_h, seal_w, seal_h)
        c.setFont(fonts.gothic, 10)
        c.drawString(x + 3 * mm, y - 6 * mm, who)
        c.setFont(fonts.mincho, 9)
        c.drawString(x + 3 * mm, y - seal_h + 4 * mm, "　　年　　月　　日")
    c.setFont(fonts.mincho, 8)
    c.drawString(MARGIN, MARGIN, f"handover {TITLE} / {form.credential_id} / 本票は署名の上、"
                 "区の担当課で保管してください。")
    c.showPage()
    c.save()
    return buffer.getvalue()
