"""The projection's tables: current custody state as a fold over the ledger (fold.py), cached
in `proj_*` tables.

The ledger is the source of truth (DESIGN.md, "event sourcing"); these tables are caches of
`fold(entries)`, keyed by log so several wards can share a database. `apply` is the fold's
step: it uses only what the entry holds and what earlier entries put in the tables, never a
clock or a setting, so `rebuild` (delete every row of the log, refold from entry 0)
reproduces the tables exactly. There are no triggers on these tables: they may be rebuilt
at any time. `proj_meta.applied_size` says how many entries are folded in; a writer that
finds it behind (an entry appended by another tool, e.g. a remark) folds the rest first.

Times are stored as the ISO 8601 strings of the entries (+09:00), never as database
timestamps, so both databases hold byte-identical rows.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

import ledger
from handover.errors import HandoverError


class ProjectionShapeError(HandoverError):
    """The tables have another shape and this role may not remake them."""


metadata = sa.MetaData()
_S = sa.String(200)
_ID = sa.String(24)


def _table(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(name, metadata, sa.Column("log", sa.String(64), primary_key=True), *columns)


# applied_hash: the stored hash of the last entry folded in, compared with the ledger before
# a writer trusts the tables (a ledger rewritten or restored under them is refused).
meta = _table("proj_meta", sa.Column("applied_size", sa.BigInteger, nullable=False),
              sa.Column("applied_hash", sa.LargeBinary(32)))
organisations = _table(
    "proj_organisations", sa.Column("org_id", _ID, primary_key=True),
    sa.Column("name", _S, nullable=False), sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("parent_id", _ID), sa.Column("registered_at", sa.String(40), nullable=False))
people = _table(
    "proj_people", sa.Column("person_id", _ID, primary_key=True),
    sa.Column("name", _S, nullable=False), sa.Column("org_id", _ID, nullable=False),
    sa.Column("roles", _S, nullable=False),            # space-separated, sorted
    sa.Column("registered_at", sa.String(40), nullable=False))
cabinets = _table(
    "proj_cabinets", sa.Column("cabinet_id", _ID, primary_key=True),
    sa.Column("name", _S, nullable=False), sa.Column("org_id", _ID, nullable=False),
    sa.Column("location", _S, nullable=False),
    sa.Column("key_holders", sa.Text, nullable=False),  # space-separated person IDs
    sa.Column("registered_at", sa.String(40), nullable=False))
workstations = _table(
    "proj_workstations", sa.Column("workstation_id", _ID, primary_key=True),
    sa.Column("hostname", _S, nullable=False), sa.Column("name", _S, nullable=False),
    sa.Column("org_id", _ID),                           # None: the ward's own
    sa.Column("registered_at", sa.String(40), nullable=False))
case_workstations = _table(
    "proj_case_workstations", sa.Column("case_id", _ID, primary_key=True),
    sa.Column("workstation_id", _ID, primary_key=True),
    sa.Column("authorised_at", sa.String(40), nullable=False))
cases = _table(
    "proj_cases", sa.Column("case_id", _ID, primary_key=True),
    sa.Column("name", _S, nullable=False), sa.Column("ward_org_id", _ID, nullable=False),
    sa.Column("period_start", sa.String(10), nullable=False),
    sa.Column("period_end", sa.String(10), nullable=False),
    sa.Column("separation_minutes", sa.Integer),
    sa.Column("status", sa.String(8), nullable=False),  # open / closed
    sa.Column("opened_at", sa.String(40), nullable=False), sa.Column("closed_at", sa.String(40)),
    sa.Column("close_reason", sa.Text))
case_orgs = _table(
    "proj_case_orgs", sa.Column("case_id", _ID, primary_key=True),
    sa.Column("org_id", _ID, primary_key=True), sa.Column("position", sa.Integer, nullable=False))
roster = _table(
    "proj_roster", sa.Column("case_id", _ID, primary_key=True),
    sa.Column("person_id", _ID, primary_key=True), sa.Column("role", sa.String(16), nullable=False),
    sa.Column("since", sa.String(40), nullable=False))
packages = _table(
    "proj_packages", sa.Column("package_id", _ID, primary_key=True),
    sa.Column("case_id", _ID, nullable=False), sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("record_count", sa.BigInteger, nullable=False),
    sa.Column("file_count", sa.Integer, nullable=False), sa.Column("content", sa.Text, nullable=False),
    sa.Column("workstation_id", _ID, nullable=False), sa.Column("sealed_by", _ID, nullable=False),
    sa.Column("sealed_at", sa.String(40), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False),
    sa.Column("package_file", sa.Text), sa.Column("notice_file", sa.Text),
    sa.Column("report", sa.Boolean, nullable=False))   # sealed by a contractor for the ward
# Everything whose custody is tracked: media, password notices, envelope batches.
items = _table(
    "proj_items", sa.Column("item_id", _ID, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False), sa.Column("case_id", _ID, nullable=False),
    sa.Column("package_id", _ID), sa.Column("medium_kind", sa.String(16)),
    sa.Column("count", sa.BigInteger),                 # envelopes in a batch
    sa.Column("cabinet_id", _ID),                      # set while stored
    sa.Column("holder_person", _ID),                   # set while held by a person
    sa.Column("holder_org", _ID, nullable=False),
    sa.Column("since", sa.String(40), nullable=False),
    sa.Column("ever_provided", sa.Boolean, nullable=False),
    sa.Column("last_handover", _ID),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False))
handovers = _table(
    "proj_handovers", sa.Column("handover_id", _ID, primary_key=True),
    sa.Column("case_id", _ID, nullable=False), sa.Column("moment", sa.String(16), nullable=False),
    sa.Column("occurred_at", sa.String(40), nullable=False),
    sa.Column("from_person", _ID, nullable=False), sa.Column("from_org", _ID, nullable=False),
    sa.Column("to_person", _ID, nullable=False), sa.Column("to_org", _ID, nullable=False),
    sa.Column("method", sa.String(24), nullable=False), sa.Column("courier", _ID),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("media_count", sa.Integer, nullable=False),
    sa.Column("record_count", sa.BigInteger, nullable=False),
    sa.Column("envelope_count", sa.BigInteger, nullable=False),
    sa.Column("override_reason", sa.Text), sa.Column("overrides", sa.Text, nullable=False),
    sa.Column("recorded_by", _ID, nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False),
    sa.Column("confirmed_by", _ID), sa.Column("confirmed_at", sa.String(40)),
    sa.Column("condition", sa.Text), sa.Column("confirm_index", sa.BigInteger))
handover_items = _table(
    "proj_handover_items", sa.Column("handover_id", _ID, primary_key=True),
    sa.Column("item_id", _ID, primary_key=True), sa.Column("position", sa.Integer, nullable=False))
# Cases closed although a rule refused (items still out, handovers unconfirmed), and why.
closing_overrides = _table(
    "proj_closing_overrides", sa.Column("case_id", _ID, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False), sa.Column("overrides", sa.Text, nullable=False),
    sa.Column("recorded_by", _ID, nullable=False),
    sa.Column("closed_at", sa.String(40), nullable=False))
# Every credential ever registered; revoked ones keep their row (verification needs them).
credentials = _table(
    "proj_credentials", sa.Column("credential_id", _ID, primary_key=True),
    sa.Column("person_id", _ID, nullable=False), sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("public_key", sa.Text, nullable=False), sa.Column("fingerprint", _S, nullable=False),
    sa.Column("rp_id", _S), sa.Column("enrolled_by", _ID, nullable=False),
    sa.Column("registered_at", sa.String(40), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.String(40)), sa.Column("revoked_index", sa.BigInteger),
    sa.Column("revoke_reason", sa.Text))
# Incidents (事故報告): open until closed with an outcome; items space-separated.
incidents = _table(
    "proj_incidents", sa.Column("incident_id", _ID, primary_key=True),
    sa.Column("case_id", _ID, nullable=False), sa.Column("category", sa.String(24), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("discovered_at", sa.String(40), nullable=False),
    sa.Column("reported_by", _ID, nullable=False), sa.Column("item_ids", sa.Text, nullable=False),
    sa.Column("ward_notified_at", sa.String(40)), sa.Column("source", sa.String(16), nullable=False),
    sa.Column("status", sa.String(8), nullable=False),  # open / closed
    sa.Column("recorded_by", _ID, nullable=False),
    sa.Column("reported_at", sa.String(40), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False),
    sa.Column("outcome", sa.Text), sa.Column("closed_by", _ID), sa.Column("closed_at", sa.String(40)))
incident_followups = _table(
    "proj_incident_followups", sa.Column("incident_id", _ID, primary_key=True),
    sa.Column("entry_index", sa.BigInteger, primary_key=True),
    sa.Column("note", sa.Text, nullable=False), sa.Column("recorded_by", _ID, nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False))
# Packages sent over LGWAN (one row per upload) and their hash-confirmed receipt.
lgwan_transfers = _table(
    "proj_lgwan_transfers", sa.Column("transfer_id", _ID, primary_key=True),
    sa.Column("handover_id", _ID, nullable=False), sa.Column("medium_id", _ID, nullable=False),
    sa.Column("package_id", _ID, nullable=False), sa.Column("case_id", _ID, nullable=False),
    sa.Column("file_name", _S, nullable=False), sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False), sa.Column("service", _S, nullable=False),
    sa.Column("sender", _ID, nullable=False), sa.Column("workstation_id", _ID, nullable=False),
    sa.Column("sent_at", sa.String(40), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False),
    sa.Column("received_by", _ID), sa.Column("received_at", sa.String(40)))
# Erasure certificates (消去証明書): sources space-separated, locations as a JSON list; who
# received them (the ward; for a sub-contractor's, also its contractor) and the ward's check.
erasures = _table(
    "proj_erasures", sa.Column("certificate_id", _ID, primary_key=True),
    sa.Column("case_id", _ID, nullable=False), sa.Column("org_id", _ID, nullable=False),
    sa.Column("erased", sa.Text, nullable=False), sa.Column("sources", sa.Text, nullable=False),
    sa.Column("locations", sa.Text, nullable=False),
    sa.Column("method", sa.String(16), nullable=False), sa.Column("tool", _S, nullable=False),
    sa.Column("performed_by", _ID, nullable=False), sa.Column("verified_by", _ID, nullable=False),
    sa.Column("erased_on", sa.String(10), nullable=False), sa.Column("place", _S, nullable=False),
    sa.Column("recorded_by", _ID, nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False),
    sa.Column("ward_received_by", _ID), sa.Column("ward_received_at", sa.String(40)),
    sa.Column("contractor_received_by", _ID), sa.Column("contractor_received_at", sa.String(40)),
    sa.Column("checked_by", _ID), sa.Column("checked_at", sa.String(40)),
    sa.Column("check_note", sa.Text))
# Print logs (004 受託事業者 13): the designated count per case, each submission, its totals
# per computer/printer/day, and every job counted (by content hash, so none counts twice).
print_allowances = _table(
    "proj_print_allowances", sa.Column("case_id", _ID, primary_key=True),
    sa.Column("pages", sa.BigInteger, nullable=False), sa.Column("basis", sa.Text, nullable=False),
    sa.Column("set_by", _ID, nullable=False), sa.Column("set_at", sa.String(40), nullable=False))
print_logs = _table(
    "proj_print_logs", sa.Column("submission_id", _ID, primary_key=True),
    sa.Column("case_id", _ID, nullable=False), sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("layout", sa.String(16), nullable=False),
    sa.Column("encoding", sa.String(16), nullable=False),
    sa.Column("pages", sa.BigInteger, nullable=False), sa.Column("jobs", sa.BigInteger, nullable=False),
    sa.Column("repeated_jobs", sa.BigInteger, nullable=False),
    sa.Column("first_at", sa.String(40), nullable=False),
    sa.Column("last_at", sa.String(40), nullable=False),
    sa.Column("allowance", sa.BigInteger, nullable=False),
    sa.Column("excess", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text), sa.Column("explained_by", _ID),
    sa.Column("explained_at", sa.String(40)),
    sa.Column("imported_by", _ID, nullable=False),
    sa.Column("imported_at", sa.String(40), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False))
print_totals = _table(
    "proj_print_totals", sa.Column("submission_id", _ID, primary_key=True),
    sa.Column("computer", _S, primary_key=True), sa.Column("printer", _S, primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("pages", sa.BigInteger, nullable=False), sa.Column("jobs", sa.BigInteger, nullable=False))
print_jobs = _table(
    "proj_print_jobs", sa.Column("case_id", _ID, primary_key=True),
    sa.Column("row_sha256", sa.String(64), primary_key=True),
    sa.Column("submission_id", _ID, nullable=False))
# Split visit lists (000 受託事業者 6): counts, columns and hashes only, never the rows.
visit_lists = _table(
    "proj_visit_lists", sa.Column("list_id", _ID, primary_key=True),
    sa.Column("case_id", _ID, nullable=False), sa.Column("half", sa.String(1), nullable=False),
    sa.Column("columns", sa.Text, nullable=False),      # JSON list
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("source_sha256", sa.String(64), nullable=False),
    sa.Column("paired_with", _ID, nullable=False),
    sa.Column("warnings", sa.Text, nullable=False),     # JSON list
    sa.Column("holder_person", _ID), sa.Column("holder_org", _ID, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False),
    # Custody (000 受託事業者 4): held by the contractor, out on a round, or missing.
    sa.Column("since", sa.String(40), nullable=False),
    sa.Column("state", sa.String(8), nullable=False),   # held / out / missing
    sa.Column("round_id", _ID))                         # the round it is out on (or lost on)
# Visit rounds (授受簿): one row per round, and one per list issued on it.
visit_rounds = _table(
    "proj_visit_rounds", sa.Column("round_id", _ID, primary_key=True),
    sa.Column("case_id", _ID, nullable=False),
    sa.Column("visit_date", sa.String(10), nullable=False),
    sa.Column("visitors", sa.Text, nullable=False),     # space-separated person IDs
    sa.Column("area", sa.Text, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("issued_by", _ID, nullable=False),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("status", sa.String(8), nullable=False),  # open / closed
    sa.Column("closed_by", _ID), sa.Column("closed_at", sa.String(40)),
    sa.Column("incident_id", _ID), sa.Column("note", sa.Text),
    sa.Column("entry_index", sa.BigInteger, nullable=False))
visit_round_lists = _table(
    "proj_visit_round_lists", sa.Column("round_id", _ID, primary_key=True),
    sa.Column("list_id", _ID, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("visitor", _ID, nullable=False),
    sa.Column("returned_to", _ID), sa.Column("returned_at", sa.String(40)),
    sa.Column("method", sa.String(8)),                  # scanned / counted
    sa.Column("missing", sa.Boolean, nullable=False))
# On-site inspections (立入調査), one row each; `fiscal_year` is the April-March year it falls in.
inspections = _table(
    "proj_inspections", sa.Column("inspection_id", _ID, primary_key=True),
    sa.Column("case_id", _ID, nullable=False), sa.Column("org_id", _ID, nullable=False),
    sa.Column("inspected_on", sa.String(10), nullable=False),
    sa.Column("fiscal_year", sa.Integer, nullable=False),
    sa.Column("inspectors", sa.Text, nullable=False),    # space-separated person IDs
    sa.Column("place", sa.Text, nullable=False),
    sa.Column("findings", sa.Text, nullable=False),      # JSON, as recorded
    sa.Column("follow_ups", sa.Text, nullable=False),    # JSON list
    sa.Column("recorded_by", _ID, nullable=False),
    sa.Column("entry_index", sa.BigInteger, nullable=False))
# Which entries concern which ID: `handover history` reads those entries from the ledger.
subject_entries = _table(
    "proj_subject_entries", sa.Column("subject_id", _ID, primary_key=True),
    sa.Column("entry_index", sa.BigInteger, primary_key=True))

# Indexes for what reports and the scanning station ask (status per case, history of one ID,
# a label's item), so none of them reads rows it was not asked about.
INDEXES = (
    sa.Index("ix_proj_items_case", items.c.log, items.c.case_id, items.c.entry_index, items.c.item_id),
    sa.Index("ix_proj_items_package", items.c.log, items.c.package_id),
    sa.Index("ix_proj_items_cabinet", items.c.log, items.c.cabinet_id),
    sa.Index("ix_proj_handovers_case", handovers.c.log, handovers.c.case_id, handovers.c.entry_index),
    sa.Index("ix_proj_handover_items_item", handover_items.c.log, handover_items.c.item_id),
    sa.Index("ix_proj_packages_case", packages.c.log, packages.c.case_id),
    sa.Index("ix_proj_subject_entries_entry", subject_entries.c.log, subject_entries.c.entry_index),
    sa.Index("ix_proj_credentials_person", credentials.c.log, credentials.c.person_id),
    sa.Index("ix_proj_incidents_case", incidents.c.log, incidents.c.case_id, incidents.c.entry_index),
    sa.Index("ix_proj_lgwan_transfers_package", lgwan_transfers.c.log, lgwan_transfers.c.package_id),
    sa.Index("ix_proj_erasures_case", erasures.c.log, erasures.c.case_id, erasures.c.entry_index),
    sa.Index("ix_proj_print_logs_case", print_logs.c.log, print_logs.c.case_id,
             print_logs.c.entry_index),
    sa.Index("ix_proj_visit_lists_case", visit_lists.c.log, visit_lists.c.case_id,
             visit_lists.c.entry_index),
    sa.Index("ix_proj_visit_rounds_case", visit_rounds.c.log, visit_rounds.c.case_id,
             visit_rounds.c.visit_date, visit_rounds.c.entry_index),
    sa.Index("ix_proj_inspections_case", inspections.c.log, inspections.c.case_id,
             inspections.c.entry_index),
    sa.Index("ix_proj_workstations_host", workstations.c.log, workstations.c.hostname),
    # the dashboard (model/pages.py): a person's cases, and handovers awaiting their confirmation
    sa.Index("ix_proj_roster_person", roster.c.log, roster.c.person_id),
    sa.Index("ix_proj_cases_ward", cases.c.log, cases.c.ward_org_id, cases.c.status),
    sa.Index("ix_proj_handovers_to_org", handovers.c.log, handovers.c.to_org, handovers.c.confirmed_by),
)

TABLES: tuple[sa.Table, ...] = tuple(metadata.sorted_tables)

# Not a projection (rebuild never touches it, the ledger does not hold it): the encrypted
# private keys of passphrase credentials, written in the transaction that registers them.
# Useless without the passphrase (crypto/personal_keys.py); kept out of the ledger so that an
# exported ledger never gives anyone something to guess passphrases against.
keystore_metadata = sa.MetaData()
credential_keys = sa.Table(
    "credential_keys", keystore_metadata, sa.Column("log", sa.String(64), primary_key=True),
    sa.Column("credential_id", _ID, primary_key=True), sa.Column("wrapped", sa.Text, nullable=False))
_SCHEMA_LOCK = 0x68616E646F767072  # "handovpr": projection DDL, distinct from the ledger's


# The shape of the tables this version folds into. Kept apart from `metadata`: it outlives them.
shape = sa.Table("proj_shape", sa.MetaData(), sa.Column("fingerprint", sa.String(64), primary_key=True))


def fingerprint() -> str:
    """A digest of every projection table's columns and indexes, as this version defines them."""
    described = [[t.name, [[c.name, str(c.type), c.primary_key, c.nullable] for c in t.columns]]
                 for t in TABLES] + [[i.name, [c.name for c in i.columns]] for i in INDEXES]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


def create_tables(engine: sa.Engine) -> None:
    """Create the projection tables if missing. Safe to call from several processes at once.

    The tables are a cache of the ledger: when the database holds tables of another shape (made
    by an earlier version, before a column was added), they are dropped and made anew, and the
    next reader or writer refolds every entry into them."""
    with ledger.write_connection(engine) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
        shape.create(conn, checkfirst=True)
        ours = fingerprint()
        if conn.execute(sa.select(shape.c.fingerprint)).scalar() != ours:
            _require_owner(conn)
            metadata.drop_all(conn)
            conn.execute(shape.delete())
            conn.execute(shape.insert().values(fingerprint=ours))
        metadata.create_all(conn)
        keystore_metadata.create_all(conn)
        for index in INDEXES:       # databases made before the indexes existed get them too
            index.create(conn, checkfirst=True)


def _require_owner(conn: sa.Connection) -> None:
    """On PostgreSQL set up with roles, only the admin may remake the tables."""
    if conn.dialect.name != "postgresql":
        return
    owner = conn.execute(sa.text("SELECT tableowner FROM pg_tables WHERE tablename = 'proj_shape' "
                                 "AND schemaname = current_schema()")).scalar()
    if owner is not None and owner != conn.execute(sa.text("SELECT current_user")).scalar():
        raise ProjectionShapeError(
            "the custody tables were made by an earlier version and this database role may not "
            "remake them (they belong to the admin role)",
            "as the database admin, run `handover db init --admin-url … --writer …` once after "
            "upgrading")


def snapshot(conn: sa.Connection, log: str) -> dict[str, list[tuple]]:
    """Every projection row of `log`, table by table, in primary-key order (for comparisons)."""
    out = {}
    for table in TABLES:
        order = [c for c in table.primary_key.columns]
        rows = conn.execute(sa.select(table).where(table.c.log == log).order_by(*order))
        out[table.name] = [tuple(r) for r in rows]
    return out
