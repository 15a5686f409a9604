"""Erasure certificates (消去証明書): a contractor or sub-contractor records that it erased
the case's data, the ward (and, for a sub-contractor's, its contractor) records receiving the
certificate, and the ward may record its own check of the erasure.

004 受託事業者 10: 業務履行後、電子データは消去させる…区に電子データの消去を行ったことの
報告書を提出させる; 特記事項 11-12 and 000 特記事項 14-15 (the same for sub-contractors, 丙
12-13: 甲は…消去の状況について確認を行う). The certificate is printed from the ledger for
stamping (`reports.print_erasure`). The close-out gate in actions/cases.py reads them.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from handover import ids
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model.journal import Journal, Recorded, Tx, record

MAX_TEXT = 500


def _text(value: str, what: str, hint: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise HandoverError(f"{what} is empty", hint)
    if len(value) > MAX_TEXT:
        raise HandoverError(f"{what} is {len(value)} characters long (at most {MAX_TEXT})")
    return value


def record_erasure(journal: Journal, actor: str, case_id: str, *, erased: str,
                   sources: Iterable[str], locations: Iterable[str], method: str, tool: str,
                   performed_by: str, verified_by: str, erased_on: dt.date,
                   place: str) -> Recorded[str]:
    """The acting person's organisation certifies it erased the case's data. Returns the
    certificate ID (X-…)."""
    case_id = ids.parse_id(case_id, "case")
    if method not in ev.ERASURE_METHODS:
        raise HandoverError(f"unknown erasure method {method!r}",
                            "use clear (上書き消去), purge (暗号化消去・完全消去) or destroy (物理破壊)")
    erased = _text(erased, "what was erased",
                   "e.g. 復号したデータ、作業用の複製、加工したファイル")
    source_ids = list(dict.fromkeys(ids.parse_id(s) for s in sources))
    if not source_ids:
        raise HandoverError("name the packages or media the erased data came from",
                            "use --from P-… or M-… (repeatable)")
    for s in source_ids:
        if s[0] not in ("P", "M"):
            raise HandoverError(f"{s} is a {ids.KINDS[s[0]].en} ID; the erased data comes from "
                                "packages (P-…) or media (M-…)", "check --from")
    where = [_text(loc, "a computer or server name", "use --location NAME") for loc in locations]
    if not where:
        raise HandoverError("name the computers and servers the data was erased from",
                            "use --location NAME (repeatable)")
    tool = _text(tool, "the erasure tool", "name the software or device used")
    place = _text(place, "the place of the erasure", "e.g. 受託者本社 3階 作業室")
    performer = ids.parse_id(performed_by, "person")
    verifier = ids.parse_id(verified_by, "person")
    certificate_id = ids.new_id("X")

    def build(tx: Tx):
        # The rules: policy/acts.py, checked by record.
        org = tx.actor.org_id
        if erased_on > tx.now.date():
            raise HandoverError(f"the erasure date {erased_on} is in the future",
                                "record an erasure once it was done")
        return [ev.ErasureRecorded(certificate_id, case_id, org, erased, source_ids, where,
                                   method, tool, performer, verifier, erased_on.isoformat(),
                                   place)], certificate_id

    return record(journal, actor, build)


def receive_certificate(journal: Journal, actor: str, certificate_id: str) -> Recorded[None]:
    """The acting person's organisation received the certificate: the ward (staff of the
    case's section) or, for a sub-contractor's, its contractor (a rostered person)."""
    certificate_id = ids.parse_id(certificate_id, "erasure certificate")

    def build(tx: Tx):
        # The rules: policy/acts.py, checked by record.
        return [ev.ErasureCertificateReceived(certificate_id, tx.actor.org_id)], None

    return record(journal, actor, build)


def check_erasure(journal: Journal, actor: str, certificate_id: str, note: str) -> Recorded[None]:
    """The ward's own check of the erasure (甲は…消去の状況について確認を行う)."""
    certificate_id = ids.parse_id(certificate_id, "erasure certificate")
    note = _text(note, "the check", "say what was checked, e.g. 作業用PCのフォルダが空であることを確認")

    def build(tx: Tx):
        # The rules: policy/acts.py, checked by record.
        return [ev.ErasureChecked(certificate_id, note)], None

    return record(journal, actor, build)
