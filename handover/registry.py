"""Registering who and what takes part: organisations, people and their roles, locked
cabinets with their key holders, and the workstations designated to seal data.

Only ward staff register. The very first organisation and staff member are created together
by `bootstrap`, allowed only on an empty log: the bootstrapping person is the actor of their
own registration, so even that entry names a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from handover import events as ev
from handover import ids, policy
from handover import projection as p
from handover.errors import HandoverError
from handover.journal import Journal, Recorded, Tx, record


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise HandoverError(f"{what} is empty", f"give the {what}")
    if len(value) > 200:
        raise HandoverError(f"{what} is longer than 200 characters")
    return value


def _require_staff(tx: Tx, doing: str) -> None:
    policy.require_role(tx.state, tx.actor_id, ev.STAFF, doing=doing)


@dataclass(frozen=True)
class Bootstrapped:
    ward_org_id: str
    staff_id: str


def bootstrap(journal: Journal, ward_name: str, staff_name: str) -> Recorded[Bootstrapped]:
    """The ward's section and its first staff member, on an empty log."""
    ward_name, staff_name = _text(ward_name, "ward section name"), _text(staff_name, "staff name")
    org_id, person_id = ids.new_id("O"), ids.new_id("U")

    def build(tx: Tx):
        if tx.state.org_count():
            raise HandoverError("this log already has registered organisations; init runs once",
                                "register further people with `handover register person --as …`")
        return [ev.OrganisationRegistered(org_id, ward_name, ev.WARD),
                ev.PersonRegistered(person_id, staff_name, org_id, [ev.STAFF])], \
            Bootstrapped(org_id, person_id)

    return record(journal, person_id, build, bootstrap=True)


def register_org(journal: Journal, actor: str, name: str, kind: str,
                 parent_id: str | None = None) -> Recorded[str]:
    name = _text(name, "organisation name")
    if kind not in ev.ORG_KINDS:
        raise HandoverError(f"unknown organisation kind {kind!r}",
                            f"use one of {', '.join(ev.ORG_KINDS)}")
    parent = ids.parse_id(parent_id, "organisation") if parent_id else None
    if (kind == ev.SUBCONTRACTOR) != (parent is not None):
        raise HandoverError("a sub-contractor names its contractor (--parent), and only a "
                            "sub-contractor does")
    org_id = ids.new_id("O")

    def build(tx: Tx):
        _require_staff(tx, "register organisations")
        if parent is not None and tx.state.org(parent).kind != ev.CONTRACTOR:
            raise HandoverError(f"{parent} is not a contractor", "--parent names the contractor")
        return [ev.OrganisationRegistered(org_id, name, kind, parent)], org_id

    return record(journal, actor, build)


def register_person(journal: Journal, actor: str, name: str, org_id: str,
                    roles: Iterable[str]) -> Recorded[str]:
    name = _text(name, "person's name")
    org_id = ids.parse_id(org_id, "organisation")
    roles = sorted(set(roles))
    if not roles:
        raise HandoverError("a person needs at least one role",
                            f"use --role with one of {', '.join(ev.PERSON_ROLES)}")
    for role in roles:
        if role not in ev.PERSON_ROLES:
            raise HandoverError(f"unknown role {role!r}", f"use {', '.join(ev.PERSON_ROLES)}")
    person_id = ids.new_id("U")

    def build(tx: Tx):
        _require_staff(tx, "register people")
        ward = tx.state.org(org_id).kind == ev.WARD
        allowed = {ev.STAFF, ev.AUDITOR, ev.COURIER} if ward else \
            {ev.HANDLER, ev.RESPONSIBLE, ev.COURIER}
        if not set(roles) <= allowed:
            raise HandoverError(
                f"roles {', '.join(roles)} do not fit {tx.state.label(org_id)}",
                "staff and auditors belong to the ward; handlers and responsible handlers "
                "to a contractor or sub-contractor")
        return [ev.PersonRegistered(person_id, name, org_id, roles)], person_id

    return record(journal, actor, build)


def register_cabinet(journal: Journal, actor: str, name: str, org_id: str,
                     key_holders: Iterable[str], location: str = "") -> Recorded[str]:
    name = _text(name, "cabinet name")
    org_id = ids.parse_id(org_id, "organisation")
    holders = list(dict.fromkeys(ids.parse_id(h, "person") for h in key_holders))
    if not holders:
        raise HandoverError("a locked cabinet needs at least one key holder", "use --key-holder")
    cabinet_id = ids.new_id("K")

    def build(tx: Tx):
        _require_staff(tx, "register cabinets")
        tx.state.org(org_id)
        for h in holders:
            if tx.state.person(h).org_id != org_id:
                raise HandoverError(f"key holder {tx.state.label(h)} is not of "
                                    f"{tx.state.label(org_id)}, which owns the cabinet")
        return [ev.CabinetRegistered(cabinet_id, name, org_id, location.strip(), holders)], cabinet_id

    return record(journal, actor, build)


def change_key_holders(journal: Journal, actor: str, cabinet_id: str,
                       key_holders: Iterable[str], reason: str) -> Recorded[None]:
    cabinet_id = ids.parse_id(cabinet_id, "cabinet")
    holders = list(dict.fromkeys(ids.parse_id(h, "person") for h in key_holders))
    if not holders:
        raise HandoverError("a locked cabinet needs at least one key holder")

    def build(tx: Tx):
        _require_staff(tx, "change key holders")
        cabinet = tx.state.cabinet(cabinet_id)
        for h in holders:
            if tx.state.person(h).org_id != cabinet.org_id:
                raise HandoverError(f"key holder {tx.state.label(h)} is not of the cabinet's "
                                    f"organisation {tx.state.label(cabinet.org_id)}")
        return [ev.CabinetKeyHoldersChanged(cabinet_id, holders, reason.strip())], None

    return record(journal, actor, build)


def register_workstation(journal: Journal, actor: str, hostname: str, name: str = "",
                         cases: Iterable[str] = ()) -> Recorded[str]:
    """A computer allowed to seal data, identified by its host name, designated for `cases`."""
    hostname = _text(hostname, "host name")
    case_ids = [ids.parse_id(c, "case") for c in cases]
    workstation_id = ids.new_id("W")

    def build(tx: Tx):
        _require_staff(tx, "register workstations")
        existing = tx.state.workstation_by_host(hostname)
        if existing is not None:
            raise HandoverError(f"host {hostname} is already registered as "
                                f"{existing.workstation_id}",
                                "designate it for a case with `handover case workstation`")
        out = [ev.WorkstationRegistered(workstation_id, hostname, name.strip())]
        for c in case_ids:
            policy.require_open(tx.state.case(c))
            out.append(ev.WorkstationAuthorised(workstation_id, c))
        return out, workstation_id

    return record(journal, actor, build)


def authorise_workstation(journal: Journal, actor: str, workstation_id: str,
                          case_id: str) -> Recorded[None]:
    workstation_id = ids.parse_id(workstation_id, "workstation")
    case_id = ids.parse_id(case_id, "case")

    def build(tx: Tx):
        _require_staff(tx, "designate workstations")
        tx.state.workstation(workstation_id)
        policy.require_open(tx.state.case(case_id))
        if tx.state.workstation_authorised(workstation_id, case_id):
            return [], None
        return [ev.WorkstationAuthorised(workstation_id, case_id)], None

    return record(journal, actor, build)


def list_registry(journal: Journal) -> dict[str, list[dict]]:
    """Everything registered, for `handover register list`."""
    with journal.reading() as st:
        def rows(table, *cols):
            return [{c: getattr(r, c) for c in cols} for r in st.list(table)]
        return {
            "organisations": rows(p.organisations, "org_id", "name", "kind", "parent_id"),
            "people": [dict(r, roles=r["roles"].split())
                       for r in rows(p.people, "person_id", "name", "org_id", "roles")],
            "cabinets": [dict(r, key_holders=r["key_holders"].split())
                         for r in rows(p.cabinets, "cabinet_id", "name", "org_id", "location",
                                       "key_holders")],
            "workstations": rows(p.workstations, "workstation_id", "hostname", "name"),
        }
