"""Is the projection what the ledger says? `differences` refolds the log from entry 0 into a
fresh in-memory database and compares it, table by table and row by row, with the live
projection, without changing anything (`handover rebuild --check`).

The projection is a cache that anyone with write access to the database can edit: mark an
out medium as back, add a roster row. `rebuild` would silently overwrite such an edit; this
names it first, so the edit is evidence rather than lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

import ledger
from handover.errors import lifted
from handover.model import fold
from handover.model.tables import TABLES, meta, metadata


@dataclass(frozen=True)
class Difference:
    table: str
    key: dict[str, Any]
    column: str | None        # None: the whole row is only on one side
    live: Any
    ledger: Any

    def as_json(self) -> dict:
        return {"table": self.table, "key": self.key, "column": self.column,
                "live": self.live, "ledger": self.ledger}

    def text(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        if self.column is None:
            where = "only in the live tables" if self.ledger is None else "missing from the live tables"
            return f"{self.table} [{key}]: row {where}"
        return f"{self.table} [{key}].{self.column}: live {self.live!r}, ledger says {self.ledger!r}"


@dataclass(frozen=True)
class Comparison:
    log: str
    entries: int              # entries folded for the comparison
    differences: list[Difference]


def differences(engine: sa.Engine, log: str) -> Comparison:
    """Compare the live projection of `log` with a fresh fold of the entries it claims to
    have folded. Reads one consistent snapshot; writes nothing to `engine`."""
    scratch = sa.create_engine("sqlite://", poolclass=StaticPool)
    metadata.create_all(scratch)
    with lifted(), engine.connect() as live, live.begin(), scratch.begin() as fresh:
        folded = fold.applied_size(live, log)
        size = min(folded, ledger.log_size(live, log))
        batch = fold.new_batch(fresh)
        for entry in ledger.read_entries(live, log, 0, size):
            fold.step(batch, log, entry)
        batch.flush()
        fold.set_applied(fresh, log, folded, None)
        found = []
        for table in TABLES:
            found += _compare(table, _rows(live, table, log), _rows(fresh, table, log))
    scratch.dispose()
    return Comparison(log, size, found)


def _rows(conn: sa.Connection, table: sa.Table, log: str) -> dict[tuple, dict]:
    key = [c.name for c in table.primary_key.columns]
    rows = conn.execute(sa.select(table).where(table.c.log == log)).mappings()
    return {tuple(r[k] for k in key): dict(r) for r in rows}


def _compare(table: sa.Table, live: dict[tuple, dict], fresh: dict[tuple, dict]) -> list[Difference]:
    names = [c.name for c in table.primary_key.columns]
    out = []
    for key in sorted(live.keys() | fresh.keys(), key=lambda k: tuple(map(str, k))):
        shown = {n: v for n, v in zip(names, key) if n != "log"}
        a, b = live.get(key), fresh.get(key)
        if a is None or b is None:
            out.append(Difference(table.name, shown, None, a, b))
            continue
        for column in a:
            if a[column] != b[column] and table is not meta:
                out.append(Difference(table.name, shown, column, a[column], b[column]))
    return out
