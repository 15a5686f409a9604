"""PostgreSQL roles the writer cannot escape (issue 13 §3).

An admin role creates and owns every table, trigger and function. The application connects
as a writer role that may only read and append to the ledger (SELECT and INSERT on
`ledger_entries` and `ledger_checkpoints`) and read and write the custody tables, which are a
cache of the ledger. Only an owner may drop or disable a trigger, and the writer owns
nothing: UPDATE, DELETE and TRUNCATE of ledger rows, DROP TRIGGER and ALTER TABLE … DISABLE
TRIGGER all fail for it. On SQLite there are no roles: the file's permissions (0600, its
owner only) are the whole protection (docs/database-roles.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from handover.errors import HandoverError
from handover.model.database import open_database
from handover.model.tables import TABLES, credential_keys, shape
from ledger.schema import checkpoints, entries

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
LEDGER_TABLES = (entries.name, checkpoints.name)


@dataclass(frozen=True)
class WriterGrants:
    schema: str
    owner: str
    writer: str
    ledger_tables: tuple[str, ...]
    custody_tables: tuple[str, ...]

    def as_json(self) -> dict:
        return {"schema": self.schema, "owner": self.owner, "writer": self.writer,
                "ledger_tables": {"tables": list(self.ledger_tables), "writer_may": ["SELECT", "INSERT"]},
                "custody_tables": {"tables": list(self.custody_tables),
                                   "writer_may": ["SELECT", "INSERT", "UPDATE", "DELETE"]}}


def grant_writer(admin_url: str, writer: str) -> WriterGrants:
    """Create the schema as the admin of `admin_url` (its owner) and grant `writer` only what
    the application needs. Safe to run again, e.g. after an upgrade reshaped the tables."""
    if not _ROLE_NAME.fullmatch(writer):
        raise HandoverError(f"writer role name {writer!r} is not allowed",
                            "use lower-case letters, digits and '_' (at most 63), e.g. handover_writer")
    engine = open_database(admin_url, create=True)
    try:
        if engine.dialect.name != "postgresql":
            raise HandoverError("database roles are a PostgreSQL setting; a SQLite file has none",
                                "protect the SQLite file with its permissions (0600, owned by the "
                                "service account): docs/database-roles.md")
        with engine.begin() as conn:
            return _grant(conn, writer)
    finally:
        engine.dispose()


def _grant(conn: sa.Connection, writer: str) -> WriterGrants:
    admin, schema = conn.execute(sa.text("SELECT current_user, current_schema()")).one()
    role = conn.execute(sa.text("SELECT rolsuper, pg_has_role(:w, current_user, 'MEMBER') AS admin "
                                "FROM pg_roles WHERE rolname = :w"), {"w": writer}).first()
    if role is None:
        raise HandoverError(f"role {writer} does not exist",
                            f"create it first as a database administrator: CREATE ROLE {writer} "
                            "LOGIN PASSWORD '…' (docs/database-roles.md)")
    if writer == admin or role.admin:
        raise HandoverError(f"the writer role {writer} is (or is a member of) the admin role {admin}, "
                            "which owns the tables and could drop their triggers",
                            "give --writer a separate role with LOGIN and nothing else")
    if role.rolsuper:
        raise HandoverError(f"the writer role {writer} is a superuser: no privilege binds it",
                            "use a plain LOGIN role for the application")
    q = conn.dialect.identifier_preparer.quote
    custody = tuple(t.name for t in TABLES)
    for stmt in (
        f"GRANT USAGE ON SCHEMA {q(schema)} TO {q(writer)}",
        # Whatever was granted before (by hand, or by an older set-up) goes first.
        f"REVOKE ALL ON {', '.join(map(q, LEDGER_TABLES + custody + (shape.name, credential_keys.name)))} "
        f"FROM {q(writer)}",
        f"GRANT SELECT, INSERT ON {', '.join(map(q, LEDGER_TABLES))} TO {q(writer)}",
        # Encrypted personal keys: added at enrolment, read to unlock, never changed.
        f"GRANT SELECT, INSERT ON {q(credential_keys.name)} TO {q(writer)}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(map(q, custody))} TO {q(writer)}",
        f"GRANT SELECT ON {q(shape.name)} TO {q(writer)}",
    ):
        conn.exec_driver_sql(stmt)
    return WriterGrants(schema, admin, writer, LEDGER_TABLES, custody)
