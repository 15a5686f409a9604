"""The custody chain of one item (or package, case, cabinet, person, handover).

Reports read the projection for the present and the ledger itself for the past: `history`
reads each entry that concerns the ID from the ledger (the projection only indexes which
ones), so what it shows is what the auditor's verification covers.
"""

from __future__ import annotations

from typing import Any

import ledger
from handover import ids
from handover.clock import JST
from handover.errors import NotFound, lifted
from handover.model import events as ev
from handover.model.journal import Journal
from handover.model.state import State
from handover.reports.case_status import item_json
from handover.reports.incidents import incident_json
from handover.reports.timeline import summary_ja
from handover.reports.visit_lists import visit_list_json
from handover.reports.visit_rounds import round_json

_METHOD_TEXT = {ev.HAND: "by hand", ev.REGISTERED_MAIL: "by registered mail", ev.LGWAN: "over LGWAN"}


def _summary(st: State, entry: ledger.Entry) -> str:
    match ev.decode(entry):
        case ev.PackageSealed() as e:
            return (f"package sealed on {st.label(e.workstation_id)}: {e.record_count} "
                    f"records in {e.file_count} file(s), sha256 {e.sha256}")
        case ev.MediumRegistered() as e:
            return f"{ev.MEDIUM_KINDS.get(e.medium_kind, e.medium_kind)} {e.medium_id} " \
                   f"registered for package {e.package_id}"
        case ev.NoticeIssued() as e:
            return f"password notice {e.notice_id} issued for {e.package_id} " \
                   f"by {st.label(e.issued_by)}"
        case ev.ItemStored() as e:
            return f"{e.item_id} stored in {st.label(e.cabinet_id)}"
        case ev.HandoverRecorded() as e:
            courier = f", courier {st.label(e.courier)}" if e.courier else ""
            override = f"; override: {e.override_reason}" if e.override_reason else ""
            return (f"{e.moment} {e.handover_id} at {e.occurred_at}: "
                    f"{st.label(e.from_person)} of {st.name(e.from_org)} → "
                    f"{st.label(e.to_person)} of {st.name(e.to_org)}, "
                    f"{_METHOD_TEXT.get(e.method, e.method)}{courier}{override}")
        case ev.HandoverConfirmed() as e:
            cond = f": {e.condition}" if e.condition else ""
            return f"{e.handover_id} confirmed by {st.label(e.confirmed_by)}{cond}"
        case ev.ConfirmationReprinted() as e:
            return f"確認書 of {e.handover_id} reprinted (再発行) at {e.reprinted_at}, " \
                   f"showing entry {e.of_entry}"
        case ev.CaseOpened() as e:
            return f"case opened: {e.name} ({e.period_start} to {e.period_end})"
        case ev.RosterChanged() as e:
            added = ", ".join(st.label(m["person_id"]) for m in e.added) or "-"
            removed = ", ".join(st.label(r) for r in e.removed) or "-"
            return f"roster changed: added {added}; removed {removed}"
        case ev.CaseClosed() as e:
            return f"case closed: {e.reason or '-'}"
        case ev.IncidentReported() as e:
            items = f" ({', '.join(e.items)})" if e.items else ""
            return (f"incident {e.incident_id} reported ({e.category}, source {e.source}) on "
                    f"{e.case_id}{items}: {e.description}")
        case ev.IncidentFollowedUp() as e:
            return f"incident {e.incident_id} followed up: {e.note}"
        case ev.IncidentClosed() as e:
            return f"incident {e.incident_id} closed: {e.outcome}"
        case ev.ErasureRecorded() as e:
            return (f"erasure certificate {e.certificate_id}: {st.label(e.org_id)} erased "
                    f"{e.erased} from {', '.join(e.locations)} ({e.method}, {e.tool}) on "
                    f"{e.erased_on}, performed by {st.label(e.performed_by)}, verified by "
                    f"{st.label(e.verified_by)}")
        case ev.ErasureCertificateReceived() as e:
            return f"erasure certificate {e.certificate_id} received by {st.label(e.org_id)}"
        case ev.ErasureChecked() as e:
            return f"erasure {e.certificate_id} checked by the ward: {e.note}"
        case ev.LgwanFileSent() as e:
            return (f"{e.file_name} ({e.size} bytes, sha256 {e.sha256}) uploaded to {e.service} "
                    f"by {st.label(e.sender)} on {st.label(e.workstation_id)} ({e.transfer_id})")
        case ev.LgwanFileReceived() as e:
            return f"{e.transfer_id} downloaded by {st.label(e.received_by)}: sha256 matches"
        case ev.WorkstationAuthorised() as e:
            return f"workstation {st.label(e.workstation_id)} designated for {e.case_id}"
        case ev.PrintAllowanceSet() as e:
            basis = f" ({e.basis})" if e.basis else ""
            return f"designated print count for {e.case_id}: {e.pages} pages{basis}"
        case ev.PrintLogImported() as e:
            excess = f", {e.excess} over the designated count" if e.excess else ""
            return (f"print log {e.submission_id} imported: {e.jobs} job(s), {e.pages} page(s) "
                    f"from {e.first_at[:10]} to {e.last_at[:10]}{excess}, sha256 {e.sha256}")
        case ev.PrintExcessExplained() as e:
            return f"reason for the excess of {e.submission_id}: {e.reason}"
        case ev.VisitListRegistered() as e:
            return (f"visit list {e.half} {e.list_id} made: {e.count} row(s) "
                    f"[{', '.join(e.columns)}], pairs with {e.paired_with}, sha256 {e.sha256}")
        case ev.VisitRoundStarted() as e:
            given = ", ".join(f"{i['list_id']} to {st.label(i['visitor'])}" for i in e.lists)
            return (f"visit round {e.round_id} on {e.visit_date} started: {e.count} list(s) "
                    f"issued: {given}")
        case ev.VisitListsReturned() as e:
            return (f"visit round {e.round_id}: {', '.join(e.lists)} returned "
                    f"({ev.RETURN_METHODS.get(e.method, e.method)})")
        case ev.VisitRoundClosed() as e:
            lost = f"; missing {', '.join(e.missing)}, incident {e.incident_id}" if e.missing else ""
            return f"visit round {e.round_id} closed{lost}"
        case ev.InspectionRecorded() as e:
            deficient = [f["check"] for f in e.findings if f["result"] == ev.FINDING_DEFICIENT]
            found = f"deficient: {', '.join(deficient)}" if deficient else "no deficiency"
            return (f"inspection {e.inspection_id} of {st.label(e.org_id)} on {e.inspected_on} "
                    f"at {e.place}: {found}")
    return entry.kind


def history(journal: Journal, any_id: str, *, last: int | None = None) -> dict[str, Any]:
    """The whole custody chain of one item (or package, case, cabinet, person, handover);
    with `last`, only its latest `last` entries (a case's page), `total` counting them all."""
    subject = ids.parse_id(any_id)
    with journal.reading() as st:
        indexes = st.subject_entries(subject)
        total = len(indexes)
        if last is not None:
            indexes = indexes[-last:] if last > 0 else []
        if not total:
            kind = ids.KINDS[subject[0]]
            raise NotFound(f"nothing is recorded about {subject} / {subject} の記録はありません",
                           f"check the {kind.en} ID on the label")
        entries = []
        with lifted():
            for index in indexes:
                e = ledger.read_entry(st.conn, journal.log, index)
                entries.append({"index": e.index, "time": e.time, "kind": e.kind,
                                "actor": e.actor, "actor_name": st.name(e.actor),
                                "origin": e.payload.get("origin"), "summary": _summary(st, e),
                                "summary_ja": summary_ja(st, e)})
        item = st.find_item(subject)
        current = None
        if item is not None:
            case = st.case(item.case_id)
            current = item_json(st, item, case, journal.now().astimezone(JST).date())
        elif subject.startswith("L"):       # a visit list: who holds it, since when
            current = visit_list_json(st, st.visit_list(subject))
        elif subject.startswith("R"):
            current = round_json(st, st.visit_round(subject))
        # Open incidents naming this item (or, for a case, on it), as `status` shows them.
        concerned = [r for r in st.incidents(open_only=True)
                     if subject in r.item_ids.split() or subject in (r.case_id, r.incident_id)]
        return {"id": subject, "kind": ids.KINDS[subject[0]].en, "current": current,
                "total": total, "entries": entries, "open_incidents": [incident_json(st, r) for r in concerned]}
