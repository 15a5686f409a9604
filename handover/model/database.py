"""Opening the database: the ledger's tables plus the domain's projections."""

from __future__ import annotations

import sqlalchemy as sa

import ledger
from handover.errors import HandoverError, lifted
from handover.model.tables import create_tables


def open_database(url: str) -> sa.Engine:
    """An engine for `url` with every table and guard in place."""
    with lifted():
        engine = ledger.create_engine(url)
    try:
        ledger.create_schema(engine)
        create_tables(engine)
    except sa.exc.OperationalError as e:
        raise HandoverError(f"cannot open database {engine.url.render_as_string(hide_password=True)}: "
                            f"{e.orig}", "check --db / HANDOVER_DB and that the server is running") from None
    return engine
