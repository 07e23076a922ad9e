"""The store's tables (SQLAlchemy Core), named so that the SQLite file reads well in Datasette.

The history is in ``snapshots`` (every page's bytes, content-addressed), ``sources`` (each URL or
path), ``sightings`` (which snapshot a source showed, and when) and ``records`` (each parse of a
source's snapshot, versioned per source). ``projects``, ``project_texts``, ``beneficiaries`` and
``findings`` are the current, merged view, rebuilt from the current records.

This module is the schema as the code expects it; the migrations in ``migrations/versions`` build
it (a test checks that they agree). Times are UTC, stored without a zone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

if TYPE_CHECKING:
    from alembic.runtime.environment import NameFilterParentNames, NameFilterType

#: The Alembic revision this code writes; ``open_store`` upgrades older databases to it.
SCHEMA_REVISION = "0005"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("sha256", String(64), primary_key=True, comment="SHA-256 of the page's bytes, in hex"),
    Column("content", LargeBinary, nullable=False, comment="the page's bytes, zlib-compressed"),
    Column("compression", String(16), nullable=False, comment="how content is compressed (zlib)"),
    Column("size", Integer, nullable=False, comment="size of the bytes before compression"),
    Column("format", String(8), nullable=False, comment="text or html"),
    Column("encoding", String(32), comment="the encoding the bytes were decoded with"),
    Column("lang", String(2), comment="fr, en or es, as detected by the parser"),
    Column("layout", String(16), comment="fields, table, values, or null for a non-project page"),
    Column("first_seen", DateTime, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("locator", Text, nullable=False, unique=True, comment="the page's URL, or the file's absolute path"),
    Column("kind", String(8), nullable=False, comment="url or path"),
    Column("latest_sha256", String(64), ForeignKey("snapshots.sha256"), nullable=False),
    Column("first_seen", DateTime, nullable=False),
    Column("last_changed", DateTime, nullable=False),
)

sightings = Table(
    "sightings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=False, index=True),
    Column("snapshot_sha256", String(64), ForeignKey("snapshots.sha256"), nullable=False, index=True),
    Column("seen_at", DateTime, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(400), nullable=False, unique=True, comment="identity: project_id:…, prima_id:… or fallback:…"),
    Column("key_kind", String(16), nullable=False, comment="project_id, prima_id or fallback"),
    Column("project_id", String(32), index=True),
    Column("prima_id", String(32), index=True),
    Column("title", Text, comment="the title in the preferred language (en, fr, es)"),
    Column("languages", String(16), nullable=False, comment="languages with a page, comma-separated"),
    Column("budget_usd", Float),
    Column("coverage", String(16)),
    Column("status", String(16)),
    Column("year", Integer),
    Column("start_year", Integer),
    Column("end_year", Integer),
    Column("duration_months", Integer),
    Column("idf_region", String(32)),
    Column("project_type", String(64)),
    Column("mission", String(3)),
    Column("version", Integer, nullable=False, comment="1, then +1 each time the merged record changes"),
    Column("state_sha256", String(64), nullable=False, comment="hash of the merged record, texts and findings"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False, index=True),
    # For the filters and sort orders of search (migration 0004).
    Index("ix_projects_idf_region", "idf_region"),
    Index("ix_projects_project_type", "project_type"),
    Index("ix_projects_status", "status"),
    Index("ix_projects_coverage", "coverage"),
    Index("ix_projects_budget_usd", "budget_usd"),
)

#: Search's default order (newest first) and its year filter read this expression.
sort_year = func.coalesce(projects.c.year, projects.c.start_year)
Index("ix_projects_sort_year", sort_year)

records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=False),
    Column("version", Integer, nullable=False, comment="1, 2, … per source"),
    Column("is_current", Boolean, nullable=False),
    Column("sighting_id", Integer, ForeignKey("sightings.id"), nullable=False),
    Column("snapshot_sha256", String(64), ForeignKey("snapshots.sha256"), nullable=False, index=True),
    Column("lang", String(2)),
    Column("is_project", Boolean, nullable=False),
    Column("project_key", String(400), comment="the identity key read from this page"),
    Column("project", Integer, ForeignKey("projects.id", ondelete="SET NULL"), index=True),
    Column("parser_version", String(32), nullable=False),
    Column("reason", String(16), nullable=False, comment="ingest or reparse"),
    Column("parsed_at", DateTime, nullable=False),
    Column("result_json", Text, nullable=False, comment="the parse result (the parse contract's object)"),
    UniqueConstraint("source_id", "version"),
    Index("ix_records_source_id_is_current", "source_id", "is_current"),
)

project_texts = Table(
    "project_texts",
    metadata,
    Column("project", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("lang", String(2), primary_key=True),
    Column("title", Text),
    Column("description", Text),
    Column("status_label", Text),
    Column("project_type_label", Text),
    Column("idf_region_label", Text),
    Column("url", Text, nullable=False, comment="the URL or path of the page this text was read from"),
    Column("snapshot_sha256", String(64), ForeignKey("snapshots.sha256"), nullable=False),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
)

beneficiaries = Table(
    "beneficiaries",
    metadata,
    Column("project", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, comment="order on the page, from 0"),
    Column("iso3", String(3), nullable=False, index=True),
    Column("name", Text, nullable=False, comment="as written on the page"),
    Column("eligible", Boolean, nullable=False),
    Column("lang", String(2), comment="the language version the list was taken from"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("rule", String(64), nullable=False, index=True),
    Column("severity", String(8), nullable=False, index=True),
    Column("field", String(32)),
    Column("message", Text, nullable=False),
    Column("lang", String(2)),
    Column("snapshot_sha256", String(64), ForeignKey("snapshots.sha256"), comment="the page the span refers to"),
    Column("span_start", Integer),
    Column("span_end", Integer),
    Column("source", Text, comment="where the rule comes from"),
)

# What full-text search reads: one document per project, its id the project's, rewritten with the
# project (store/search.py). On SQLite the FTS5 table search_fts indexes it (migration 0004,
# triggers keep it current); on PostgreSQL its generated column tsv and a GIN index.
search_documents = Table(
    "search_documents",
    metadata,
    Column("id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True,
           comment="the project's id"),
    *(Column(f"title_{lang}", Text, nullable=False) for lang in ("en", "fr", "es")),
    *(Column(f"body_{lang}", Text, nullable=False) for lang in ("en", "fr", "es")),
    Column("keywords", Text, nullable=False, comment="type, region and country names in fr/en/es"),
)

# Settings the store keeps about itself (the glossary the search index was built with).
store_settings = Table(
    "store_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: What the database keeps for full-text search beside this metadata (migration 0004): on SQLite,
#: the FTS5 table search_fts and its shadow tables; on PostgreSQL, the generated tsvector column
#: search_documents.tsv and its GIN index.
FULLTEXT_TABLE_PREFIX = "search_fts"
FULLTEXT_COLUMN = "tsv"
FULLTEXT_INDEX = "ix_search_documents_tsv"
#: PostgreSQL's indexes for descending sorts (migration 0004), outside this metadata too.
POSTGRESQL_ONLY_INDEXES = frozenset({FULLTEXT_INDEX, "ix_projects_sort_year_desc", "ix_projects_budget_usd_desc"})


def include_name(name: str | None, kind: NameFilterType, parent_names: NameFilterParentNames) -> bool:
    """Alembic's ``include_name`` hook: compare everything but the full-text objects above, which
    belong to one database each (the test that the migrations agree with this metadata uses it)."""
    if kind == "table":
        return not str(name).startswith(FULLTEXT_TABLE_PREFIX)
    if kind == "column":
        return not (parent_names.get("table_name") == search_documents.name and name == FULLTEXT_COLUMN)
    if kind == "index":
        return name not in POSTGRESQL_ONLY_INDEXES
    return True

# The crawler's frontier (migration 0003): every URL it knows, its state and the validators of its
# last fetch, committed per URL so that a killed crawl goes on where it stopped (fundatlas/crawl).
crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("command", String(16), nullable=False, comment="crawl or update"),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, comment="null while running, or when the run was killed"),
    Column("user_agent", Text, nullable=False),
    Column("settings_json", Text, nullable=False, comment="the politeness settings of the run"),
    Column("counts_json", Text, comment="outcomes counted when the run ended"),
)

crawl_urls = Table(
    "crawl_urls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True, comment="normalised: no fragment, sorted query, lower-case host"),
    Column("host", String(255), nullable=False, index=True),
    Column("kind", String(8), nullable=False, comment="page, listing, sitemap or other"),
    Column("state", String(8), nullable=False, comment="queued, fetching, done, failed or skipped"),
    Column("depth", Integer, nullable=False, comment="links followed from a start URL"),
    Column("discovered_from", Text, comment="the URL it was found on; null for a start URL"),
    Column("discovered_at", DateTime, nullable=False),
    Column("etag", Text, comment="validators of the last 200, sent back as If-None-Match"),
    Column("last_modified", String(64), comment="sent back as If-Modified-Since"),
    Column("last_status", Integer, comment="HTTP status of the last response"),
    Column("last_fetched_at", DateTime),
    Column("final_url", Text, comment="where redirects led, when they did"),
    Column("attempts", Integer, nullable=False, comment="attempts in the current round"),
    Column("next_attempt_at", DateTime, comment="not before this time (backoff, Retry-After)"),
    Column("outcome", String(16), comment="new, changed, unchanged, scanned, not a project, skipped or failed"),
    Column("last_error", Text, comment="why it failed or was skipped"),
    Column("content_sha256", String(64), comment="SHA-256 of the last body fetched"),
    Column("last_run", Integer, ForeignKey("crawl_runs.id"), comment="the run that handled it last"),
    Index("ix_crawl_urls_state_next_attempt_at", "state", "next_attempt_at"),
)

#: Tables in the order they can be filled (parents first).
TABLES = (snapshots, sources, sightings, projects, records, project_texts, beneficiaries, findings, search_documents,
          store_settings, crawl_runs, crawl_urls)
