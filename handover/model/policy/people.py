"""Who may act: roles, rosters, and what the registry accepts."""

from __future__ import annotations


from handover.model import events as ev
from handover.model.policy.rules import (ALREADY_INITIALISED, ALREADY_REGISTERED,
                                         KEY_HOLDER_ELSEWHERE, NOT_A_CONTRACTOR, NOT_ON_ROSTER,
                                         ROLE_MISMATCH, ROLE_REQUIRED, refuse)
from handover.model.state import Row, State


def require_role(st: State, person_id: str, *roles: str, doing: str) -> None:
    have = st.roles(person_id)
    if not have & set(roles):
        wanted = " or ".join(roles)
        raise refuse(ROLE_REQUIRED, person_id,
                      f"{st.label(person_id)} may not {doing}: it needs the role {wanted}",
                      f"{st.name(person_id)} にはこの操作の権限がありません（{ev.ROLE_LABELS[roles[0]]}）",
                      "register the person with that role, or act as someone who has it")


def require_staff(st: State, person_id: str, doing: str) -> None:
    require_role(st, person_id, ev.STAFF, doing=doing)


def require_on_roster(st: State, case: Row, person_id: str, doing: str) -> None:
    """Only people on a case's roster receive, handle or return its media (004 受託事業者 3).
    Ward staff act for the ward and need the staff role instead."""
    person = st.person(person_id)
    if st.is_ward(person.org_id):
        require_role(st, person_id, ev.STAFF, doing=doing)
        if person.org_id != case.ward_org_id:
            raise refuse(NOT_ON_ROSTER, person_id,
                          f"{person.name} ({person_id}) is staff of {st.label(person.org_id)}, "
                          f"not of {st.label(case.ward_org_id)} which runs case {case.name} "
                          f"({case.case_id}), and may not {doing}",
                          f"{person.name} は業務「{case.name}」の担当課の職員ではありません",
                          f"act as staff of {st.name(case.ward_org_id)}")
        return
    if st.roster_role(case.case_id, person_id) is None:
        raise refuse(NOT_ON_ROSTER, person_id,
                      f"{person.name} ({person_id}) is not on the roster of case {case.name} "
                      f"({case.case_id}) and may not {doing}",
                      f"{person.name} は業務「{case.name}」の取扱者名簿に登載されていません",
                      "add them first with `handover case roster` (the contractor must report "
                      "every 取扱者 in advance), or hand over to someone on the roster")


def require_empty_log(st: State) -> None:
    if st.org_count():
        raise refuse(ALREADY_INITIALISED, st.log,
                      "this log already has registered organisations; init runs once",
                      "この台帳は初期設定済みです",
                      "register further people with `handover register person --as …`")


def require_nobody_yet(st: State) -> None:
    """The first staff member registers themselves only on a log where nobody is registered."""
    if st.person_count():
        raise refuse(ALREADY_INITIALISED, st.log,
                      "this log already has registered people; only the first registers "
                      "themselves",
                      "この台帳は初期設定済みです",
                      "register further people with `handover register person --as …`")


def require_contractor(st: State, org_id: str, doing: str) -> None:
    if st.org(org_id).kind != ev.CONTRACTOR:
        raise refuse(NOT_A_CONTRACTOR, org_id,
                      f"{st.label(org_id)} is not a contractor, so it cannot {doing}",
                      f"{st.name(org_id)} は委託先ではありません",
                      "name a contractor (registered with --kind contractor)")


def require_roles_fit(st: State, org_id: str, roles: list[str]) -> None:
    """Staff and auditors belong to the ward; handlers and responsible handlers to a
    contractor or sub-contractor; couriers to either."""
    allowed = {ev.STAFF, ev.AUDITOR, ev.COURIER} if st.is_ward(org_id) else \
        {ev.HANDLER, ev.RESPONSIBLE, ev.COURIER}
    if not set(roles) <= allowed:
        raise refuse(ROLE_MISMATCH, org_id,
                      f"roles {', '.join(roles)} do not fit {st.label(org_id)}",
                      f"この役割は{st.name(org_id)}の者には登録できません",
                      "staff and auditors belong to the ward; handlers and responsible "
                      "handlers to a contractor or sub-contractor")


def require_holders_of(st: State, org_id: str, holders: list[str]) -> None:
    """A locked cabinet's keys are held by people of the organisation that owns it."""
    for h in holders:
        if st.person(h).org_id != org_id:
            raise refuse(KEY_HOLDER_ELSEWHERE, h,
                          f"key holder {st.label(h)} is not of {st.label(org_id)}, which owns "
                          "the cabinet",
                          f"{st.name(h)} はキャビネットを所有する組織の者ではありません",
                          "name key holders of the cabinet's own organisation")


def require_new_host(st: State, hostname: str) -> None:
    existing = st.workstation_by_host(hostname)
    if existing is not None:
        raise refuse(ALREADY_REGISTERED, hostname,
                      f"host {hostname} is already registered as {existing.workstation_id}",
                      f"端末 {hostname} は登録済みです",
                      "designate it for a case with `handover case workstation`")
