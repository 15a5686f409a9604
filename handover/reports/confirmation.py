"""確認書 PDFs for recorded handovers, built from the projection and a signed checkpoint.

Everything printed comes from the ledger's facts (via the projection): who, when, what, how
many, how, any override reason, and the receiver's confirmation once given. The checkpoint
is the one signed in the same transaction as the entry, so the paper anchors its own entry.
A record printed before confirmation is named `kakuninsho-H-….pdf`; the confirmed one
`kakuninsho-H-…-confirmed.pdf`; a reprint (marked 再発行 with its date) adds `-reprint-N`, N
being the ledger index of the entry that recorded the reprint, so a filed paper copy is never
silently replaced.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ledger
from crypto.personal_keys import unb64
from handover.documents import (ConfirmationItem, ConfirmationRecord, SignatureMark,
                                render_confirmation, write_pdf)
from handover.model import events as ev
from handover.model import policy
from handover.model.journal import Journal
from handover.model.signatures import SIGNATURE_FIELD
from handover.model.state import State, overrides_of
from handover.reports.label_sheets import kind_label

TRANSFER_TITLE = "媒体等の引渡し（委託先から再委託先へ）"


def _items(st: State, handover_id: str) -> list[ConfirmationItem]:
    out = []
    for item_id in st.handover_items(handover_id):
        item = st.item(item_id)
        package = st.package(item.package_id)
        if item.kind == ev.MEDIUM:
            # An LGWAN file is a file (件), not a disc (枚).
            count = ({"file_count": 1} if item.medium_kind == "lgwan"
                     else {"media_count": 1})
            out.append(ConfirmationItem(item_id, kind_label(item), package.content,
                                        record_count=package.record_count,
                                        package_sha256=package.sha256, **count))
        elif item.kind == ev.NOTICE:
            out.append(ConfirmationItem(item_id, kind_label(item),
                                        f"パッケージ {package.package_id} のパスワード",
                                        notice_count=1))
        else:
            out.append(ConfirmationItem(item_id, kind_label(item),
                                        f"{package.content}に基づき作成・封入封緘したもの",
                                        envelope_count=item.count))
    return out


def handover_items(st: State, handover_id: str) -> list[ConfirmationItem]:
    """What a handover moved, as its 確認書 lists it (the auditor's report lists the same)."""
    return _items(st, handover_id)


def build_record(st: State, handover_id: str, checkpoint_text: str, entry_index: int, *,
                 reprinted_at: dt.datetime | None = None) -> ConfirmationRecord:
    h = st.handover(handover_id)
    confirmed_by = None
    if h.confirmed_by:
        confirmed_by = f"{st.name(st.person(h.confirmed_by).org_id)} {st.name(h.confirmed_by)}"
    condition = h.condition or None
    return ConfirmationRecord(
        record_id=h.handover_id,
        moment=None if h.moment == ev.TRANSFER else h.moment,
        title=TRANSFER_TITLE if h.moment == ev.TRANSFER else None,
        case_name=st.case(h.case_id).name,
        occurred_at=dt.datetime.fromisoformat(h.occurred_at),
        from_person=st.name(h.from_person), from_org=st.name(h.from_org),
        to_person=st.name(h.to_person), to_org=st.name(h.to_org),
        method=h.method, items=tuple(_items(st, handover_id)),
        checkpoint_text=checkpoint_text, entry_index=entry_index,
        condition_on_receipt=condition, override_reason=h.override_reason or None,
        overridden_rules=tuple(o["rule"] for o in overrides_of(h)),
        rule_titles=policy.RULE_TITLES_JA, content=h.content or None,
        confirmed_by=confirmed_by,
        confirmed_at=dt.datetime.fromisoformat(h.confirmed_at) if h.confirmed_at else None,
        reprinted_at=reprinted_at,
        confirmation_signature=None if h.confirm_index is None else _mark(st, h.confirm_index))


def _mark(st: State, entry_index: int) -> SignatureMark | None:
    """The confirmation entry's signature as printed beside the 印 box (issue 12)."""
    entry = ledger.read_entry(st.conn, st.log, entry_index)
    block = entry.payload.get(SIGNATURE_FIELD)
    if not block:
        return None          # confirmed before entries were signed
    credential = st.credential(block["credential"])
    raw = unb64(block["sig"]).hex().upper()[:16]
    return SignatureMark(credential.fingerprint, " ".join(raw[i:i + 4] for i in range(0, 16, 4)),
                         dt.datetime.fromisoformat(entry.time))


def pdf_name(handover_id: str, confirmed: bool, reprint_index: int | None = None) -> str:
    reprint = f"-reprint-{reprint_index}" if reprint_index is not None else ""
    return f"kakuninsho-{handover_id}{'-confirmed' if confirmed else ''}{reprint}.pdf"


def write(journal: Journal, handover_id: str, checkpoint: ledger.SignedCheckpoint,
          entry_index: int, pdf_dir: Path, *, reprinted_at: dt.datetime | None = None,
          reprint_index: int | None = None) -> Path:
    """Print the 確認書 of `entry_index`; a reprint passes when and in which entry it was
    recorded."""
    with journal.reading() as st:
        rec = build_record(st, handover_id, checkpoint.note, entry_index,
                           reprinted_at=reprinted_at)
    return write_pdf(pdf_dir / pdf_name(handover_id, rec.confirmed_by is not None, reprint_index),
                     render_confirmation(rec), mode=0o644)
