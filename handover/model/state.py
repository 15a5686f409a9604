"""Reading the projection: the current state that policy checks and reports look at.

`State` wraps one connection and one log. Inside `journal.record` the connection is the
writer's transaction, taken after the log's lock, so what a policy check reads cannot change
before the entry it allows is appended (two staff cannot both provide the same medium).
Getters raise NotFound naming the ID and its kind; `find_*` return None instead.
"""

from __future__ import annotations

import functools
import json
from typing import Callable, Iterable

import sqlalchemy as sa

from handover import ids
from handover.errors import NotFound
from handover.ids import InvalidID
from handover.model import events as ev
from handover.model import tables as p

Row = sa.Row
_TRACKED = ("M", "N", "E")   # media, password notices, envelope batches


def _not_found(kind: str, item_id: str, hint: str | None = None) -> NotFound:
    k = ids.KINDS[kind]
    return NotFound(f"{k.en} {item_id} is not registered / {k.ja} {item_id} は登録されていません",
                    hint or "check the ID on the label or in `handover status`")


# The reads every policy check makes are built once, with bind parameters: SQLAlchemy then
# skips building the query and its cache key on each read, which cost more than SQLite's
# lookup itself (the rule replay runs them for every entry of the log).
_LOG = sa.bindparam("log")


@functools.cache
def _by_key(table: sa.Table, column: str) -> sa.Select:
    """The statement reading one row of `table` by its key `column`."""
    return sa.select(table).where(table.c.log == _LOG, table.c[column] == sa.bindparam("key"))


@functools.cache
def _prepared(build: Callable[[], sa.Executable]) -> sa.Executable:
    """`build()`'s statement, built once per builder."""
    return build()


def _roster_role_q() -> sa.Select:
    t = p.roster
    return sa.select(t.c.role).where(t.c.log == _LOG, t.c.case_id == sa.bindparam("case"),
                                     t.c.person_id == sa.bindparam("person"))


def _case_orgs_q() -> sa.Select:
    t = p.case_orgs
    return sa.select(t.c.org_id).where(t.c.log == _LOG, t.c.case_id == sa.bindparam("case")) \
        .order_by(t.c.position)


def _authorised_q() -> sa.Select:
    t = p.case_workstations
    return sa.select(t.c.case_id).where(t.c.log == _LOG, t.c.case_id == sa.bindparam("case"),
                                        t.c.workstation_id == sa.bindparam("workstation"))


def _package_items_q() -> sa.Select:
    t = p.items
    return sa.select(t).where(t.c.log == _LOG, t.c.package_id == sa.bindparam("package"),
                              t.c.kind == sa.bindparam("kind")) \
        .order_by(t.c.entry_index, t.c.item_id)


def _packages_items_q() -> sa.Select:
    t = p.items
    return sa.select(t).where(t.c.log == _LOG,
                              t.c.package_id.in_(sa.bindparam("packages", expanding=True)),
                              t.c.kind.in_((ev.MEDIUM, ev.NOTICE))) \
        .order_by(t.c.entry_index, t.c.item_id)


def _handovers_moving_q() -> sa.Select:
    h, hi = p.handovers, p.handover_items
    # The position is not needed, but reading it makes SQLite search the item index: asked
    # only for the key columns, its planner (no statistics) scans the log's whole primary-key
    # index instead, as that covers them, and each check would read every handover of the log.
    return (sa.select(h, hi.c.item_id.label("moved_item"), hi.c.position.label("moved_position"))
            .join(hi, sa.and_(hi.c.log == h.c.log, hi.c.handover_id == h.c.handover_id))
            .where(h.c.log == _LOG, hi.c.item_id.in_(sa.bindparam("items", expanding=True)))
            .order_by(h.c.entry_index))


def _by_case_q(table: sa.Table, *order: str) -> Callable[[], sa.Select]:
    """The builder of the statement reading every row of one case in `table`, in `order`:
    the close-out gate reads six of them for every case it closes."""
    def build() -> sa.Select:
        return sa.select(table).where(table.c.log == _LOG, table.c.case_id == sa.bindparam("case")) \
            .order_by(*(table.c[o] for o in order))
    build.__qualname__ = f"_by_case_q.{table.name}"
    return build


_CASE_ITEMS = _by_case_q(p.items, "entry_index", "item_id")
_CASE_HANDOVERS = _by_case_q(p.handovers, "entry_index")
_CASE_INCIDENTS = _by_case_q(p.incidents, "entry_index")
_CASE_ERASURES = _by_case_q(p.erasures, "entry_index")
_CASE_ROUNDS = _by_case_q(p.visit_rounds, "visit_date", "entry_index")


class State:
    def __init__(self, conn: sa.Connection, log: str):
        self.conn, self.log = conn, log
        # Names, organisations and people (their organisation and roles) never change once
        # registered, so each is read once per State; an ID not (yet) registered is not
        # remembered. The rule replay reads the same few people for every entry.
        self._names: dict[str, str] = {}
        self._orgs: dict[str, Row] = {}
        self._people: dict[str, Row] = {}

    # --- generic ---------------------------------------------------------------------------

    def _one(self, table: sa.Table, column: str, value: str) -> Row | None:
        return self.conn.execute(_by_key(table, column), {"log": self.log, "key": value}).first()

    def _all(self, query) -> list[Row]:
        return list(self.conn.execute(query))

    def _all_of(self, statement: sa.Executable, params: dict) -> list[Row]:
        return list(self.conn.execute(statement, params))

    # --- registry --------------------------------------------------------------------------

    def find_person(self, person_id: str) -> Row | None:
        row = self._people.get(person_id) or self._one(p.people, "person_id", person_id)
        if row is not None:
            self._people[person_id] = row
        return row

    def person(self, person_id: str) -> Row:
        row = self.find_person(person_id)
        if row is None:
            raise _not_found("U", person_id, "register the person first: `handover register person`")
        return row

    def find_credential(self, credential_id: str) -> Row | None:
        return self._one(p.credentials, "credential_id", credential_id)

    def credential(self, credential_id: str) -> Row:
        row = self.find_credential(credential_id)
        if row is None:
            raise _not_found("Y", credential_id, "see `handover credential list`")
        return row

    def credentials_of(self, person_id: str) -> list[Row]:
        t = p.credentials
        return self._all(sa.select(t).where(t.c.log == self.log, t.c.person_id == person_id)
                         .order_by(t.c.entry_index))

    def roles(self, person_id: str) -> set[str]:
        return set(self.person(person_id).roles.split())

    def org(self, org_id: str) -> Row:
        row = self._orgs.get(org_id) or self._one(p.organisations, "org_id", org_id)
        if row is None:
            raise _not_found("O", org_id, "register it first: `handover register org`")
        self._orgs[org_id] = row
        return row

    def is_ward(self, org_id: str) -> bool:
        return self.org(org_id).kind == ev.WARD

    def org_count(self) -> int:
        return self.conn.execute(sa.select(sa.func.count()).select_from(p.organisations)
                                 .where(p.organisations.c.log == self.log)).scalar_one()

    def person_count(self) -> int:
        return self.conn.execute(sa.select(sa.func.count()).select_from(p.people)
                                 .where(p.people.c.log == self.log)).scalar_one()

    def cabinet(self, cabinet_id: str) -> Row:
        row = self._one(p.cabinets, "cabinet_id", cabinet_id)
        if row is None:
            raise _not_found("K", cabinet_id, "register it first: `handover register cabinet`")
        return row

    def workstation(self, workstation_id: str) -> Row:
        row = self._one(p.workstations, "workstation_id", workstation_id)
        if row is None:
            raise _not_found("W", workstation_id)
        return row

    def workstation_by_host(self, hostname: str) -> Row | None:
        return self._one(p.workstations, "hostname", hostname)

    def workstation_authorised(self, workstation_id: str, case_id: str) -> bool:
        return self.conn.execute(_prepared(_authorised_q), {
            "log": self.log, "case": case_id, "workstation": workstation_id}).first() is not None

    def list(self, table: sa.Table) -> list[Row]:
        key = list(table.primary_key.columns)[1]
        return self._all(sa.select(table).where(table.c.log == self.log).order_by(key))

    # --- cases -----------------------------------------------------------------------------

    def case(self, case_id: str) -> Row:
        row = self._one(p.cases, "case_id", case_id)
        if row is None:
            raise _not_found("C", case_id, "see every case with `handover status`")
        return row

    def closing_override(self, case_id: str) -> Row | None:
        """Why a case was closed although a rule refused, if it was."""
        return self._one(p.closing_overrides, "case_id", case_id)

    def case_orgs(self, case_id: str) -> list[str]:
        return list(self.conn.execute(_prepared(_case_orgs_q),
                                      {"log": self.log, "case": case_id}).scalars())

    def roster_role(self, case_id: str, person_id: str) -> str | None:
        return self.conn.execute(_prepared(_roster_role_q), {
            "log": self.log, "case": case_id, "person": person_id}).scalar()

    def roster(self, case_id: str) -> list[Row]:
        t = p.roster
        return self._all(sa.select(t).where(t.c.log == self.log, t.c.case_id == case_id)
                         .order_by(t.c.role.desc(), t.c.person_id))

    def case_workstations(self, case_id: str) -> list[Row]:
        """The workstations designated for a case, with when, in the order designated."""
        t, w = p.case_workstations, p.workstations
        return self._all(sa.select(w, t.c.authorised_at).join(
            t, sa.and_(t.c.log == w.c.log, t.c.workstation_id == w.c.workstation_id))
            .where(t.c.log == self.log, t.c.case_id == case_id)
            .order_by(t.c.authorised_at, t.c.workstation_id))

    # --- items -----------------------------------------------------------------------------

    def package(self, package_id: str) -> Row:
        row = self._one(p.packages, "package_id", package_id)
        if row is None:
            raise _not_found("P", package_id)
        return row

    def find_item(self, item_id: str) -> Row | None:
        return self._one(p.items, "item_id", item_id)

    def item(self, item_id: str) -> Row:
        row = self.find_item(item_id)
        if row is None:
            raise _not_found(item_id[0], item_id)
        return row



    def tracked_item(self, item_id: str) -> Row:
        """The medium or notice `item_id`; any other kind of ID is refused by its kind, so that
        a package, case or cabinet ID is never reported as "not registered"."""
        if item_id[0] not in _TRACKED:
            kind = ids.KINDS[item_id[0]].en
            hint = "scan the label of the disc case or of the notice envelope"
            if item_id[0] == "P":
                parts = [i.item_id for i in self.items(package_id=item_id) if i.kind != ev.ENVELOPES]
                if parts:
                    hint = (f"package {item_id} travels as its medium and its password notice, "
                            f"each on its own occasion: {', '.join(parts)}")
            raise InvalidID(f"{item_id} is a {kind} ID; only a medium (M-…) or a password notice "
                            f"(N-…) is handed over or stored / 媒体またはパスワード通知書のIDを指定してください",
                            hint, reason="kind")
        return self.item(item_id)

    def items(self, *, case_id: str | None = None, package_id: str | None = None,
              kind: str | None = None, cabinet_id: str | None = None) -> list[Row]:
        if case_id is not None and package_id is kind is cabinet_id is None:
            return self._all_of(_prepared(_CASE_ITEMS), {"log": self.log, "case": case_id})
        t = p.items
        q = sa.select(t).where(t.c.log == self.log)
        for column, value in (("case_id", case_id), ("package_id", package_id), ("kind", kind),
                              ("cabinet_id", cabinet_id)):
            if value is not None:
                q = q.where(t.c[column] == value)
        return self._all(q.order_by(t.c.entry_index, t.c.item_id))

    def cases_page(self, *, after: str | None = None, limit: int | None = None) -> list[Row]:
        """Cases in ID order; with `limit`, at most that many after the case `after`."""
        t = p.cases
        q = sa.select(t).where(t.c.log == self.log)
        if after is not None:
            q = q.where(t.c.case_id > after)
        q = q.order_by(t.c.case_id)
        return self._all(q if limit is None else q.limit(limit))

    def _by_case(self, table: sa.Table, case_ids: list[str] | None, *order) -> dict[str, list[Row]]:
        """Rows of `table` for these cases (None: every case) in one query, grouped by case."""
        q = sa.select(table).where(table.c.log == self.log)
        if case_ids is not None:
            q = q.where(table.c.case_id.in_(case_ids))
        out: dict[str, list[Row]] = {}
        for row in self.conn.execute(q.order_by(table.c.case_id, *order)).all():
            out.setdefault(row.case_id, []).append(row)
        return out

    def items_by_case(self, case_ids: list[str] | None) -> dict[str, list[Row]]:
        """What `items(case_id=…)` returns, for many cases at once."""
        return self._by_case(p.items, case_ids, p.items.c.entry_index, p.items.c.item_id)

    def packages_by_case(self, case_ids: list[str] | None) -> dict[str, list[Row]]:
        return self._by_case(p.packages, case_ids, p.packages.c.entry_index)

    def handovers_by_case(self, case_ids: list[str] | None) -> dict[str, list[Row]]:
        return self._by_case(p.handovers, case_ids, p.handovers.c.entry_index)

    def case_orgs_by_case(self, case_ids: list[str] | None) -> dict[str, list[str]]:
        rows = self._by_case(p.case_orgs, case_ids, p.case_orgs.c.position)
        return {case: [r.org_id for r in group] for case, group in rows.items()}

    def roster_by_case(self, case_ids: list[str] | None) -> dict[str, list[Row]]:
        return self._by_case(p.roster, case_ids, p.roster.c.role.desc(), p.roster.c.person_id)

    def inspection(self, inspection_id: str) -> Row:
        row = self._one(p.inspections, "inspection_id", inspection_id)
        if row is None:
            raise _not_found("V", inspection_id, "see a case's inspections with `handover status --case CASE`")
        return row

    def inspections(self, case_id: str) -> list[Row]:
        t = p.inspections
        return self._all(sa.select(t).where(t.c.log == self.log, t.c.case_id == case_id)
                         .order_by(t.c.inspected_on, t.c.entry_index))

    def inspections_by_case(self, case_ids: list[str] | None) -> dict[str, list[Row]]:
        return self._by_case(p.inspections, case_ids, p.inspections.c.inspected_on,
                             p.inspections.c.entry_index)

    def closing_overrides_by_case(self, case_ids: list[str] | None) -> dict[str, Row]:
        return {case: group[0] for case, group in
                self._by_case(p.closing_overrides, case_ids).items()}

    def counterparts(self, item: Row) -> list[Row]:
        """For a medium, its package's notices; for a notice, its package's media."""
        other = {ev.MEDIUM: ev.NOTICE, ev.NOTICE: ev.MEDIUM}.get(item.kind)
        if other is None or item.package_id is None:
            return []
        return self._all_of(_prepared(_package_items_q),
                            {"log": self.log, "package": item.package_id, "kind": other})

    def counterpart_handovers(self, items: list[Row]) -> dict[str, list[Row]]:
        """For each of `items`, every handover that moved one of its counterparts (the
        notice of a medium, the media of a notice), oldest first, in two reads for all of
        them (a handover moves several media or notices at once)."""
        packages = sorted({i.package_id for i in items
                           if i.kind in (ev.MEDIUM, ev.NOTICE) and i.package_id is not None})
        out: dict[str, list[Row]] = {i.item_id: [] for i in items}
        if not packages:
            return out
        other = {ev.MEDIUM: ev.NOTICE, ev.NOTICE: ev.MEDIUM}
        in_package: dict[tuple[str, str], list[str]] = {}
        for row in self._all_of(_prepared(_packages_items_q),
                                {"log": self.log, "packages": packages}):
            in_package.setdefault((row.package_id, row.kind), []).append(row.item_id)
        wanted = {i.item_id: set(in_package.get((i.package_id, other.get(i.kind)), ()))
                  for i in items}
        moving = sorted(set().union(*wanted.values()))
        if not moving:
            return out
        moved = self._all_of(_prepared(_handovers_moving_q), {"log": self.log, "items": moving})
        for item_id, counterparts in wanted.items():
            seen: set[str] = set()
            for h in moved:
                if h.moved_item in counterparts and h.handover_id not in seen:
                    seen.add(h.handover_id)
                    out[item_id].append(h)
        return out

    def envelopes_delivered(self, package_id: str) -> int:
        t = p.items
        return self.conn.execute(sa.select(sa.func.coalesce(sa.func.sum(t.c.count), 0)).where(
            t.c.log == self.log, t.c.package_id == package_id, t.c.kind == ev.ENVELOPES)).scalar_one()

    # --- handovers -------------------------------------------------------------------------

    def handover(self, handover_id: str) -> Row:
        row = self._one(p.handovers, "handover_id", handover_id)
        if row is None:
            raise _not_found("H", handover_id)
        return row

    def handover_items(self, handover_id: str) -> list[str]:
        t = p.handover_items
        return list(self.conn.execute(sa.select(t.c.item_id).where(
            t.c.log == self.log, t.c.handover_id == handover_id).order_by(t.c.position)).scalars())

    def handovers(self, case_id: str | None = None) -> list[Row]:
        if case_id is not None:
            return self._all_of(_prepared(_CASE_HANDOVERS), {"log": self.log, "case": case_id})
        h = p.handovers
        return self._all(sa.select(h).where(h.c.log == self.log).order_by(h.c.entry_index))

    def subjects_of_entry(self, entry_index: int) -> list[str]:
        t = p.subject_entries
        return list(self.conn.execute(sa.select(t.c.subject_id).where(
            t.c.log == self.log, t.c.entry_index == entry_index).order_by(t.c.subject_id)).scalars())

    def entries_about(self, subject_ids: Iterable[str]) -> set[int]:
        """Every entry indexed under any of `subject_ids`."""
        t, wanted = p.subject_entries, sorted(set(subject_ids))
        out: set[int] = set()
        for start in range(0, len(wanted), 500):    # bounded IN lists
            out.update(self.conn.execute(sa.select(t.c.entry_index).where(
                t.c.log == self.log, t.c.subject_id.in_(wanted[start:start + 500]))).scalars())
        return out

    def members_of(self, org_id: str) -> list[str]:
        """The people and cabinets of an organisation, by ID."""
        people = self.conn.execute(sa.select(p.people.c.person_id).where(
            p.people.c.log == self.log, p.people.c.org_id == org_id)).scalars().all()
        cabinets = self.conn.execute(sa.select(p.cabinets.c.cabinet_id).where(
            p.cabinets.c.log == self.log, p.cabinets.c.org_id == org_id)).scalars().all()
        return [*people, *cabinets]

    def subject_entries(self, subject_id: str) -> list[int]:
        t = p.subject_entries
        return list(self.conn.execute(sa.select(t.c.entry_index).where(
            t.c.log == self.log, t.c.subject_id == subject_id).order_by(t.c.entry_index)).scalars())

    # --- incidents -------------------------------------------------------------------------

    def incident(self, incident_id: str) -> Row:
        row = self._one(p.incidents, "incident_id", incident_id)
        if row is None:
            raise _not_found("A", incident_id, "see a case's incidents with `handover incident list`")
        return row

    def incidents(self, case_id: str | None = None, *, open_only: bool = False) -> list[Row]:
        if case_id is not None:
            found = self._all_of(_prepared(_CASE_INCIDENTS), {"log": self.log, "case": case_id})
            return [i for i in found if i.status == "open"] if open_only else found
        t = p.incidents
        q = sa.select(t).where(t.c.log == self.log)
        if open_only:
            q = q.where(t.c.status == "open")
        return self._all(q.order_by(t.c.entry_index))

    def incidents_by_case(self, case_ids: list[str] | None) -> dict[str, list[Row]]:
        return self._by_case(p.incidents, case_ids, p.incidents.c.entry_index)

    def incident_followups(self, incident_id: str) -> list[Row]:
        t = p.incident_followups
        return self._all(sa.select(t).where(t.c.log == self.log, t.c.incident_id == incident_id)
                         .order_by(t.c.entry_index))

    # --- LGWAN transfers --------------------------------------------------------------------

    def lgwan_transfer(self, transfer_id: str) -> Row:
        row = self._one(p.lgwan_transfers, "transfer_id", transfer_id)
        if row is None:
            raise _not_found("T", transfer_id, "see the case's transfers with `handover lgwan list`")
        return row

    def lgwan_transfers(self, *, case_id: str | None = None,
                        package_id: str | None = None) -> list[Row]:
        t = p.lgwan_transfers
        q = sa.select(t).where(t.c.log == self.log)
        if case_id is not None:
            q = q.where(t.c.case_id == case_id)
        if package_id is not None:
            q = q.where(t.c.package_id == package_id)
        return self._all(q.order_by(t.c.entry_index))

    # --- erasures ---------------------------------------------------------------------------

    def erasure(self, certificate_id: str) -> Row:
        row = self._one(p.erasures, "certificate_id", certificate_id)
        if row is None:
            raise _not_found("X", certificate_id, "see a case's certificates with `handover erasure list`")
        return row

    def erasures(self, case_id: str | None = None) -> list[Row]:
        if case_id is not None:
            return self._all_of(_prepared(_CASE_ERASURES), {"log": self.log, "case": case_id})
        t = p.erasures
        return self._all(sa.select(t).where(t.c.log == self.log).order_by(t.c.entry_index))

    def erasures_by_case(self, case_ids: list[str] | None) -> dict[str, list[Row]]:
        return self._by_case(p.erasures, case_ids, p.erasures.c.entry_index)

    def orgs_that_held_data(self, case_id: str) -> list[str]:
        """Every organisation outside the ward that was ever handed a medium of the case
        (a disc or an LGWAN file, directly or by a transfer), in the order first handed one."""
        rows = (h.to_org for h in self.handovers(case_id) if h.media_count > 0)
        return [o for o in dict.fromkeys(rows) if not self.is_ward(o)]
    # --- print logs (004 受託事業者 13) -------------------------------------------------------

    def print_allowance(self, case_id: str) -> Row | None:
        return self._one(p.print_allowances, "case_id", case_id)

    def print_log(self, submission_id: str) -> Row:
        row = self._one(p.print_logs, "submission_id", submission_id)
        if row is None:
            raise _not_found("G", submission_id, "see the case's print logs with "
                             "`handover print-log list --case CASE`")
        return row

    def find_print_log_by_sha(self, case_id: str, sha256: str) -> Row | None:
        t = p.print_logs
        return self.conn.execute(sa.select(t).where(t.c.log == self.log, t.c.case_id == case_id,
                                                    t.c.sha256 == sha256)).first()

    def print_logs(self, case_id: str) -> list[Row]:
        t = p.print_logs
        return self._all(sa.select(t).where(t.c.log == self.log, t.c.case_id == case_id)
                         .order_by(t.c.entry_index))

    def print_logs_by_case(self, case_ids: list[str] | None) -> dict[str, list[Row]]:
        return self._by_case(p.print_logs, case_ids, p.print_logs.c.entry_index)

    def print_totals(self, submission_id: str) -> list[Row]:
        t = p.print_totals
        return self._all(sa.select(t).where(t.c.log == self.log, t.c.submission_id == submission_id)
                         .order_by(t.c.computer, t.c.printer, t.c.day))

    def printed_pages(self, case_id: str) -> int:
        t = p.print_logs
        return int(self.conn.execute(sa.select(sa.func.coalesce(sa.func.sum(t.c.pages), 0)).where(
            t.c.log == self.log, t.c.case_id == case_id)).scalar_one())   # PG sums as Decimal

    def imported_jobs(self, case_id: str, row_hashes: Iterable[str]) -> set[str]:
        """Which of these print-job hashes an earlier import of the case already counted."""
        t, wanted, found = p.print_jobs, list(row_hashes), set()
        for start in range(0, len(wanted), 500):    # bounded IN lists on both databases
            found.update(self.conn.execute(sa.select(t.c.row_sha256).where(
                t.c.log == self.log, t.c.case_id == case_id,
                t.c.row_sha256.in_(wanted[start:start + 500]))).scalars())
        return found

    # --- split visit lists (000 受託事業者 6) ---------------------------------------------------

    def visit_lists(self, case_id: str) -> list[Row]:
        t = p.visit_lists
        return self._all(sa.select(t).where(t.c.log == self.log, t.c.case_id == case_id)
                         .order_by(t.c.entry_index))

    def visit_lists_by_case(self, case_ids: list[str] | None) -> dict[str, list[Row]]:
        return self._by_case(p.visit_lists, case_ids, p.visit_lists.c.entry_index)

    def find_visit_list(self, list_id: str) -> Row | None:
        return self._one(p.visit_lists, "list_id", list_id)

    def visit_list(self, list_id: str) -> Row:
        row = self.find_visit_list(list_id)
        if row is None:
            raise _not_found("L", list_id, "check the ID on the list's label, or see "
                             "`handover visits list CASE`")
        return row

    # --- visit rounds and the 授受簿 (000 受託事業者 4) ------------------------------------------

    def visit_round(self, round_id: str) -> Row:
        row = self._one(p.visit_rounds, "round_id", round_id)
        if row is None:
            raise _not_found("R", round_id, "see `handover visits round list CASE`")
        return row

    def visit_rounds(self, case_id: str, visit_date: str | None = None) -> list[Row]:
        if visit_date is None:
            return self._all_of(_prepared(_CASE_ROUNDS), {"log": self.log, "case": case_id})
        t = p.visit_rounds
        return self._all(sa.select(t).where(t.c.log == self.log, t.c.case_id == case_id,
                                            t.c.visit_date == visit_date)
                         .order_by(t.c.entry_index))

    def round_lists(self, round_id: str) -> list[Row]:
        """The lists issued on a round, in the order issued."""
        t = p.visit_round_lists
        return self._all(sa.select(t).where(t.c.log == self.log, t.c.round_id == round_id)
                         .order_by(t.c.position))

    def lists_out(self, round_id: str) -> list[str]:
        """The lists of a round neither returned nor declared missing."""
        return [r.list_id for r in self.round_lists(round_id)
                if r.returned_at is None and not r.missing]

    # --- names for people ------------------------------------------------------------------

    def name(self, any_id: str | None) -> str:
        """A registered thing's name, for messages and documents; the ID if unknown."""
        if not any_id:
            return ""
        table, column = {"U": (p.people, "person_id"), "O": (p.organisations, "org_id"),
                         "K": (p.cabinets, "cabinet_id"), "C": (p.cases, "case_id"),
                         "W": (p.workstations, "workstation_id")}.get(any_id[0], (None, None))
        if table is None:
            return any_id
        if any_id in self._names:
            return self._names[any_id]
        name = self.conn.execute(sa.select(table.c.name).where(
            table.c.log == self.log, table.c[column] == any_id)).scalar()
        if name is None:
            return any_id
        self._names[any_id] = name
        return name

    def label(self, any_id: str | None) -> str:
        """`name (ID)`, as messages name people and places."""
        if not any_id:
            return ""
        name = self.name(any_id)
        return any_id if name == any_id else f"{name} ({any_id})"


def overrides_of(row: Row) -> list[dict]:
    """The rules a handover or a case closing overrode: [{"rule", "item", "message"}]."""
    return json.loads(row.overrides)
