"""Every rule an entry must meet, one check per kind of event: `check` is what `journal.record`
runs before appending each event an action built, and what `model.replay` runs over every
entry of the log (issue 13 §1). One function per kind, so a rule cannot be enforced at write
time and forgotten by the auditor's replay, or the other way round.

A check sees only the state before the entry, the entry's actor, its recorded time (`when`,
the writer's clock at recording), its origin (the workstation's host, recorded in the
payload) and the events recorded after it in the same act (`following`: an LGWAN provide is
recorded together with the transfer that carries its hash). No clock, no settings, no host
of its own: replaying a log gives the same verdicts on any machine, any day.

A check returns the overrides it used: rules an event's `override_reason` let through.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Callable, Sequence

from handover.clock import JST
from handover.errors import NotFound
from handover.model import events as ev
from handover.model.policy import (cabinets, cases, erasures, handovers, incidents,
                                   inspections, lgwan, people, print_logs, reports,
                                   signatures, visit_lists, visit_rounds)
from handover.model.policy.rules import Overrides
from handover.model.state import Row, State

Check = Callable[..., None]


def check(st: State, actor_id: str, when: dt.datetime, event: ev.Event, origin: dict | None,
          following: Sequence[ev.Event] = ()) -> list[dict]:
    """Refuse `event` (PolicyViolation, NotFound) if any rule forbids it; else the overrides
    its recorded reason used, [{"rule", "item", "message"}]."""
    _require_actor(st, actor_id, event)
    overrides = Overrides(getattr(event, "override_reason", None))
    _CHECKS[event.KIND](_Act(st, actor_id, when.astimezone(JST), (origin or {}).get("host"),
                             tuple(following), overrides), event)
    return overrides.used


def with_overrides(event: ev.Event, used: list[dict]) -> ev.Event:
    """The event as recorded: the overrides its reason was used for, and the reason only if
    it was used."""
    if not hasattr(event, "overrides"):
        return event
    reason = (event.override_reason or "").strip() or None
    return dataclasses.replace(event, overrides=used, override_reason=reason if used else None)


def unrecorded_overrides(event: ev.Event, used: list[dict]) -> list[dict]:
    """Overrides a replay needed that the entry does not list: a reason alone is not enough,
    the entry names each rule and item it was recorded past."""
    listed = {(o.get("rule"), o.get("item")) for o in getattr(event, "overrides", ())}
    return [u for u in used if (u["rule"], u["item"]) not in listed]


class _Act:
    """What one check reads besides the event."""
    __slots__ = ("st", "actor_id", "when", "host", "following", "overrides")

    def __init__(self, st: State, actor_id: str, when: dt.datetime, host: str | None,
                 following: tuple[ev.Event, ...], overrides: Overrides):
        self.st, self.actor_id, self.when, self.host = st, actor_id, when, host
        self.following, self.overrides = following, overrides

    @property
    def actor(self) -> Row:
        return self.st.person(self.actor_id)


def _bootstrapping(st: State, actor_id: str, event: ev.Event) -> bool:
    """The very first entries: the ward's section, then its first staff member, registered by
    themselves. The checks then allow them only on a log with nobody in it yet."""
    if st.find_person(actor_id) is not None:
        return False
    return isinstance(event, ev.OrganisationRegistered) or \
        (isinstance(event, (ev.PersonRegistered, ev.CredentialRegistered))
         and event.person_id == actor_id)


def _require_actor(st: State, actor_id: str, event: ev.Event) -> None:
    if st.find_person(actor_id) is None and not _bootstrapping(st, actor_id, event):
        raise NotFound(f"acting person {actor_id} is not registered / "
                       f"{actor_id} は登録されていない担当者です",
                       "check --as / HANDOVER_ACTOR; see `handover register list`")


# --- registry --------------------------------------------------------------------------------

def _organisation(a: _Act, e: ev.OrganisationRegistered) -> None:
    if _bootstrapping(a.st, a.actor_id, e):
        people.require_empty_log(a.st)
        return
    people.require_staff(a.st, a.actor_id, "register organisations")
    if e.parent_id is not None:
        people.require_contractor(a.st, e.parent_id, "be a sub-contractor's --parent")


def _person(a: _Act, e: ev.PersonRegistered) -> None:
    if _bootstrapping(a.st, a.actor_id, e):
        people.require_nobody_yet(a.st)
    else:
        people.require_staff(a.st, a.actor_id, "register people")
    people.require_roles_fit(a.st, e.org_id, list(e.roles))


def _cabinet(a: _Act, e: ev.CabinetRegistered) -> None:
    people.require_staff(a.st, a.actor_id, "register cabinets")
    a.st.org(e.org_id)
    people.require_holders_of(a.st, e.org_id, list(e.key_holders))


def _key_holders(a: _Act, e: ev.CabinetKeyHoldersChanged) -> None:
    people.require_staff(a.st, a.actor_id, "change key holders")
    people.require_holders_of(a.st, a.st.cabinet(e.cabinet_id).org_id, list(e.key_holders))


def _workstation(a: _Act, e: ev.WorkstationRegistered) -> None:
    people.require_staff(a.st, a.actor_id, "register workstations")
    people.require_new_host(a.st, e.hostname)


def _authorised(a: _Act, e: ev.WorkstationAuthorised) -> None:
    people.require_staff(a.st, a.actor_id, "designate workstations")
    a.st.workstation(e.workstation_id)
    cases.require_open_case(a.st, e.case_id)


# --- credentials (issue 12) ---------------------------------------------------------------------

def _credential(a: _Act, e: ev.CredentialRegistered) -> None:
    """Staff enrol a person's credential in person; at `init`, the first staff member enrols
    their own, on a log with nobody in it. Either way the new key proves possession."""
    if _bootstrapping(a.st, a.actor_id, e):
        people.require_nobody_yet(a.st)
    else:
        people.require_staff(a.st, a.actor_id, "enrol credentials")
        a.st.person(e.person_id)
    signatures.require_proof(a.st.log, e)


def _credential_revoked(a: _Act, e: ev.CredentialRevoked) -> None:
    signatures.require_may_revoke(a.st, a.actor_id, a.st.credential(e.credential_id))


# --- cases -----------------------------------------------------------------------------------

def _roster_member(st: State, member, orgs: list[str]) -> None:
    cases.require_member_of(st, member["person_id"], orgs)
    # A contractor's courier carries media, so it is rostered as a 取扱者 too.
    need = (ev.RESPONSIBLE,) if member["role"] == ev.ROSTER_RESPONSIBLE else \
        (ev.HANDLER, ev.RESPONSIBLE, ev.COURIER)
    people.require_role(st, member["person_id"], *need,
                        doing=f"be on a roster as {member['role']}")


def _case(a: _Act, e: ev.CaseOpened) -> None:
    people.require_staff(a.st, a.actor_id, "open cases")
    cases.require_case_contractors(a.st, list(e.contractors))
    for member in e.roster:
        _roster_member(a.st, member, list(e.contractors))
    cases.require_responsible({m["person_id"]: m["role"] for m in e.roster})


def _roster(a: _Act, e: ev.RosterChanged) -> None:
    st = a.st
    people.require_staff(st, a.actor_id, "change rosters")
    cases.require_open_case(st, e.case_id)
    orgs = st.case_orgs(e.case_id)
    for member in e.added:
        _roster_member(st, member, orgs)
    for person in e.removed:
        cases.require_rostered(st, e.case_id, person)
    current = {r.person_id: r.role for r in st.roster(e.case_id)}
    for person in e.removed:
        current.pop(person, None)
    current.update({m["person_id"]: m["role"] for m in e.added})
    cases.require_responsible(current)


def _closed(a: _Act, e: ev.CaseClosed) -> None:
    """The close-out gate: every unmet condition is named, and a recorded reason overrides."""
    st = a.st
    people.require_staff(st, a.actor_id, "close cases")
    case = cases.require_open_case(st, e.case_id)
    a.overrides.check_all(*erasures.close_out_checks(st, case))   # the report's own list


# --- sealing and cabinets --------------------------------------------------------------------

def _sealing_case(a: _Act, case_id: str, report: bool) -> Row:
    """Staff seal the ward's extracts; a rostered handler of the contractor seals a report for
    the ward (004 受託事業者 6)."""
    if report:
        case = cases.require_open_case(a.st, case_id)
        reports.require_report_sealer(a.st, case, a.actor_id)
        people.require_on_roster(a.st, case, a.actor_id, "seal a report of its data")
    else:
        people.require_staff(a.st, a.actor_id, "seal data")
        case = cases.require_open_case(a.st, case_id)
        people.require_on_roster(a.st, case, a.actor_id, "seal its data")
    return case


def _sealed(a: _Act, e: ev.PackageSealed) -> None:
    case = _sealing_case(a, e.case_id, e.report)
    cases.require_workstation(a.st, case, a.host or "", a.actor.org_id)


def _medium(a: _Act, e: ev.MediumRegistered) -> None:
    _sealing_case(a, e.case_id, bool(a.st.package(e.package_id).report))
    handovers.require_package_of_case(a.st, e.package_id, a.st.case(e.case_id))


def _notice(a: _Act, e: ev.NoticeIssued) -> None:
    _sealing_case(a, e.case_id, bool(a.st.package(e.package_id).report))
    handovers.require_package_of_case(a.st, e.package_id, a.st.case(e.case_id))


def _stored(a: _Act, e: ev.ItemStored) -> None:
    st = a.st
    item, cabinet = st.tracked_item(e.item_id), st.cabinet(e.cabinet_id)
    case = cases.require_open_case(st, item.case_id)
    people.require_on_roster(st, case, a.actor_id, "handle its items")
    cabinets.require_key_holder(st, cabinet, a.actor_id)
    cabinets.require_tracked(item, "tracked in cabinets")
    cabinets.require_not_in(item, cabinet)
    cabinets.require_taken_out_by_key_holder(st, item, a.actor_id)
    cabinets.require_possession(st, item, cabinet)
    cabinets.require_separate_cabinet(st, item, cabinet)


# --- handovers -------------------------------------------------------------------------------

def _recorder(st: State, case: Row, actor_id: str, moment: str) -> None:
    """Ward staff of the case's section record handovers; between two contractors, or for a
    report the contractor brings (the ward then confirms it), a rostered handler may."""
    if moment in (ev.TRANSFER, ev.REPORT) and not st.is_ward(st.person(actor_id).org_id):
        people.require_on_roster(st, case, actor_id, f"record a {moment}")
    else:
        people.require_staff(st, actor_id, "record handovers")
        people.require_on_roster(st, case, actor_id, "record its handovers")


def _courier(st: State, case: Row, courier: str) -> None:
    if st.is_ward(st.person(courier).org_id):
        people.require_role(st, courier, ev.COURIER, ev.STAFF, doing="carry media")
    else:
        people.require_on_roster(st, case, courier, "carry its media")


def _sent_with_hash(a: _Act, e: ev.HandoverRecorded) -> bool:
    """An LGWAN file goes out only with the transfer that records its hash, in the same act."""
    return any(isinstance(f, ev.LgwanFileSent) and f.handover_id == e.handover_id
               for f in a.following)


def _handover(a: _Act, e: ev.HandoverRecorded) -> None:
    st = a.st
    case = cases.require_open_case(st, e.case_id)
    _recorder(st, case, a.actor_id, e.moment)
    sender, receiver = st.person(e.from_person), st.person(e.to_person)
    handovers.require_direction(st, case, e.moment, sender.org_id, receiver.org_id)
    if e.moment == ev.REPORT:
        reports.require_report_method(e.method)
    people.require_on_roster(st, case, e.from_person, "hand over its media")
    people.require_on_roster(st, case, e.to_person, "receive its media")
    if e.courier:
        _courier(st, case, e.courier)
    handovers.require_happened(e.handover_id, e.occurred_at, a.when)
    items = [st.tracked_item(i) for i in e.items]
    for item in items:
        handovers.require_item_of_case(item, case)
        cabinets.require_tracked(item, "handed on")
        reports.require_report_moment(st, item, e.moment)
        handovers.require_method(item, e.method)
        lgwan.require_lgwan_send(item, e.moment, _sent_with_hash(a, e))
        handovers.require_moment_fits(st, item, e.moment, sender.org_id)
        cabinets.require_taken_out_by_key_holder(st, item, sender.person_id)
        handovers.require_in_order(st, item, e.occurred_at)
    handovers.require_not_together(items)
    earlier = st.counterpart_handovers(items)       # one read for all items, not two each
    for item in items:
        a.overrides.check(handovers.check_interval, st, case, item, receiver.org_id,
                          e.occurred_at, earlier[item.item_id])
        a.overrides.check(handovers.check_courier, st, item, e.courier, earlier[item.item_id])
    if e.envelopes:
        handovers.require_paper_method(e.method)
    for batch in e.envelopes:
        handovers.require_package_of_case(st, batch["package_id"], case)
        a.overrides.check(handovers.check_envelopes, st, batch["package_id"], batch["count"])


def _confirmed(a: _Act, e: ev.HandoverConfirmed) -> None:
    st = a.st
    handover = st.handover(e.handover_id)
    case = cases.require_open_case(st, handover.case_id)
    handovers.require_receiving_party(st, handover, a.actor_id)
    # Confirming is receiving: only the receiving side's rostered people (or the case's
    # ward staff) may say the items arrived.
    people.require_on_roster(st, case, a.actor_id, "confirm receipt of its items")


def _reprinted(a: _Act, e: ev.ConfirmationReprinted) -> None:
    a.st.handover(e.handover_id)


def _remark(a: _Act, e: ev.RemarkRecorded) -> None:
    """Any registered person may remark (checked for every entry)."""


# --- incidents -------------------------------------------------------------------------------

def _incident(a: _Act, e: ev.IncidentReported) -> None:
    st = a.st
    case = cases.require_open_case(st, e.case_id)
    if e.source == ev.BY_OVERDUE:
        people.require_staff(st, a.actor_id, "run the overdue check")
    else:
        people.require_on_roster(st, case, a.actor_id, "report its incidents")
    for item_id in e.items:
        if item_id.startswith("L"):     # a visit list lost on a round
            visit_rounds.require_list_of_case(st.visit_list(item_id), case)
        else:
            handovers.require_item_of_case(st.tracked_item(item_id), case)


def _incident_of(a: _Act, incident_id: str, doing: str) -> None:
    incident = a.st.incident(incident_id)
    people.require_on_roster(a.st, a.st.case(incident.case_id), a.actor_id, doing)
    incidents.require_incident_open(incident)


def _followed_up(a: _Act, e: ev.IncidentFollowedUp) -> None:
    _incident_of(a, e.incident_id, "follow up its incidents")


def _incident_closed(a: _Act, e: ev.IncidentClosed) -> None:
    people.require_staff(a.st, a.actor_id, "close incidents")
    _incident_of(a, e.incident_id, "close its incidents")


# --- LGWAN -----------------------------------------------------------------------------------

def _lgwan_sent(a: _Act, e: ev.LgwanFileSent) -> None:
    st = a.st
    case = st.case(e.case_id)
    cases.require_workstation(st, case, a.host or "")
    medium = st.item(e.medium_id)
    lgwan.require_file_is_package(st.package(medium.package_id), e.file_name, e.sha256)


def _lgwan_received(a: _Act, e: ev.LgwanFileReceived) -> None:
    st = a.st
    transfer = st.lgwan_transfer(e.transfer_id)
    case = cases.require_open_case(st, transfer.case_id)
    people.require_on_roster(st, case, a.actor_id, "confirm receipt of its files")
    lgwan.require_file_is_package(st.package(transfer.package_id), transfer.file_name, e.sha256)


# --- print logs and split visit lists (issue 11) -----------------------------------------------

def _print_allowance(a: _Act, e: ev.PrintAllowanceSet) -> None:
    people.require_staff(a.st, a.actor_id, "designate print counts")
    cases.require_open_case(a.st, e.case_id)


def _print_log(a: _Act, e: ev.PrintLogImported) -> None:
    case = cases.require_open_case(a.st, e.case_id)
    people.require_on_roster(a.st, case, a.actor_id, "submit print logs")
    print_logs.require_print_allowance(a.st, case)


def _print_excess(a: _Act, e: ev.PrintExcessExplained) -> None:
    submission = a.st.print_log(e.submission_id)
    cases.require_open_case(a.st, submission.case_id)
    cases.require_rostered(a.st, submission.case_id, a.actor_id)
    print_logs.require_excess(submission)
    print_logs.require_unexplained(submission)


def _visit_list(a: _Act, e: ev.VisitListRegistered) -> None:
    case = cases.require_open_case(a.st, e.case_id)
    people.require_on_roster(a.st, case, a.actor_id, "make visit lists")
    cases.require_workstation(a.st, case, a.host or "")
    for other in a.following:   # the other half, recorded with it
        if isinstance(other, ev.VisitListRegistered) and other.list_id == e.paired_with:
            halves = {e.half: list(e.columns), other.half: list(other.columns)}
            visit_lists.require_columns_apart(halves.get("A", []), halves.get("B", []))


# --- visit rounds and the 授受簿 (issue 11 §2) ---------------------------------------------------

def _round_started(a: _Act, e: ev.VisitRoundStarted) -> None:
    st = a.st
    case = cases.require_open_case(st, e.case_id)
    people.require_on_roster(st, case, a.actor_id, "issue its visit lists")
    visit_rounds.require_pair(list(e.visitors))
    for visitor in e.visitors:
        people.require_on_roster(st, case, visitor, "go on its visits")
    visit_rounds.require_visit_date(case, dt.date.fromisoformat(e.visit_date), a.when.date())
    visit_rounds.require_count(e.count, list(e.lists))
    for issued in e.lists:
        lst = st.visit_list(issued["list_id"])
        visit_rounds.require_list_of_case(lst, case)
        visit_rounds.require_issuable(st, lst)
    visit_rounds.require_to_visitors(e.lists, list(e.visitors))
    visit_rounds.require_halves_apart(st, e.lists)


def _open_round(a: _Act, round_id: str, doing: str) -> Row:
    rnd = a.st.visit_round(round_id)
    case = cases.require_open_case(a.st, rnd.case_id)
    people.require_on_roster(a.st, case, a.actor_id, doing)
    visit_rounds.require_round_open(rnd)
    return rnd


def _lists_returned(a: _Act, e: ev.VisitListsReturned) -> None:
    rnd = _open_round(a, e.round_id, "take back its visit lists")
    visit_rounds.require_count(e.count, list(e.lists))
    for list_id in e.lists:
        visit_rounds.require_out_on(a.st, rnd, list_id)


def _round_closed(a: _Act, e: ev.VisitRoundClosed) -> None:
    rnd = _open_round(a, e.round_id, "close its visit rounds")
    reported = [f for f in a.following if isinstance(f, ev.IncidentReported)
                and f.incident_id == e.incident_id and f.case_id == rnd.case_id]
    visit_rounds.require_all_back(a.st, rnd, list(e.missing),
                                  list(reported[0].items) if reported else None)


# --- erasures and inspections ----------------------------------------------------------------

def _erasure(a: _Act, e: ev.ErasureRecorded) -> None:
    st = a.st
    case = cases.require_open_case(st, e.case_id)
    people.require_on_roster(st, case, a.actor_id, "certify the erasure of its data")
    org = a.actor.org_id
    erasures.require_contractor_of(st, case, org)
    for who, as_what in ((e.performed_by, "performer"), (e.verified_by, "verifier")):
        erasures.require_of_org(st, who, org, as_what)
        people.require_on_roster(st, case, who, f"be the erasure's {as_what}")
    erasures.require_verifier(st, case, e.verified_by)
    for s in e.sources:
        if s.startswith("P"):
            handovers.require_package_of_case(st, s, case)
        else:
            handovers.require_item_of_case(st.tracked_item(s), case)


def _erasure_received(a: _Act, e: ev.ErasureCertificateReceived) -> None:
    st = a.st
    certificate = st.erasure(e.certificate_id)
    case = st.case(certificate.case_id)
    cases.require_open(case)
    people.require_on_roster(st, case, a.actor_id, "receive its erasure certificates")
    erasures.require_receiver(st, certificate, a.actor.org_id)


def _erasure_checked(a: _Act, e: ev.ErasureChecked) -> None:
    st = a.st
    certificate = st.erasure(e.certificate_id)
    case = cases.require_open_case(st, certificate.case_id)
    people.require_staff(st, a.actor_id, "check erasures")
    people.require_on_roster(st, case, a.actor_id, "check its erasures")
    erasures.require_received_by_ward(certificate)


def _inspection(a: _Act, e: ev.InspectionRecorded) -> None:
    st = a.st
    people.require_staff(st, a.actor_id, "record inspections")
    case = cases.require_open_case(st, e.case_id)
    inspections.require_org_of_case(st, case, e.org_id)
    for person in e.inspectors:
        inspections.require_inspector(st, person)
    inspections.require_inspection_date(case, dt.date.fromisoformat(e.inspected_on),
                                        a.when.date())
    inspections.require_follow_ups(list(e.findings), list(e.follow_ups))


_CHECKS: dict[str, Callable[[_Act, ev.Event], None]] = {
    ev.OrganisationRegistered.KIND: _organisation, ev.PersonRegistered.KIND: _person,
    ev.CabinetRegistered.KIND: _cabinet, ev.CabinetKeyHoldersChanged.KIND: _key_holders,
    ev.WorkstationRegistered.KIND: _workstation, ev.WorkstationAuthorised.KIND: _authorised,
    ev.CaseOpened.KIND: _case, ev.RosterChanged.KIND: _roster, ev.CaseClosed.KIND: _closed,
    ev.PackageSealed.KIND: _sealed, ev.MediumRegistered.KIND: _medium,
    ev.NoticeIssued.KIND: _notice, ev.ItemStored.KIND: _stored,
    ev.HandoverRecorded.KIND: _handover, ev.HandoverConfirmed.KIND: _confirmed,
    ev.RemarkRecorded.KIND: _remark, ev.ConfirmationReprinted.KIND: _reprinted,
    ev.IncidentReported.KIND: _incident, ev.IncidentFollowedUp.KIND: _followed_up,
    ev.IncidentClosed.KIND: _incident_closed,
    ev.LgwanFileSent.KIND: _lgwan_sent, ev.LgwanFileReceived.KIND: _lgwan_received,
    ev.ErasureRecorded.KIND: _erasure, ev.ErasureCertificateReceived.KIND: _erasure_received,
    ev.ErasureChecked.KIND: _erasure_checked,
    ev.InspectionRecorded.KIND: _inspection,
    ev.CredentialRegistered.KIND: _credential, ev.CredentialRevoked.KIND: _credential_revoked,
    ev.PrintAllowanceSet.KIND: _print_allowance, ev.PrintLogImported.KIND: _print_log,
    ev.PrintExcessExplained.KIND: _print_excess, ev.VisitListRegistered.KIND: _visit_list,
    ev.VisitRoundStarted.KIND: _round_started, ev.VisitListsReturned.KIND: _lists_returned,
    ev.VisitRoundClosed.KIND: _round_closed,
}
assert set(_CHECKS) == set(ev.BY_KIND), "every event kind needs its check in policy/acts.py"
