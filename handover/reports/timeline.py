"""One line of Japanese for each ledger entry, as the case page's timeline (台帳の記録) shows it
to ward and contractor staff. `item_history` keeps its English line for the command line."""

from __future__ import annotations

import ledger
from handover.documents.wareki import beside_iso
from handover.documents.words import METHOD_LABELS, MOMENT_LABELS
from handover.model import events as ev
from handover.model.state import State

_ORG_KINDS = {ev.WARD: "区", ev.CONTRACTOR: "委託先", ev.SUBCONTRACTOR: "再委託先"}


def _names(st: State, person_ids) -> str:
    return "、".join(st.name(p) for p in person_ids) or "なし"


def summary_ja(st: State, entry: ledger.Entry) -> str:
    """What `entry` records, in one Japanese line naming people and places by name."""
    match ev.decode(entry):
        case ev.OrganisationRegistered() as e:
            return f"{_ORG_KINDS.get(e.kind, e.kind)}「{e.name}」を登録"
        case ev.PersonRegistered() as e:
            roles = "・".join(ev.ROLE_LABELS.get(r, r) for r in e.roles)
            return f"{st.name(e.org_id)}の{e.name}を登録（{roles}）"
        case ev.CabinetRegistered() as e:
            return f"保管庫「{e.name}」（{e.location}）を登録。鍵の保管者：{_names(st, e.key_holders)}"
        case ev.CabinetKeyHoldersChanged() as e:
            return f"{st.name(e.cabinet_id)}の鍵の保管者を変更：{_names(st, e.key_holders)}（理由：{e.reason}）"
        case ev.WorkstationRegistered() as e:
            return f"端末「{e.name}」（{e.hostname}）を登録"
        case ev.WorkstationAuthorised() as e:
            return f"端末「{st.name(e.workstation_id)}」を暗号化に使う端末に指定"
        case ev.CaseOpened() as e:
            return f"業務「{e.name}」を登録（契約期間 {beside_iso(e.period_start)}〜{beside_iso(e.period_end)}）"
        case ev.RosterChanged() as e:
            added = _names(st, [m["person_id"] for m in e.added])
            return f"取扱者名簿を変更：追加 {added}、削除 {_names(st, e.removed)}"
        case ev.CaseClosed() as e:
            override = f"（例外の理由：{e.override_reason}）" if e.override_reason else ""
            return f"業務を終了：{e.reason or '—'}{override}"
        case ev.PackageSealed() as e:
            return (f"{st.name(e.workstation_id)}で暗号化：{e.file_count}ファイル、{e.record_count:,}件"
                    f"（{e.package_id}）")
        case ev.MediumRegistered() as e:
            return f"{ev.MEDIUM_KINDS.get(e.medium_kind, e.medium_kind)} {e.medium_id} を登録"
        case ev.NoticeIssued() as e:
            return f"パスワード通知書 {e.notice_id} を発行（{st.name(e.issued_by)}）"
        case ev.ItemStored() as e:
            return f"{e.item_id} を{st.name(e.cabinet_id)}に保管"
        case ev.HandoverRecorded() as e:
            courier = f"、運搬者 {st.name(e.courier)}" if e.courier else ""
            override = f"（例外の理由：{e.override_reason}）" if e.override_reason else ""
            return (f"{MOMENT_LABELS.get(e.moment, e.moment)}を記録：{beside_iso(e.occurred_at)} "
                    f"{st.name(e.from_org)} {st.name(e.from_person)} → {st.name(e.to_org)} "
                    f"{st.name(e.to_person)}、{METHOD_LABELS.get(e.method, e.method)}{courier}"
                    f"{override}")
        case ev.HandoverConfirmed() as e:
            condition = f"（{e.condition}）" if e.condition else ""
            return f"受渡し {e.handover_id} を{st.name(e.confirmed_by)}が確認{condition}"
        case ev.RemarkRecorded() as e:
            return f"記事：{e.text}"
        case ev.ConfirmationReprinted() as e:
            return f"受渡し {e.handover_id} の確認書を再発行"
        case ev.CredentialRegistered() as e:
            return f"{st.name(e.person_id)}の署名鍵を登録（{st.name(e.enrolled_by)}が確認）"
        case ev.CredentialRevoked() as e:
            return f"{st.name(e.person_id)}の署名鍵を失効（理由：{e.reason}）"
        case ev.IncidentReported() as e:
            category = ev.INCIDENT_CATEGORIES.get(e.category, e.category)
            by = st.name(e.reported_by) if e.source == ev.BY_PERSON else "システム"
            return f"事故 {e.incident_id}（{category}）を報告（{by}）：{e.description}"
        case ev.IncidentFollowedUp() as e:
            return f"事故 {e.incident_id} の経過：{e.note}"
        case ev.IncidentClosed() as e:
            return f"事故 {e.incident_id} を終結：{e.outcome}"
        case ev.LgwanFileSent() as e:
            return f"LGWANで {e.file_name} を送信（{st.name(e.sender)}、{e.transfer_id}）"
        case ev.LgwanFileReceived() as e:
            return f"LGWANの {e.transfer_id} を{st.name(e.received_by)}が受信（ハッシュ値一致）"
        case ev.ErasureRecorded() as e:
            method = ev.ERASURE_METHODS.get(e.method, e.method)
            return (f"消去証明書 {e.certificate_id}：{st.name(e.org_id)}が{beside_iso(e.erased_on)}に"
                    f"{method}（実施 {st.name(e.performed_by)}、確認 {st.name(e.verified_by)}）")
        case ev.ErasureCertificateReceived() as e:
            return f"消去証明書 {e.certificate_id} を受領"
        case ev.ErasureChecked() as e:
            return f"消去証明書 {e.certificate_id} を区が確認：{e.note}"
        case ev.InspectionRecorded() as e:
            deficient = [ev.INSPECTION_CHECKS.get(f["check"], f["check"]) for f in e.findings
                         if f["result"] == ev.FINDING_DEFICIENT]
            found = f"要改善：{'、'.join(deficient)}" if deficient else "指摘なし"
            return f"{st.name(e.org_id)}の立入調査（{beside_iso(e.inspected_on)}、{e.place}）：{found}"
        case ev.PrintAllowanceSet() as e:
            return f"指定印刷枚数を{e.pages:,}枚に設定" + (f"（{e.basis}）" if e.basis else "")
        case ev.PrintLogImported() as e:
            excess = f"、指定枚数を{e.excess:,}枚超過" if e.excess else ""
            return f"印刷ログ {e.submission_id} を取込み：{e.jobs:,}件、{e.pages:,}枚{excess}"
        case ev.PrintExcessExplained() as e:
            return f"印刷ログ {e.submission_id} の超過の理由：{e.reason}"
        case ev.VisitListRegistered() as e:
            return f"訪問リスト {e.list_id}（{e.half}）を作成：{e.count:,}件"
        case ev.VisitRoundStarted() as e:
            return f"訪問 {e.round_id}（{beside_iso(e.visit_date)}）：訪問リスト{len(e.lists)}部を交付"
        case ev.VisitListsReturned() as e:
            method = ev.RETURN_METHODS.get(e.method, e.method)
            return f"訪問 {e.round_id}：{'、'.join(e.lists)} の返却（{method}）"
        case ev.VisitRoundClosed() as e:
            missing = f"。未返却 {'、'.join(e.missing)}（事故 {e.incident_id}）" if e.missing else ""
            return f"訪問 {e.round_id} を終了{missing}"
    return entry.kind
