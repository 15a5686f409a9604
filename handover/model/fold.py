"""The fold: each event kind's step into the projection's tables (tables.py), and keeping
those tables current with the ledger.

`apply` uses only what the entry holds and what earlier entries put in the tables, never a
clock or a setting, so `rebuild` (delete every row of the log, refold from entry 0)
reproduces the tables exactly. `proj_meta.applied_size` says how many entries are folded in;
a writer that finds it behind (an entry appended by another tool) folds the rest first.
"""

from __future__ import annotations

import functools
import json
from typing import Callable

import datetime as dt

import sqlalchemy as sa

import ledger
from handover.clock import fiscal_year
from handover.errors import HandoverError, lifted
from handover.model import events as ev
from handover.model.tables import (TABLES, cabinets, case_orgs, case_workstations, cases,
                                   closing_overrides, credentials, erasures, handover_items,
                                   handovers, incident_followups, incidents, inspections, items,
                                   lgwan_transfers, meta, organisations, packages, people,
                                   print_allowances, print_jobs, print_logs, print_totals, roster,
                                   subject_entries, visit_lists, visit_round_lists,
                                   visit_rounds, workstations)


class _Batch:
    """Rows waiting to be inserted, many per statement (rebuild and catch-up fold entries by the
    thousand), and lookups of what no event changes once recorded: a person's organisation,
    a package's sealing entry, a cabinet's organisation."""

    LIMIT = 5000

    def __init__(self, conn: sa.Connection, insert_many: Callable | None = None,
                 update_keys: Callable | None = None):
        self.conn = conn
        self.insert_many = insert_many or (lambda table, rows: conn.execute(table.insert(), rows))
        self.update_keys = update_keys or functools.partial(_update_keys, conn)
        self.rows: dict[tuple[sa.Table, tuple[str, ...]], list[dict]] = {}
        self.pending = 0
        self.org_of_person: dict[str, str] = {}
        self.package_entry: dict[str, int] = {}
        self.org_of_cabinet: dict[str, str] = {}
        # The tables written since `take_written`: inserted into, and updated or deleted from
        # (what the rule replay forgets of what it read).
        self.inserted: set[str] = set()
        self.changed: set[str] = set()

    def add(self, table: sa.Table, values: dict) -> None:
        self.rows.setdefault((table, tuple(values)), []).append(values)
        self.pending += 1
        self.inserted.add(table.name)

    def take_written(self) -> tuple[set[str], set[str]]:
        """The names of the tables inserted into, and of those updated or deleted from, since
        the last call."""
        written = self.inserted, self.changed
        self.inserted, self.changed = set(), set()
        return written

    def waiting(self, table: sa.Table, column: str, keys: set[str]) -> list[dict]:
        """Rows of `table` not written yet whose `column` is one of `keys`, in insertion order."""
        return [row for (t, _), rows in self.rows.items() if t is table
                for row in rows if row[column] in keys]

    def entry_done(self) -> None:
        # Only between entries: an entry's rows are then all written or all waiting.
        if self.pending >= self.LIMIT:
            self.flush()

    def flush(self) -> None:
        for (table, _), rows in self.rows.items():
            self.insert_many(table, rows)
        self.rows.clear()
        self.pending = 0


class _Fold:
    """One entry applied to one log's tables. Inserts wait in the batch; reading `conn` (any
    query, update or delete of a step) first writes them, so a step always sees every earlier
    entry's rows."""

    def __init__(self, batch: _Batch, log: str, entry: ledger.Entry):
        self.batch, self.log, self.entry = batch, log, entry

    @property
    def conn(self) -> sa.Connection:
        self.batch.flush()
        return self.batch.conn

    def insert(self, table: sa.Table, **values) -> None:
        self.batch.add(table, dict(log=self.log, **values))

    def update(self, table: sa.Table, column: str, key: str, **values) -> None:
        """Set `values` in the row whose `column` is `key`."""
        self.update_all(table, column, [key], **values)

    def update_all(self, table: sa.Table, column: str, keys: list[str], **values) -> None:
        """Set `values` in every row whose `column` is one of `keys`."""
        self.batch.flush()
        self.batch.update_keys(table, column, self.log, keys, values)
        self.batch.changed.add(table.name)

    def update_where(self, table: sa.Table, where, **values) -> None:
        """Set `values` in the rows matching `where` (a statement built for the occasion)."""
        self.conn.execute(table.update().where(table.c.log == self.log, where).values(**values))
        self.batch.changed.add(table.name)

    def delete(self, table: sa.Table, where) -> None:
        self.conn.execute(table.delete().where(table.c.log == self.log, where))
        self.batch.changed.add(table.name)

    def subjects(self, *ids: str | None) -> None:
        for subject in dict.fromkeys(i for i in ids if i):
            self.insert(subject_entries, subject_id=subject, entry_index=self.entry.index)

    def org_of(self, person_id: str) -> str:
        known = self.batch.org_of_person
        if person_id not in known:
            known[person_id] = self.conn.execute(sa.select(people.c.org_id).where(
                people.c.log == self.log, people.c.person_id == person_id)).scalar_one()
        return known[person_id]

    def cabinet_org(self, cabinet_id: str) -> str:
        known = self.batch.org_of_cabinet
        if cabinet_id not in known:
            known[cabinet_id] = self.conn.execute(sa.select(cabinets.c.org_id).where(
                cabinets.c.log == self.log, cabinets.c.cabinet_id == cabinet_id)).scalar_one()
        return known[cabinet_id]

    def sealing_entry(self, package_id: str) -> int | None:
        known = self.batch.package_entry
        if package_id not in known:
            index = self.conn.execute(sa.select(packages.c.entry_index).where(
                packages.c.log == self.log, packages.c.package_id == package_id)).scalar()
            if index is None:
                return None
            known[package_id] = index
        return known[package_id]

    def package_of(self, item_id: str) -> str | None:
        return self.conn.execute(sa.select(items.c.package_id).where(
            items.c.log == self.log, items.c.item_id == item_id)).scalar_one()


def _update_keys(conn: sa.Connection, table: sa.Table, column: str, log: str, keys: list[str],
                 values: dict) -> None:
    """Set `values` in every row of `log` in `table` whose `column` is one of `keys`."""
    conn.execute(_update_statement(table, column, tuple(values)),
                 {"b_log": log, "b_keys": keys, **{f"b_{n}": v for n, v in values.items()}})


@functools.cache
def _update_statement(table: sa.Table, column: str, names: tuple[str, ...]) -> sa.Update:
    """An UPDATE of `names` by key, built once: the fold updates items and handovers for
    most entries, and building the statement cost more than running it."""
    return table.update().where(
        table.c.log == sa.bindparam("b_log"),
        table.c[column].in_(sa.bindparam("b_keys", expanding=True))).values(
        {name: sa.bindparam(f"b_{name}") for name in names})


@functools.cache
def _items_out_statement() -> sa.Select:
    """The items of a case held outside the ward, built once: every case closes. Unordered
    (the caller sorts): with ORDER BY item_id, SQLite, which has no statistics, walks the
    primary key over every item of the log instead of the case's index, so each close grew
    with the whole ward's items."""
    return sa.select(items.c.item_id).join(organisations, sa.and_(
        organisations.c.log == items.c.log, organisations.c.org_id == items.c.holder_org)).where(
        items.c.log == sa.bindparam("log"), items.c.case_id == sa.bindparam("case"),
        items.c.kind != ev.ENVELOPES, organisations.c.kind != ev.WARD)


@functools.cache
def _handover_items_statement() -> sa.Select:
    t = handover_items
    return sa.select(t.c.item_id).where(t.c.log == sa.bindparam("log"),
                                        t.c.handover_id == sa.bindparam("handover")) \
        .order_by(t.c.position)


def _organisation(f: _Fold, e: ev.OrganisationRegistered) -> None:
    f.insert(organisations, org_id=e.org_id, name=e.name, kind=e.kind, parent_id=e.parent_id,
             registered_at=f.entry.time)
    f.subjects(e.org_id)


def _person(f: _Fold, e: ev.PersonRegistered) -> None:
    f.insert(people, person_id=e.person_id, name=e.name, org_id=e.org_id,
             roles=" ".join(sorted(e.roles)), registered_at=f.entry.time)
    f.subjects(e.person_id)


def _cabinet(f: _Fold, e: ev.CabinetRegistered) -> None:
    f.insert(cabinets, cabinet_id=e.cabinet_id, name=e.name, org_id=e.org_id,
             location=e.location, key_holders=" ".join(e.key_holders),
             registered_at=f.entry.time)
    f.subjects(e.cabinet_id, *e.key_holders)


def _key_holders(f: _Fold, e: ev.CabinetKeyHoldersChanged) -> None:
    before = f.conn.execute(sa.select(cabinets.c.key_holders).where(
        cabinets.c.log == f.log, cabinets.c.cabinet_id == e.cabinet_id)).scalar_one().split()
    f.update(cabinets, "cabinet_id", e.cabinet_id, key_holders=" ".join(e.key_holders))
    f.subjects(e.cabinet_id, *before, *e.key_holders)   # who lost a key, and who got one


def _workstation(f: _Fold, e: ev.WorkstationRegistered) -> None:
    f.insert(workstations, workstation_id=e.workstation_id, hostname=e.hostname, name=e.name,
             org_id=e.org_id, registered_at=f.entry.time)
    f.subjects(e.workstation_id, e.org_id)


def _authorised(f: _Fold, e: ev.WorkstationAuthorised) -> None:
    f.insert(case_workstations, case_id=e.case_id, workstation_id=e.workstation_id,
             authorised_at=f.entry.time)
    f.subjects(e.workstation_id, e.case_id)


def _case(f: _Fold, e: ev.CaseOpened) -> None:
    f.insert(cases, case_id=e.case_id, name=e.name, ward_org_id=e.ward_org_id,
             period_start=e.period_start, period_end=e.period_end,
             separation_minutes=e.separation_minutes, status="open", opened_at=f.entry.time,
             closed_at=None, close_reason=None)
    for position, org in enumerate(e.contractors):
        f.insert(case_orgs, case_id=e.case_id, org_id=org, position=position)
    for member in e.roster:
        f.insert(roster, case_id=e.case_id, person_id=member["person_id"], role=member["role"],
                 since=f.entry.time)
    f.subjects(e.case_id, *e.contractors, *(m["person_id"] for m in e.roster))


def _roster(f: _Fold, e: ev.RosterChanged) -> None:
    for person in e.removed:
        f.delete(roster, sa.and_(roster.c.case_id == e.case_id, roster.c.person_id == person))
    for member in e.added:
        f.delete(roster, sa.and_(roster.c.case_id == e.case_id,
                                 roster.c.person_id == member["person_id"]))
        f.insert(roster, case_id=e.case_id, person_id=member["person_id"], role=member["role"],
                 since=f.entry.time)
    f.subjects(e.case_id, *e.removed, *(m["person_id"] for m in e.added))


def _closed(f: _Fold, e: ev.CaseClosed) -> None:
    f.update(cases, "case_id", e.case_id, status="closed", closed_at=f.entry.time,
             close_reason=e.reason)
    # Items still with a contractor when the case closed (an override) show it in their history.
    out = sorted(f.conn.execute(_items_out_statement(),
                                {"log": f.log, "case": e.case_id}).scalars())
    f.subjects(e.case_id, *out)
    if e.override_reason:
        # Entries written before CaseClosed carried `overrides` name only the reason: the
        # rule was then always items-outstanding, for the items still out.
        rules = ev.plain(e.overrides) or [
            {"rule": "items-outstanding", "item": i,
             "message": "case closed while this item was still out"} for i in out]
        f.insert(closing_overrides, case_id=e.case_id, reason=e.override_reason,
                 overrides=_json(rules), recorded_by=f.entry.actor, closed_at=f.entry.time)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _sealed(f: _Fold, e: ev.PackageSealed) -> None:
    f.insert(packages, package_id=e.package_id, case_id=e.case_id, sha256=e.sha256, size=e.size,
             record_count=e.record_count, file_count=e.file_count, content=e.content,
             workstation_id=e.workstation_id, sealed_by=f.entry.actor, sealed_at=f.entry.time,
             entry_index=f.entry.index, package_file=e.package_file or None,
             notice_file=e.notice_file or None, report=bool(e.report))
    f.batch.package_entry[e.package_id] = f.entry.index
    f.subjects(e.package_id, e.case_id)


def _new_item(f: _Fold, item_id: str, kind: str, case_id: str, package_id: str | None,
              holder: str, *, medium_kind: str | None = None, count: int | None = None,
              org: str | None = None, since: str | None = None, handover: str | None = None) -> None:
    f.insert(items, item_id=item_id, kind=kind, case_id=case_id, package_id=package_id,
             medium_kind=medium_kind, count=count, cabinet_id=None, holder_person=holder,
             holder_org=org or f.org_of(holder), since=since or f.entry.time, ever_provided=False,
             last_handover=handover, created_at=f.entry.time, entry_index=f.entry.index)


def _sealed_entry(f: _Fold, item_id: str, package_id: str) -> None:
    """An item's history starts with the sealing of its package (workstation, sha256)."""
    index = f.sealing_entry(package_id)
    if index is not None:
        f.insert(subject_entries, subject_id=item_id, entry_index=index)


def _medium(f: _Fold, e: ev.MediumRegistered) -> None:
    # A new medium is with the person who sealed it until it is stored or handed over.
    _new_item(f, e.medium_id, ev.MEDIUM, e.case_id, e.package_id, f.entry.actor,
              medium_kind=e.medium_kind)
    _sealed_entry(f, e.medium_id, e.package_id)
    f.subjects(e.medium_id, e.package_id)


def _notice(f: _Fold, e: ev.NoticeIssued) -> None:
    _new_item(f, e.notice_id, ev.NOTICE, e.case_id, e.package_id, e.issued_by)
    _sealed_entry(f, e.notice_id, e.package_id)
    f.subjects(e.notice_id, e.package_id)


def _stored(f: _Fold, e: ev.ItemStored) -> None:
    org = f.cabinet_org(e.cabinet_id)
    f.update(items, "item_id", e.item_id, cabinet_id=e.cabinet_id, holder_person=None,
             holder_org=org, since=f.entry.time)
    f.subjects(e.item_id, e.cabinet_id)


def _handover(f: _Fold, e: ev.HandoverRecorded) -> None:
    f.insert(handovers, handover_id=e.handover_id, case_id=e.case_id, moment=e.moment,
             occurred_at=e.occurred_at, from_person=e.from_person, from_org=e.from_org,
             to_person=e.to_person, to_org=e.to_org, method=e.method, courier=e.courier,
             content=e.content, media_count=e.media_count, record_count=e.record_count,
             envelope_count=e.envelope_count, override_reason=e.override_reason,
             overrides=_json(ev.plain(e.overrides)),
             recorded_by=f.entry.actor, entry_index=f.entry.index, confirmed_by=None,
             confirmed_at=None, condition=None, confirm_index=None)
    values = dict(cabinet_id=None, holder_person=e.to_person, holder_org=e.to_org,
                  since=e.occurred_at, last_handover=e.handover_id)
    if e.moment == ev.PROVIDE:
        values["ever_provided"] = True
    # Every item moves alike. Items registered in this batch are moved before they are
    # written; the others with one statement, whatever their number.
    moved = set(e.items)
    for row in f.batch.waiting(items, "item_id", moved):
        row.update(values)
        moved.discard(row["item_id"])
    if moved:
        f.update_all(items, "item_id", sorted(moved), **values)
    position = 0
    for item in e.items:
        f.insert(handover_items, handover_id=e.handover_id, item_id=item, position=position)
        position += 1
    for batch in e.envelopes:
        _new_item(f, batch["batch_id"], ev.ENVELOPES, e.case_id, batch["package_id"], e.to_person,
                  count=batch["count"], org=e.to_org, since=e.occurred_at, handover=e.handover_id)
        f.insert(handover_items, handover_id=e.handover_id, item_id=batch["batch_id"],
                 position=position)
        position += 1
    f.subjects(e.handover_id, e.case_id, *e.items, *(b["batch_id"] for b in e.envelopes),
               *(b["package_id"] for b in e.envelopes), e.from_person, e.to_person, e.courier)


def _confirmed(f: _Fold, e: ev.HandoverConfirmed) -> None:
    values = dict(confirmed_by=e.confirmed_by, confirmed_at=e.confirmed_at,
                  condition=e.condition, confirm_index=f.entry.index)
    waiting = f.batch.waiting(handovers, "handover_id", {e.handover_id})
    if waiting:     # recorded in this batch: its row and its items are not written yet
        waiting[0].update(values)
        rows = f.batch.waiting(handover_items, "handover_id", {e.handover_id})
        moved = [r["item_id"] for r in sorted(rows, key=lambda r: r["position"])]
    else:
        f.update(handovers, "handover_id", e.handover_id, **values)
        moved = f.conn.execute(_handover_items_statement(),
                               {"log": f.log, "handover": e.handover_id}).scalars().all()
    f.subjects(e.handover_id, e.confirmed_by, *moved)


def _remark(f: _Fold, e: ev.RemarkRecorded) -> None:
    """A remark changes no custody state and concerns no tracked ID: nothing to fold."""


def _reprinted(f: _Fold, e: ev.ConfirmationReprinted) -> None:
    """A reprint changes no custody state; it is indexed under its handover for `history`."""
    f.subjects(e.handover_id)


def _credential(f: _Fold, e: ev.CredentialRegistered) -> None:
    f.insert(credentials, credential_id=e.credential_id, person_id=e.person_id, kind=e.kind,
             public_key=e.public_key, fingerprint=e.fingerprint, rp_id=e.rp_id,
             enrolled_by=e.enrolled_by, registered_at=f.entry.time, entry_index=f.entry.index,
             revoked_at=None, revoked_index=None, revoke_reason=None)
    f.subjects(e.person_id)


def _credential_revoked(f: _Fold, e: ev.CredentialRevoked) -> None:
    f.update(credentials, "credential_id", e.credential_id,
             revoked_at=f.entry.time, revoked_index=f.entry.index, revoke_reason=e.reason)
    f.subjects(e.person_id)


def _incident(f: _Fold, e: ev.IncidentReported) -> None:
    f.insert(incidents, incident_id=e.incident_id, case_id=e.case_id, category=e.category,
             description=e.description, discovered_at=e.discovered_at, reported_by=e.reported_by,
             item_ids=" ".join(e.items), ward_notified_at=e.ward_notified_at, source=e.source,
             status="open", recorded_by=f.entry.actor, reported_at=f.entry.time,
             entry_index=f.entry.index, outcome=None, closed_by=None, closed_at=None)
    f.subjects(e.incident_id, e.case_id, *e.items, e.reported_by)


def _incident_items(f: _Fold, incident_id: str) -> list[str]:
    return f.conn.execute(sa.select(incidents.c.item_ids).where(
        incidents.c.log == f.log, incidents.c.incident_id == incident_id)).scalar_one().split()


def _followed_up(f: _Fold, e: ev.IncidentFollowedUp) -> None:
    f.insert(incident_followups, incident_id=e.incident_id, entry_index=f.entry.index,
             note=e.note, recorded_by=f.entry.actor, recorded_at=f.entry.time)
    if e.ward_notified_at:
        f.update(incidents, "incident_id", e.incident_id,
                 ward_notified_at=e.ward_notified_at)
    f.subjects(e.incident_id, *_incident_items(f, e.incident_id))


def _incident_closed(f: _Fold, e: ev.IncidentClosed) -> None:
    f.update(incidents, "incident_id", e.incident_id, status="closed",
             outcome=e.outcome, closed_by=f.entry.actor, closed_at=f.entry.time)
    f.subjects(e.incident_id, *_incident_items(f, e.incident_id))


def _lgwan_sent(f: _Fold, e: ev.LgwanFileSent) -> None:
    f.insert(lgwan_transfers, transfer_id=e.transfer_id, handover_id=e.handover_id,
             medium_id=e.medium_id, package_id=e.package_id, case_id=e.case_id,
             file_name=e.file_name, size=e.size, sha256=e.sha256, service=e.service,
             sender=e.sender, workstation_id=e.workstation_id, sent_at=f.entry.time,
             entry_index=f.entry.index, received_by=None, received_at=None)
    f.subjects(e.transfer_id, e.medium_id, e.package_id, e.handover_id)


def _lgwan_received(f: _Fold, e: ev.LgwanFileReceived) -> None:
    f.update(lgwan_transfers, "transfer_id", e.transfer_id,
             received_by=e.received_by, received_at=f.entry.time)
    medium = f.conn.execute(sa.select(lgwan_transfers.c.medium_id).where(
        lgwan_transfers.c.log == f.log, lgwan_transfers.c.transfer_id == e.transfer_id)).scalar_one()
    f.subjects(e.transfer_id, medium, e.received_by)


def _erasure(f: _Fold, e: ev.ErasureRecorded) -> None:
    f.insert(erasures, certificate_id=e.certificate_id, case_id=e.case_id, org_id=e.org_id,
             erased=e.erased, sources=" ".join(e.sources), locations=_json(list(e.locations)),
             method=e.method, tool=e.tool, performed_by=e.performed_by, verified_by=e.verified_by,
             erased_on=e.erased_on, place=e.place, recorded_by=f.entry.actor,
             recorded_at=f.entry.time, entry_index=f.entry.index, ward_received_by=None,
             ward_received_at=None, contractor_received_by=None, contractor_received_at=None,
             checked_by=None, checked_at=None, check_note=None)
    f.subjects(e.certificate_id, e.case_id, e.org_id, *e.sources, e.performed_by, e.verified_by)


def _erasure_sources(f: _Fold, certificate_id: str) -> list[str]:
    return f.conn.execute(sa.select(erasures.c.sources).where(
        erasures.c.log == f.log, erasures.c.certificate_id == certificate_id)).scalar_one().split()


def _erasure_received(f: _Fold, e: ev.ErasureCertificateReceived) -> None:
    ward = f.conn.execute(sa.select(organisations.c.kind).where(
        organisations.c.log == f.log, organisations.c.org_id == e.org_id)).scalar_one() == ev.WARD
    who = "ward" if ward else "contractor"
    f.update(erasures, "certificate_id", e.certificate_id,
             **{f"{who}_received_by": f.entry.actor, f"{who}_received_at": f.entry.time})
    f.subjects(e.certificate_id, *_erasure_sources(f, e.certificate_id))


def _erasure_checked(f: _Fold, e: ev.ErasureChecked) -> None:
    f.update(erasures, "certificate_id", e.certificate_id, checked_by=f.entry.actor,
             checked_at=f.entry.time, check_note=e.note)
    f.subjects(e.certificate_id)


def _print_allowance(f: _Fold, e: ev.PrintAllowanceSet) -> None:
    f.delete(print_allowances, print_allowances.c.case_id == e.case_id)
    f.insert(print_allowances, case_id=e.case_id, pages=e.pages, basis=e.basis,
             set_by=f.entry.actor, set_at=f.entry.time)
    f.subjects(e.case_id)


def _print_log(f: _Fold, e: ev.PrintLogImported) -> None:
    f.insert(print_logs, submission_id=e.submission_id, case_id=e.case_id, sha256=e.sha256,
             layout=e.layout, encoding=e.encoding, pages=e.pages, jobs=e.jobs,
             repeated_jobs=e.repeated_jobs, first_at=e.first_at, last_at=e.last_at,
             allowance=e.allowance, excess=e.excess, reason=None, explained_by=None,
             explained_at=None, imported_by=f.entry.actor, imported_at=f.entry.time,
             entry_index=f.entry.index)
    for t in e.totals:
        f.insert(print_totals, submission_id=e.submission_id, computer=t["computer"],
                 printer=t["printer"], day=t["day"], pages=t["pages"], jobs=t["jobs"])
    for row in e.row_hashes:
        f.insert(print_jobs, case_id=e.case_id, row_sha256=row, submission_id=e.submission_id)
    f.subjects(e.submission_id, e.case_id)


def _print_explained(f: _Fold, e: ev.PrintExcessExplained) -> None:
    f.update(print_logs, "submission_id", e.submission_id, reason=e.reason,
             explained_by=f.entry.actor, explained_at=f.entry.time)
    f.subjects(e.submission_id)


def _visit_list(f: _Fold, e: ev.VisitListRegistered) -> None:
    # A new list is with the person who made it until it is issued (§2's visit rounds).
    f.insert(visit_lists, list_id=e.list_id, case_id=e.case_id, half=e.half,
             columns=_json(list(e.columns)), count=e.count, sha256=e.sha256,
             source_sha256=e.source_sha256, paired_with=e.paired_with,
             warnings=_json(list(e.warnings)), holder_person=f.entry.actor,
             holder_org=f.org_of(f.entry.actor), created_at=f.entry.time,
             entry_index=f.entry.index, since=f.entry.time, state="held", round_id=None)
    f.subjects(e.list_id, e.case_id, e.paired_with)


def _round_started(f: _Fold, e: ev.VisitRoundStarted) -> None:
    f.insert(visit_rounds, round_id=e.round_id, case_id=e.case_id, visit_date=e.visit_date,
             visitors=" ".join(e.visitors), area=e.area, count=e.count,
             issued_by=f.entry.actor, started_at=f.entry.time, status="open", closed_by=None,
             closed_at=None, incident_id=None, note=None, entry_index=f.entry.index)
    for position, issued in enumerate(e.lists):
        f.insert(visit_round_lists, round_id=e.round_id, list_id=issued["list_id"],
                 position=position, visitor=issued["visitor"], returned_to=None,
                 returned_at=None, method=None, missing=False)
        f.update(visit_lists, "list_id", issued["list_id"],
                 holder_person=issued["visitor"], holder_org=f.org_of(issued["visitor"]),
                 since=f.entry.time, state="out", round_id=e.round_id)
    f.subjects(e.round_id, e.case_id, *e.visitors, *(i["list_id"] for i in e.lists))


def _lists_returned(f: _Fold, e: ev.VisitListsReturned) -> None:
    for list_id in e.lists:
        f.update_where(visit_round_lists, sa.and_(visit_round_lists.c.round_id == e.round_id,
                                            visit_round_lists.c.list_id == list_id),
                 returned_to=f.entry.actor, returned_at=f.entry.time, method=e.method)
        f.update(visit_lists, "list_id", list_id, holder_person=f.entry.actor,
                 holder_org=f.org_of(f.entry.actor), since=f.entry.time, state="held",
                 round_id=None)
    f.subjects(e.round_id, *e.lists)


def _round_closed(f: _Fold, e: ev.VisitRoundClosed) -> None:
    f.update(visit_rounds, "round_id", e.round_id, status="closed",
             closed_by=f.entry.actor, closed_at=f.entry.time, incident_id=e.incident_id,
             note=e.note)
    for list_id in e.missing:
        f.update_where(visit_round_lists, sa.and_(visit_round_lists.c.round_id == e.round_id,
                                            visit_round_lists.c.list_id == list_id),
                 missing=True)
        # Last held by its visitor: the holder stays as it was, the list is marked lost.
        f.update(visit_lists, "list_id", list_id, since=f.entry.time,
                 state="missing")
    f.subjects(e.round_id, *e.missing)


def _inspection(f: _Fold, e: ev.InspectionRecorded) -> None:
    f.insert(inspections, inspection_id=e.inspection_id, case_id=e.case_id, org_id=e.org_id,
             inspected_on=e.inspected_on,
             fiscal_year=fiscal_year(dt.date.fromisoformat(e.inspected_on)),
             inspectors=" ".join(e.inspectors), place=e.place,
             findings=_json(ev.plain(e.findings)), follow_ups=_json(ev.plain(e.follow_ups)),
             recorded_by=f.entry.actor, entry_index=f.entry.index)
    f.subjects(e.inspection_id, e.case_id, e.org_id, *e.inspectors)


_STEPS: dict[str, Callable] = {
    ev.OrganisationRegistered.KIND: _organisation, ev.PersonRegistered.KIND: _person,
    ev.CabinetRegistered.KIND: _cabinet, ev.CabinetKeyHoldersChanged.KIND: _key_holders,
    ev.WorkstationRegistered.KIND: _workstation, ev.WorkstationAuthorised.KIND: _authorised,
    ev.CaseOpened.KIND: _case, ev.RosterChanged.KIND: _roster, ev.CaseClosed.KIND: _closed,
    ev.PackageSealed.KIND: _sealed, ev.MediumRegistered.KIND: _medium,
    ev.NoticeIssued.KIND: _notice, ev.ItemStored.KIND: _stored,
    ev.HandoverRecorded.KIND: _handover, ev.HandoverConfirmed.KIND: _confirmed,
    ev.RemarkRecorded.KIND: _remark,
    ev.ConfirmationReprinted.KIND: _reprinted,
    ev.CredentialRegistered.KIND: _credential, ev.CredentialRevoked.KIND: _credential_revoked,
    ev.IncidentReported.KIND: _incident, ev.IncidentFollowedUp.KIND: _followed_up,
    ev.IncidentClosed.KIND: _incident_closed,
    ev.LgwanFileSent.KIND: _lgwan_sent, ev.LgwanFileReceived.KIND: _lgwan_received,
    ev.ErasureRecorded.KIND: _erasure, ev.ErasureCertificateReceived.KIND: _erasure_received,
    ev.ErasureChecked.KIND: _erasure_checked,
    ev.InspectionRecorded.KIND: _inspection,
    ev.PrintAllowanceSet.KIND: _print_allowance, ev.PrintLogImported.KIND: _print_log,
    ev.PrintExcessExplained.KIND: _print_explained, ev.VisitListRegistered.KIND: _visit_list,
    ev.VisitRoundStarted.KIND: _round_started, ev.VisitListsReturned.KIND: _lists_returned,
    ev.VisitRoundClosed.KIND: _round_closed,
}
assert set(_STEPS) == set(ev.BY_KIND), "every event kind needs a fold step"


def apply(conn: sa.Connection, log: str, entry: ledger.Entry) -> None:
    """Fold one entry into the tables. Entries of kinds this version does not know only
    advance applied_size."""
    batch = _Batch(conn)
    _step(batch, log, entry)
    batch.flush()
    set_applied(conn, log, entry.index + 1, entry.hash)


def _step(batch: _Batch, log: str, entry: ledger.Entry, event: ev.Event | None = None) -> None:
    event = event or ev.decode(entry)
    if event is not None:
        _STEPS[entry.kind](_Fold(batch, log, entry), event)
    batch.entry_done()


def new_batch(conn: sa.Connection, insert_many: Callable | None = None,
              update_keys: Callable | None = None) -> _Batch:
    """A batch of inserts into `conn`, for folding many entries with `step`; `insert_many(
    table, rows)` writes rows (default: an executemany through SQLAlchemy), `update_keys(
    table, column, log, keys, values)` sets values by key (default: through SQLAlchemy)."""
    return _Batch(conn, insert_many, update_keys)


def step(batch: _Batch, log: str, entry: ledger.Entry, event: ev.Event | None = None) -> None:
    """Fold one entry (`event`: its event, if already decoded) through `batch` (flush it
    when done)."""
    _step(batch, log, entry, event)


def applied_size(conn: sa.Connection, log: str) -> int:
    n = conn.execute(sa.select(meta.c.applied_size).where(meta.c.log == log)).scalar()
    return 0 if n is None else n


def set_applied(conn: sa.Connection, log: str, size: int, head: bytes | None) -> None:
    values = {"applied_size": size, "applied_hash": head}
    if conn.execute(meta.update().where(meta.c.log == log).values(**values)).rowcount == 0:
        conn.execute(meta.insert().values(log=log, **values))


def _require_same_history(writer_log: ledger.Log, start: int, folded: bytes | None) -> None:
    """The tables were folded from the entries the ledger holds now: the hash of the last
    entry folded matches. Free when nothing is behind (the writer has read the head anyway);
    one indexed read otherwise. Costs nothing on the tables' own edits, which this cannot
    see: `rebuild --check` and verify's replay of the rules are for those."""
    conn, name = writer_log.connection, writer_log.name
    if not start or folded is None:
        return
    actual = writer_log.head if start == writer_log.size else \
        ledger.read_entry(conn, name, start - 1).hash
    if actual != folded:
        raise HandoverError(
            f"the custody tables of log {name!r} are out of step with the ledger: the last "
            f"entry they were folded from is not the ledger's entry {start - 1} (the ledger was "
            "rewritten or restored from another backup than the tables, or the tables were "
            "edited); nothing was recorded",
            "run `handover ledger verify` against the auditors' keys and state, then "
            "`handover rebuild`")


def catch_up(writer_log: ledger.Log) -> int:
    """Fold entries appended since the projection was last updated; inside a writer."""
    conn, name = writer_log.connection, writer_log.name
    # Size and hash in one read: this runs in every recording transaction.
    row = conn.execute(sa.select(meta.c.applied_size, meta.c.applied_hash)
                       .where(meta.c.log == name)).first()
    start, folded = (row.applied_size, row.applied_hash) if row is not None else (0, None)
    if start > writer_log.size:
        raise HandoverError(
            f"the projection has folded {start} entries but log {name!r} has {writer_log.size}",
            "the ledger lost entries: run `handover ledger verify`, then `handover rebuild`")
    _require_same_history(writer_log, start, folded)
    if start == writer_log.size:
        return 0
    done = 0
    head = None
    try:
        with lifted():
            batch = _Batch(conn)
            for entry in ledger.read_entries(conn, name, start, writer_log.size):
                _step(batch, name, entry)
                done += 1
                head = entry.hash
            batch.flush()
    except sa.exc.IntegrityError:
        # Refolding an entry already in the tables: proj_meta says fewer entries are folded
        # than really are (rewound by hand or a restore mixing backups). The writer rolls back.
        raise HandoverError(
            f"the projection of log {name!r} says {start} entries are folded in, but entry "
            f"{start + done} is already there: the projection is out of step with the ledger",
            "run `handover rebuild` to refold it from the ledger (nothing recorded is lost)") from None
    set_applied(conn, name, start + done, head)
    return done


def ensure_current(engine: sa.Engine, log: str) -> None:
    """Before reading: fold anything new. Takes the log's lock only when something is behind."""
    with lifted(), engine.connect() as conn:
        behind = applied_size(conn, log) != ledger.log_size(conn, log)
    if behind:
        with lifted(), ledger.writer(engine, log) as lg:
            catch_up(lg)


def rebuild(engine: sa.Engine, log: str) -> int:
    """Delete the log's projection rows and refold every entry. Returns the entries folded."""
    with lifted(), ledger.writer(engine, log) as lg:
        for table in reversed(TABLES):
            lg.connection.execute(table.delete().where(table.c.log == log))
        return catch_up(lg)


