"""Cases and workstations: open cases, their contractors and rosters, designated computers."""

from __future__ import annotations

from handover.model import events as ev
from handover.model.policy.rules import (CASE_CLOSED, ITEMS_OUTSTANDING, NOT_A_CONTRACTOR,
                                         NOT_ON_ROSTER, RESPONSIBLE_REQUIRED,
                                         UNCONFIRMED_HANDOVERS, WORKSTATION_NOT_REGISTERED, refuse)
from handover.model.state import Row, State


def require_open_case(st: State, case_id: str) -> Row:
    """The case `case_id`, refused if it is closed."""
    case = st.case(case_id)
    require_open(case)
    return case


def require_case_contractors(st: State, orgs: list[str]) -> None:
    for org in orgs:
        if st.is_ward(org):
            raise refuse(NOT_A_CONTRACTOR, org, f"{st.label(org)} is the ward, not a contractor",
                          f"{st.name(org)} は区の組織です", "--contractor names a contractor")


def require_member_of(st: State, person_id: str, orgs: list[str]) -> None:
    """A roster names people of the case's contractors only."""
    person = st.person(person_id)
    if person.org_id not in orgs:
        raise refuse(NOT_ON_ROSTER, person_id,
                      f"{st.label(person_id)} is of {st.label(person.org_id)}, which is not a "
                      "contractor of this case",
                      f"{person.name} はこの業務の委託先の者ではありません",
                      "add the organisation with --contractor, or roster someone else")


def require_rostered(st: State, case_id: str, person_id: str) -> None:
    if st.roster_role(case_id, person_id) is None:
        raise refuse(NOT_ON_ROSTER, person_id,
                      f"{st.label(person_id)} is not on the roster of {case_id}",
                      f"{st.name(person_id)} は名簿に登載されていません",
                      "see the roster with `handover status --case CASE`")


def require_responsible(roster: dict[str, str]) -> None:
    """A roster keeps at least one 取扱責任者. `roster` is {person ID: role}."""
    if ev.ROSTER_RESPONSIBLE not in roster.values():
        raise refuse(RESPONSIBLE_REQUIRED, ", ".join(roster) or "-",
                      "the roster would have no 取扱責任者 left",
                      "取扱責任者がいなくなります",
                      "add another responsible handler in the same change")


def require_open(case: Row) -> None:
    if case.status != "open":
        raise refuse(CASE_CLOSED, case.case_id,
                      f"case {case.name} ({case.case_id}) is closed; nothing more can be done on it",
                      f"業務「{case.name}」は終了しています",
                      "open a new case for new work")


def require_workstation(st: State, case: Row, hostname: str, org_id: str | None = None) -> Row:
    """Only designated computers write personal data to media (004 システム上の対策 1), and
    each organisation its own: the ward's for its data, a contractor's for its reports to the
    ward (受託事業者 6). `org_id`: the sealer's organisation; None for the ward."""
    ws = st.workstation_by_host(hostname)
    if ws is None or not st.workstation_authorised(ws.workstation_id, case.case_id):
        what = "is not a registered workstation" if ws is None else \
            f"({ws.workstation_id}) is not designated for case {case.case_id}"
        raise refuse(WORKSTATION_NOT_REGISTERED, hostname,
                      f"this computer {hostname} {what}; it may not seal data for {case.name}",
                      f"この端末 {hostname} は業務「{case.name}」の個人情報を記録できる端末として登録されていません",
                      "seal on a designated computer, or have it designated with "
                      "`handover register workstation HOST --case CASE`")
    ward_side = org_id is None or st.is_ward(org_id)
    owner_ward = ws.org_id is None or st.is_ward(ws.org_id)
    if (ward_side and not owner_ward) or (not ward_side and ws.org_id != org_id):
        owner = "the ward" if owner_ward else st.label(ws.org_id)
        sealer = "the ward" if ward_side else st.label(org_id)
        raise refuse(WORKSTATION_NOT_REGISTERED, hostname,
                      f"this computer {hostname} ({ws.workstation_id}) is registered for "
                      f"{owner}, not for {sealer}; it may not seal {sealer}'s data",
                      f"この端末 {hostname} は{'区' if owner_ward else st.name(ws.org_id)}の端末で、"
                      f"{'区' if ward_side else st.name(org_id)}の個人情報を記録できる端末ではありません",
                      "seal on a computer registered for your own organisation "
                      "(`handover register workstation HOST --org ORG --case CASE`)")
    return ws


def require_no_items_out(st: State, case: Row) -> None:
    # LGWAN files are erased, not returned: require_lgwan_files_erased covers them.
    out = [i.item_id for i in st.items(case_id=case.case_id)
           if i.kind != ev.ENVELOPES and i.medium_kind != ev.LGWAN_FILE
           and not st.is_ward(i.holder_org)]
    if out:
        raise refuse(ITEMS_OUTSTANDING, out[0],
                      f"case {case.case_id} still has {len(out)} item(s) with a contractor: "
                      f"{', '.join(out)}",
                      f"未返却の媒体・通知書が{len(out)}件あります")


def require_confirmed(st: State, case: Row, handover: Row) -> None:
    """A closed case accepts nothing, not even a confirmation: close it once every handover
    has been confirmed by its receiving party (004 受託事業者 11)."""
    if handover.confirmed_by is None:
        raise refuse(UNCONFIRMED_HANDOVERS, handover.handover_id,
                      f"{handover.handover_id} of case {case.case_id} is not yet confirmed by "
                      f"the receiving party {st.label(handover.to_org)}; once the case is "
                      "closed it never can be",
                      f"{handover.handover_id} は受領側の確認が済んでいません")
