"""Does every entry keep the custody rules? `replay_rules` folds the whole log, from entry 0,
into a fresh in-memory projection and, before folding each entry, runs the same check the
writer ran before appending it (`policy.acts.check`). An entry the rules would have refused
is a finding: its index, the rule, the item (issue 13 §1).

This is what catches a record appended behind the application's back, by plain INSERT with a
correct hash chain: the chain and the signatures verify, the rules do not. It reads only the
entries: the recorded time stands in for the clock and the recorded origin for the host, and
an entry recorded past an overridable rule passes only if the entry itself lists that
override. A finding does not stop the replay: the entry is folded anyway (the ledger says it
happened), so later entries are judged against the state the log really describes.

The entries of one act share their actor and recorded time; a check sees the events after
its own in the same act (an LGWAN provide is recorded with the transfer holding its hash).
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import sqlite3
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

import ledger
from handover.errors import HandoverError, PolicyViolation, lifted
from handover.model import events as ev
from handover.model import fold
from handover.model import tables as p
from handover.model.policy import acts
from handover.model.state import Row, State
from handover.model.tables import metadata

# What a finding names when no custody rule refused the entry: it could not be checked.
UNRESOLVABLE = "unresolvable"          # names something never registered, or not what it says
MALFORMED = "malformed-entry"          # its payload is not an event of its kind
OVERRIDE_NOT_RECORDED = "override-not-recorded"   # passed a rule by a reason, unlisted


@dataclass(frozen=True)
class Finding:
    index: int
    kind: str
    actor: str
    rule: str
    item: str | None
    message: str

    def as_json(self) -> dict:
        return {"index": self.index, "kind": self.kind, "actor": self.actor, "rule": self.rule,
                "item": self.item, "message": self.message}

    def text(self) -> str:
        item = f" {self.item}" if self.item else ""
        return f"entry {self.index} ({self.kind} by {self.actor}): {self.rule}{item}: {self.message}"


@dataclass(frozen=True)
class Replay:
    log: str
    entries: int
    findings: list[Finding]

    def as_json(self) -> dict:
        return {"log": self.log, "entries": self.entries, "ok": not self.findings,
                "findings": [f.as_json() for f in self.findings]}


def replay_rules(engine: sa.Engine, log: str) -> Replay:
    """Check every entry of `log` against the custody rules; writes nothing to `engine`."""
    scratch = sa.create_engine("sqlite://", poolclass=StaticPool)
    metadata.create_all(scratch)
    findings: list[Finding] = []
    count = 0
    with lifted(), engine.connect() as live, scratch.begin() as fresh:
        st = _ReplayState(fresh, log)
        batch = fold.new_batch(fresh, _inserter(fresh), _updater(fresh))
        for act in _acts(ledger.read_entries(live, log)):
            events = [_decoded(entry, findings) for entry in act]
            for i, entry in enumerate(act):
                if events[i] is not None:
                    findings += _judge(st, entry, events[i],
                                       [e for e in events[i + 1:] if e is not None])
                    findings += _fold(batch, log, entry, events[i])
                    st.forget(*batch.take_written())
                count += 1
    scratch.dispose()
    return Replay(log, count, findings)


def _acts(entries: Iterable[ledger.Entry]) -> Iterator[list[ledger.Entry]]:
    """Consecutive entries of one recording: the same actor at the same recorded time."""
    group: list[ledger.Entry] = []
    for entry in entries:
        if group and (entry.actor, entry.time) != (group[0].actor, group[0].time):
            yield group
            group = []
        group.append(entry)
    if group:
        yield group


def _decoded(entry: ledger.Entry, findings: list[Finding]) -> ev.Event | None:
    """The entry's event; None for the ledger's own entries (key rotations) and, with a
    finding, for a payload that is not an event of its kind."""
    if entry.kind not in ev.BY_KIND:
        return None
    try:
        if not isinstance(entry.payload, dict):
            raise TypeError("the payload is not an object")
        return ev.decode(entry)
    except (TypeError, ValueError) as e:
        findings.append(Finding(entry.index, entry.kind, entry.actor, MALFORMED, None,
                                f"cannot be read as a {entry.kind}: {e}"))
        return None


class _ReplayState(State):
    """The state the checks read during the replay, remembering what it read until the fold
    writes to the table it came from: most checks read the same people, cases, packages and
    workstations over and over, and the fold changes few tables per entry. A row found by its
    key (`_one`) stays valid until its table is updated or deleted from (an insert adds rows
    with other keys); an answer over many rows (a roster, a case's contractors, the items of
    a package) until its tables are written at all. Only the replay may use it: it hears of
    every write (`forget`), the writer's State does not."""

    # Reads over many rows, by the tables they read.
    _MANY = {"roster_role": (p.roster,), "case_orgs": (p.case_orgs,),
             "workstation_authorised": (p.case_workstations,), "items": (p.items,),
             "envelopes_delivered": (p.items,), "org_count": (p.organisations,),
             "person_count": (p.people,), "credentials_of": (p.credentials,)}

    def __init__(self, conn: sa.Connection, log: str):
        super().__init__(conn, log)
        self._by_key: dict[str, dict[tuple[str, str], Row]] = {}
        self._answers: dict[str, dict[tuple, object]] = {name: {} for name in self._MANY}
        self._raw = conn.connection.driver_connection

    def _one(self, table: sa.Table, column: str, value: str) -> Row | None:
        known = self._by_key.setdefault(table.name, {})
        row = known.get((column, value))
        if row is None:
            # Straight through sqlite3, like the replay's inserts: the lookup by key is most
            # of what is left of a check once the rest is remembered.
            statement, make = _row_reader(table, column)
            found = self._raw.execute(statement, (self.log, value)).fetchone()
            if found is not None:
                row = known[(column, value)] = make(found)
        return row

    def forget(self, inserted: set[str], changed: set[str]) -> None:
        for name in changed:
            self._by_key.pop(name, None)
        written = inserted | changed
        if written:
            for name, tables in self._MANY.items():
                if self._answers[name] and any(t.name in written for t in tables):
                    self._answers[name].clear()


@functools.cache
def _row_reader(table: sa.Table, column: str) -> tuple[str, Callable[[tuple], tuple]]:
    """The SQL reading one row of `table` by `column`, and what makes a row of what sqlite3
    returns: a named tuple, as SQLAlchemy's rows, with booleans as booleans (SQLite stores
    them as integers; no other column of the projection needs converting)."""
    names = [c.name for c in table.columns]
    shape = collections.namedtuple(f"{table.name}_row", names)
    flags = [i for i, c in enumerate(table.columns) if isinstance(c.type, sa.Boolean)]
    columns = ", ".join(f'"{n}"' for n in names)
    statement = f'SELECT {columns} FROM "{table.name}" WHERE "log" = ? AND "{column}" = ? LIMIT 1'
    if not flags:
        return statement, shape._make

    def make(values: tuple) -> tuple:
        values = list(values)
        for i in flags:
            values[i] = None if values[i] is None else bool(values[i])
        return shape._make(values)
    return statement, make


def _remembering(name: str):
    read = getattr(State, name)

    def remembered(self: _ReplayState, *args, **kwargs):
        known = self._answers[name]
        key = tuple(tuple(a) if isinstance(a, list) else a for a in args)
        if kwargs:
            key += tuple(sorted(kwargs.items()))
        if key not in known:
            known[key] = read(self, *args, **kwargs)
        return known[key]
    remembered.__doc__ = read.__doc__
    return remembered


for _name in _ReplayState._MANY:
    setattr(_ReplayState, _name, _remembering(_name))


def _inserter(conn: sa.Connection):
    """Inserts into the replay's in-memory SQLite straight through sqlite3, each statement
    built once: the fold writes after every entry, so a check sees all earlier entries, and
    SQLAlchemy's per-statement work would cost more than SQLite's insert. The projection's
    columns hold plain text, integers and booleans: nothing to convert."""
    raw = conn.connection.driver_connection
    statements: dict[tuple[str, tuple[str, ...]], str] = {}

    def insert_many(table: sa.Table, rows: list[dict]) -> None:
        key = (table.name, tuple(rows[0]))
        if key not in statements:
            columns = ", ".join(f'"{c}"' for c in key[1])
            values = ", ".join(f":{c}" for c in key[1])
            statements[key] = f'INSERT INTO "{table.name}" ({columns}) VALUES ({values})'
        raw.executemany(statements[key], rows)
    return insert_many


def _updater(conn: sa.Connection):
    """Updates by key in the replay's in-memory SQLite straight through sqlite3, as the
    inserts: the fold updates items and handovers for most entries. Statements are built
    once per table, columns set and number of keys."""
    raw = conn.connection.driver_connection
    statements: dict[tuple, str] = {}

    def update_keys(table: sa.Table, column: str, log: str, keys: list[str],
                    values: dict) -> None:
        key = (table.name, column, tuple(values), len(keys))
        if key not in statements:
            assigned = ", ".join(f'"{c}" = ?' for c in key[2])
            marks = ", ".join("?" * len(keys))
            statements[key] = (f'UPDATE "{table.name}" SET {assigned} '
                               f'WHERE "log" = ? AND "{column}" IN ({marks})')
        raw.execute(statements[key], (*values.values(), log, *keys))
    return update_keys


def _fold(batch, log: str, entry: ledger.Entry, event: ev.Event) -> list[Finding]:
    """Fold one entry; an entry the fold cannot apply (a forged one naming rows that do not
    exist, or one already there) is a finding and changes nothing."""
    try:
        fold.step(batch, log, entry, event)
        batch.flush()
    except (sa.exc.SQLAlchemyError, sqlite3.Error, KeyError, TypeError, ValueError,
            AttributeError) as e:
        batch.rows.clear()
        batch.pending = 0
        return [Finding(entry.index, entry.kind, entry.actor, MALFORMED, None,
                        f"cannot be folded: {type(e).__name__}: {str(e).splitlines()[0]}")]
    return []


def _judge(st: State, entry: ledger.Entry, event: ev.Event,
           following: list[ev.Event]) -> list[Finding]:
    def finding(rule: str, item: str | None, message: str) -> Finding:
        return Finding(entry.index, entry.kind, entry.actor, rule, item, message)

    origin = entry.payload.get("origin")
    try:
        used = acts.check(st, entry.actor, dt.datetime.fromisoformat(entry.time), event,
                          origin if isinstance(origin, dict) else None, following)
    except PolicyViolation as v:
        return [finding(v.rule, v.item, v.message)]
    except HandoverError as e:
        return [finding(UNRESOLVABLE, None, e.message)]
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        return [finding(MALFORMED, None, f"{type(e).__name__}: {e}")]
    return [finding(OVERRIDE_NOT_RECORDED, u["item"],
                    f"{u['message']} (the entry gives a reason but does not list this override)")
            for u in acts.unrecorded_overrides(event, used)]
