"""Erasure certificates (消去証明書) and the close-out gate: who certifies and verifies an
erasure, who receives the certificate, and that a case closes only when every LGWAN file and
every contractor that held its data is covered by a certificate the ward received (004
受託事業者 10, 特記事項 11-12; 000 特記事項 14-15; 丙 12-13)."""

from __future__ import annotations

from handover.errors import PolicyViolation
from handover.model import events as ev
from handover.model.policy.cases import require_confirmed, require_no_items_out
from handover.model.policy.incidents import require_no_open_incidents
from handover.model.policy.visit_rounds import require_rounds_closed
from handover.model.policy.rules import (CERTIFICATE_ALREADY_RECEIVED, CERTIFICATE_NOT_RECEIVED,
                                         ERASURE_CERTIFICATE_MISSING, ERASURE_OTHER_ORG,
                                         LGWAN_FILE_NOT_ERASED, NOT_RECEIVING_PARTY,
                                         VERIFIER_NOT_RESPONSIBLE, refuse)
from handover.model.state import Row, State


def require_of_org(st: State, person_id: str, org_id: str, as_what: str) -> None:
    person = st.person(person_id)
    if person.org_id != org_id:
        raise refuse(ERASURE_OTHER_ORG, person_id,
                      f"{st.label(person_id)} is of {st.label(person.org_id)}, not of "
                      f"{st.label(org_id)} whose erasure this is, and cannot be its {as_what}",
                      f"{person.name} は消去した事業者（{st.name(org_id)}）の者ではありません",
                      "name someone of the organisation that erased the data")


def require_contractor_of(st: State, case: Row, org_id: str) -> None:
    """Only a contractor or sub-contractor of the case certifies an erasure of its data."""
    if org_id not in st.case_orgs(case.case_id):
        raise refuse(ERASURE_OTHER_ORG, org_id,
                      f"{st.label(org_id)} is not a contractor of case {case.case_id}; the "
                      "contractors that held the data certify its erasure",
                      f"{st.name(org_id)} はこの業務の委託先ではありません",
                      "record the erasure as a rostered person of the contractor")


def require_verifier(st: State, case: Row, person_id: str) -> None:
    """The responsible handler (取扱責任者) of the case verifies the erasure."""
    if st.roster_role(case.case_id, person_id) != ev.ROSTER_RESPONSIBLE:
        raise refuse(VERIFIER_NOT_RESPONSIBLE, person_id,
                      f"{st.label(person_id)} is not a 取扱責任者 (responsible handler) on the "
                      f"roster of {case.case_id}, so cannot verify its erasure",
                      f"{st.name(person_id)} はこの業務の取扱責任者ではありません",
                      "--verified-by names the responsible handler on the case's roster")


def require_receiver(st: State, certificate: Row, receiving_org: str) -> None:
    """The ward receives every certificate; a sub-contractor's also goes to its contractor."""
    parent = st.org(certificate.org_id).parent_id
    allowed = st.is_ward(receiving_org) or receiving_org == parent
    if not allowed:
        raise refuse(NOT_RECEIVING_PARTY, receiving_org,
                      f"{st.label(receiving_org)} does not receive the erasure certificate "
                      f"{certificate.certificate_id} of {st.label(certificate.org_id)}: the "
                      "ward does, and for a sub-contractor's, its contractor too",
                      "消去証明書を受領するのは区（再委託先のものは委託先も）です",
                      "record the receipt as ward staff (or as the contractor of the sub-contractor)")
    side = "ward" if st.is_ward(receiving_org) else "contractor"
    received_at = getattr(certificate, f"{side}_received_at")
    if received_at is not None:
        raise refuse(CERTIFICATE_ALREADY_RECEIVED, certificate.certificate_id,
                      f"{certificate.certificate_id} was already received by "
                      f"{st.label(getattr(certificate, f'{side}_received_by'))} at {received_at}",
                      f"{certificate.certificate_id} は受領済みです",
                      f"nothing to do; see `handover history {certificate.certificate_id}`")


def require_received_by_ward(certificate: Row) -> None:
    if certificate.ward_received_at is None:
        raise refuse(CERTIFICATE_NOT_RECEIVED, certificate.certificate_id,
                      f"{certificate.certificate_id} has not been received by the ward yet; "
                      "the ward checks an erasure it has the certificate of",
                      f"{certificate.certificate_id} はまだ区が受領していません",
                      f"record its receipt first: `handover erasure receive "
                      f"{certificate.certificate_id}`")


def _received(st: State, case: Row) -> list[Row]:
    return [c for c in st.erasures(case.case_id) if c.ward_received_at is not None]


def require_lgwan_files_erased(st: State, case: Row) -> None:
    """Every LGWAN file sent out is named, by itself or its package, on a certificate of the
    organisation holding it that the ward received."""
    covered: dict[str, set[str]] = {}
    for c in _received(st, case):
        covered.setdefault(c.org_id, set()).update(c.sources.split())
    missing = [i.item_id for i in st.items(case_id=case.case_id)
               if i.kind == ev.MEDIUM and i.medium_kind == ev.LGWAN_FILE
               and not st.is_ward(i.holder_org)
               and not {i.item_id, i.package_id} & covered.get(i.holder_org, set())]
    if missing:
        raise refuse(LGWAN_FILE_NOT_ERASED, missing[0],
                      f"case {case.case_id} has {len(missing)} LGWAN file(s) not covered by an "
                      f"erasure certificate the ward received: {', '.join(missing)}",
                      f"消去証明書の受領がないLGWANファイルが{len(missing)}件あります",
                      "have the holder record the erasure (`handover erasure record`) and record "
                      "its receipt (`handover erasure receive`), or give --override-reason")


def require_certificates(st: State, case: Row) -> None:
    """Every contractor and sub-contractor ever handed the case's data submitted a
    certificate that the ward received."""
    certified = {c.org_id for c in _received(st, case)}
    missing = [o for o in st.orgs_that_held_data(case.case_id) if o not in certified]
    if missing:
        raise refuse(ERASURE_CERTIFICATE_MISSING, missing[0],
                      f"no erasure certificate received from {', '.join(st.label(o) for o in missing)}, "
                      f"which held data of case {case.case_id}",
                      f"{'、'.join(st.name(o) for o in missing)} から消去証明書を受領していません",
                      "record the erasure and its receipt, or give --override-reason")


def close_out_checks(st: State, case: Row) -> tuple[tuple, ...]:
    """The close-out gate, as `(rule_fn, *args)` checks: every medium and notice back,
    every handover confirmed, no incident open, every LGWAN file and every holder certified,
    every visit round closed."""
    return ((require_no_items_out, st, case),
            *((require_confirmed, st, case, h) for h in st.handovers(case.case_id)),
            (require_no_open_incidents, st, case),
            (require_lgwan_files_erased, st, case),
            (require_certificates, st, case),
            (require_rounds_closed, st, case))


def unmet_close_out(st: State, case: Row) -> list[PolicyViolation]:
    """What still stands between an open case and its closing, for reports: the refusals
    the gate would give today, none if it would close cleanly."""
    unmet = []
    for rule_fn, *args in close_out_checks(st, case):
        try:
            rule_fn(*args)
        except PolicyViolation as v:
            unmet.append(v)
    return unmet
