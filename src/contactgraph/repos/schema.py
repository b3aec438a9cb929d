"""The SQL schema (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Normalised: one row per account, contact, opportunity, contact role, case and
relation. Every table has a ``tenant`` column leading its primary key and
every index, and every query filters on it. Look-up keys are stored beside
the values they derive from (``email_key``, ``last_key``…; see
:mod:`contactgraph.repos.keys`), so both databases compare plain text.
Custom fields, external ids and alternates are JSON text; external ids and
alternate emails/phones are also exploded into small tables to be indexed.

``search_key`` holds the folded text that search covers (see
:func:`contactgraph.repos.keys.contact_search_text`); the index over it is not
declared here but by :mod:`contactgraph.repos.sql.migrations`, for each engine:
an FTS5 trigram table kept by triggers on SQLite, a ``pg_trgm`` GIN index on
PostgreSQL.

Timestamps are microseconds since the Unix epoch (UTC), dates ISO text,
money and revenue decimal text: exact in both databases. On PostgreSQL every
text column uses the "C" collation, so ``ORDER BY`` sorts by code point like
Python and SQLite do.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)

__all__ = ["SCHEMA_VERSION", "metadata"]

SCHEMA_VERSION: Final = 7
"""Bumped whenever the schema or the meaning of a stored key changes, with a step in
:mod:`contactgraph.repos.sql.migrations`; a store with a higher number is refused.
Version 1 is release 0.1.0's."""

TEXT = Text().with_variant(Text(collation="C"), "postgresql")

metadata = MetaData()


def _text(name: str, *, nullable: bool = True, primary_key: bool = False) -> Column[str]:
    return Column(name, TEXT, nullable=nullable and not primary_key, primary_key=primary_key)


def _key(name: str) -> Column[str]:
    return Column(name, TEXT, nullable=False)


def _micros(name: str, *, nullable: bool = False) -> Column[int]:
    return Column(name, BigInteger, nullable=nullable)


def _flag(name: str) -> Column[bool]:
    return Column(name, Boolean, nullable=False)


def _address(prefix: str) -> list[Column[str]]:
    return [
        _text(f"{prefix}_{part}") for part in ("street", "city", "state", "postal_code", "country")
    ]


def _aggregate(name: str, *columns: Column[Any] | Index | ForeignKeyConstraint) -> Table:
    """The table of one kind of aggregate: keyed by tenant and id, with its stored version."""
    return Table(
        name,
        metadata,
        _text("tenant", primary_key=True),
        _text("id", primary_key=True),
        Column("version", Integer, nullable=False),
        *columns,
    )


meta = Table(
    "meta",
    metadata,
    _text("tenant", primary_key=True),
    _text("key", primary_key=True),
    _text("value", nullable=False),
    comment="Store metadata; tenant '' holds what concerns the whole store (schema_version).",
)

accounts = _aggregate(
    "accounts",
    _text("name", nullable=False),
    _key("name_key"),
    _text("type"),
    _text("industry"),
    _text("website"),
    _text("phone"),
    *_address("billing"),
    *_address("shipping"),
    _text("parent_id"),
    _text("description"),
    _text("annual_revenue"),
    Column("number_of_employees", BigInteger),
    _text("phone_region"),
    _text("external_ids"),
    _text("extra"),
    _micros("created_at"),
    _micros("updated_at"),
    _text("search_key"),
    Index("ix_accounts_name", "tenant", "name_key", "id"),
    Index("ix_accounts_parent", "tenant", "parent_id"),
)

contacts = Table(
    "contacts",
    metadata,
    _text("tenant", primary_key=True),
    _text("id", primary_key=True),
    _text("account_id", nullable=False),
    _text("salutation"),
    _text("first_name"),
    _text("middle_name"),
    _text("last_name", nullable=False),
    _text("suffix"),
    _text("email"),
    _text("email_key"),
    _text("email_search"),
    _text("phone"),
    _text("mobile"),
    _text("title"),
    _key("title_key"),
    _text("department"),
    _key("department_key"),
    *_address("mailing"),
    _text("reports_to"),
    _text("decision_role"),
    _flag("active"),
    _flag("email_opt_out"),
    _flag("do_not_call"),
    _text("description"),
    _text("birthdate"),
    _text("lead_source"),
    _text("alternate_emails"),
    _text("alternate_phones"),
    _text("external_ids"),
    _text("extra"),
    _micros("created_at"),
    _micros("updated_at"),
    _key("last_key"),
    _key("first_key"),
    _key("middle_key"),
    _key("full_key"),
    _text("search_key"),
    ForeignKeyConstraint(["tenant", "account_id"], ["accounts.tenant", "accounts.id"]),
    Index("ix_contacts_account", "tenant", "account_id"),
    Index("ix_contacts_email", "tenant", "email_key"),
    Index("ix_contacts_phone", "tenant", "phone"),
    Index("ix_contacts_mobile", "tenant", "mobile"),
    Index("ix_contacts_last", "tenant", "last_key", "first_key"),
    Index("ix_contacts_first", "tenant", "first_key", "last_key"),
    # On SQLite, replaced by ``ix_contacts_name_order`` (migrations, step 6).
    Index("ix_contacts_full", "tenant", "full_key"),
    Index("ix_contacts_email_search", "tenant", "email_search"),
)

contact_alternates = Table(
    "contact_alternates",
    metadata,
    _text("tenant", primary_key=True),
    _text("contact_id", primary_key=True),
    _text("kind", primary_key=True),
    _text("value", primary_key=True),
    Index("ix_contact_alternates_value", "tenant", "kind", "value", "contact_id"),
    comment="Alternate emails (kind 'email', their email key) and phones (kind 'phone', E.164).",
)

external_ids = Table(
    "external_ids",
    metadata,
    _text("tenant", primary_key=True),
    _text("kind", primary_key=True),
    _text("owner_id", primary_key=True),
    _text("system", primary_key=True),
    _text("value", nullable=False),
    Index("ix_external_ids_value", "tenant", "kind", "system", "value", "owner_id"),
    comment="Ids in other systems of accounts, contacts, opportunities and cases.",
)

opportunities = _aggregate(
    "opportunities",
    _text("account_id", nullable=False),
    _text("name", nullable=False),
    _key("name_key"),
    _text("stage", nullable=False),
    _flag("is_closed"),
    _text("amount"),
    _text("currency"),
    _text("close_date"),
    _text("description"),
    _text("external_ids"),
    _text("extra"),
    _micros("created_at"),
    _micros("updated_at"),
    Index("ix_opportunities_account", "tenant", "account_id"),
)

opportunity_contact_roles = Table(
    "opportunity_contact_roles",
    metadata,
    _text("tenant", primary_key=True),
    _text("opportunity_id", primary_key=True),
    _text("contact_id", primary_key=True),
    Column("position", Integer, nullable=False),
    _text("role"),
    _flag("is_primary"),
    ForeignKeyConstraint(
        ["tenant", "opportunity_id"], ["opportunities.tenant", "opportunities.id"]
    ),
    Index("ix_opportunity_contact_roles_contact", "tenant", "contact_id"),
)

cases = _aggregate(
    "cases",
    _text("account_id", nullable=False),
    _text("contact_id"),
    _text("subject", nullable=False),
    _text("status", nullable=False),
    _flag("is_closed"),
    _text("priority", nullable=False),
    _text("origin"),
    _text("type"),
    _text("reason"),
    _text("description"),
    _micros("opened_at"),
    _micros("closed_at", nullable=True),
    _text("external_ids"),
    _text("extra"),
    _micros("updated_at"),
    Index("ix_cases_account", "tenant", "account_id"),
    Index("ix_cases_contact", "tenant", "contact_id"),
)

account_contact_relations = _aggregate(
    "account_contact_relations",
    _text("account_id", nullable=False),
    _text("contact_id", nullable=False),
    _text("roles"),
    _text("title"),
    _flag("is_active"),
    _text("start_date"),
    _text("end_date"),
    _micros("created_at"),
    Index("ix_account_contact_relations_account", "tenant", "account_id"),
    Index("ix_account_contact_relations_contact", "tenant", "contact_id"),
)

field_history = Table(
    "field_history",
    metadata,
    _text("tenant", primary_key=True),
    _text("record_id", primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    _text("kind", nullable=False),
    _text("action", nullable=False),
    _text("field"),
    _text("old_value"),
    _text("new_value"),
    _micros("at"),
    _text("actor"),
    _flag("redacted"),
    comment="Field history of contacts and accounts, appended (see contactgraph.repos.history); "
    "the key (tenant, record_id, seq) reads one record's changes in order.",
)

merges = Table(
    "merges",
    metadata,
    _text("tenant", primary_key=True),
    _text("id", primary_key=True),
    _text("kind", nullable=False),
    _text("survivor_id", nullable=False),
    _text("loser_ids", nullable=False),
    _text("people", nullable=False),
    _micros("merged_at"),
    _text("actor"),
    _micros("unmerged_at", nullable=True),
    _text("body", nullable=False),
    Index("ix_merges_survivor", "tenant", "survivor_id"),
    Index("ix_merges_merged_at", "tenant", "merged_at", "id"),
    comment="Merge records (repos/merges.py): loser_ids and people are JSON lists, body JSON.",
)
