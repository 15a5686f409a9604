"""Registering who and what takes part: organisations, people and their roles, locked
cabinets with their key holders, and the workstations designated to seal data.

Only ward staff register. The very first organisation and staff member are created together
by `bootstrap`, allowed only on an empty log: the bootstrapping person is the actor of their
own registration, so even that entry names a person, and it enrols their first credential,
which signs the bootstrap's entries (docs/signatures.md, "Bootstrap").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from handover import ids
from handover.actions.credentials import NewCredential, keep_wrapped, registration
from handover.errors import HandoverError
from handover.model import events as ev
from handover.model.journal import Journal, Recorded, Tx, record


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise HandoverError(f"{what} is empty", f"give the {what}")
    if len(value) > 200:
        raise HandoverError(f"{what} is longer than 200 characters")
    return value


@dataclass(frozen=True)
class Bootstrapped:
    ward_org_id: str
    staff_id: str


def bootstrap(journal: Journal, ward_name: str, staff_name: str,
              credential: NewCredential) -> Recorded[Bootstrapped]:
    """The ward's section and its first staff member with their first credential, on an
    empty log. The new credential registers itself first and signs every entry after it;
    the journal then lets that staff member act."""
    ward_name, staff_name = _text(ward_name, "ward section name"), _text(staff_name, "staff name")
    org_id, person_id = ids.new_id("O"), ids.new_id("U")

    def build(tx: Tx):
        # The rules (an empty log, the credential's proof): policy/acts.py, checked by record.
        enrolled = registration(journal.log, credential, person_id, person_id, tx.now.isoformat())
        return [enrolled, ev.OrganisationRegistered(org_id, ward_name, ev.WARD),
                ev.PersonRegistered(person_id, staff_name, org_id, [ev.STAFF])], \
            Bootstrapped(org_id, person_id)

    journal.unlocked(credential.signer(person_id))
    try:
        return record(journal, person_id, build, bootstrap=True,
                      also=keep_wrapped(journal.log, credential))
    except BaseException:
        journal.signers.pop(person_id, None)
        raise


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
        return [ev.CabinetRegistered(cabinet_id, name, org_id, location.strip(), holders)], cabinet_id

    return record(journal, actor, build)


def change_key_holders(journal: Journal, actor: str, cabinet_id: str,
                       key_holders: Iterable[str], reason: str) -> Recorded[None]:
    cabinet_id = ids.parse_id(cabinet_id, "cabinet")
    holders = list(dict.fromkeys(ids.parse_id(h, "person") for h in key_holders))
    if not holders:
        raise HandoverError("a locked cabinet needs at least one key holder")

    def build(tx: Tx):
        return [ev.CabinetKeyHoldersChanged(cabinet_id, holders, reason.strip())], None

    return record(journal, actor, build)


def register_workstation(journal: Journal, actor: str, hostname: str, name: str = "",
                         cases: Iterable[str] = (), org_id: str | None = None) -> Recorded[str]:
    """A computer allowed to seal data, identified by its host name, designated for `cases`.
    `org_id`: a contractor whose computer it is (it seals that contractor's reports to the
    ward); by default the ward's own."""
    hostname = _text(hostname, "host name")
    case_ids = [ids.parse_id(c, "case") for c in cases]
    org = ids.parse_id(org_id, "organisation") if org_id else None
    workstation_id = ids.new_id("W")

    def build(tx: Tx):
        owner = org
        if owner is not None and tx.state.is_ward(owner):
            owner = None      # the ward's own, as before the field existed
        return [ev.WorkstationRegistered(workstation_id, hostname, name.strip(), owner),
                *(ev.WorkstationAuthorised(workstation_id, c) for c in case_ids)], workstation_id

    return record(journal, actor, build)


def authorise_workstation(journal: Journal, actor: str, workstation_id: str,
                          case_id: str) -> Recorded[None]:
    workstation_id = ids.parse_id(workstation_id, "workstation")
    case_id = ids.parse_id(case_id, "case")

    def build(tx: Tx):
        if tx.state.workstation_authorised(workstation_id, case_id):
            return [], None
        return [ev.WorkstationAuthorised(workstation_id, case_id)], None

    return record(journal, actor, build)
