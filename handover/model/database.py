"""Opening the database: the ledger's tables plus the domain's projections."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

import ledger
from ledger.schema import entries as ledger_entries
from handover.errors import HandoverError, lifted
from handover.model.tables import create_tables


class NotInitialised(HandoverError):
    """The database named has no handover ledger: only `init` (and the demo) create one."""


def open_database(url: str, *, create: bool = False) -> sa.Engine:
    """An engine for `url` with every table and guard in place.

    Only `create=True` (`handover init`, the demo, tests) may make a new database: any other
    command run against a mistyped path would otherwise create an empty one and report
    "no cases yet" or "acting person … is not registered" instead of the real mistake."""
    with lifted():
        engine = ledger.create_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    if not create and _sqlite_file_missing(engine):
        raise _not_initialised(shown, "does not exist")
    try:
        if not create and not sa.inspect(engine).has_table(ledger_entries.name):
            raise _not_initialised(shown, "has no handover ledger")
        ledger.create_schema(engine)
        create_tables(engine)
    except sa.exc.OperationalError as e:
        raise HandoverError(f"cannot open database {shown}: {e.orig}",
                            "check --db / HANDOVER_DB and that the server is running") from None
    except sa.exc.ProgrammingError as e:   # e.g. a writer role that may not create a new table
        raise HandoverError(f"cannot set up the tables in database {shown}: {e.orig}",
                            "as the database admin, run `handover db init --admin-url … --writer …` "
                            "(docs/database-roles.md)") from None
    return engine


def _sqlite_file_missing(engine: sa.Engine) -> bool:
    path = engine.url.database
    return (engine.dialect.name == "sqlite" and bool(path) and path != ":memory:"
            and not path.startswith("file:") and not Path(path).exists())


def _not_initialised(shown: str, what: str) -> NotInitialised:
    return NotInitialised(f"database {shown} {what}; nothing was read or recorded",
                          "set the ward up once with `handover init` against this database, "
                          "or point --db / HANDOVER_DB at the ward's existing database")
