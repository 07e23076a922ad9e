"""The store's schema, migrations and pure merging rules, on real SQLite files and PostgreSQL databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from backends import Databases
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from store_helpers import rows

from fundatlas.errors import StoreError
from fundatlas.model import Beneficiary, Project, Span
from fundatlas.store import DEFAULT_DB_URL, open_store, resolve_db_url
from fundatlas.store.database import head_revision, health, integrity_check, schema_status
from fundatlas.store.merge import identity_of, merge, project_from_dict
from fundatlas.store.postgres import normalize_url
from fundatlas.store.schema import include_name, metadata, projects
from fundatlas.store.sqlite import sqlite_path

READABLE_TABLES = {"projects", "beneficiaries", "snapshots", "findings", "project_texts", "records", "sources",
                   "sightings"}


def test_a_new_database_gets_every_table_at_the_newest_revision(engine: Engine, db_url: str) -> None:
    assert set(inspect(engine).get_table_names()) >= READABLE_TABLES
    assert rows(engine, "SELECT version_num FROM alembic_version") == [(head_revision(db_url),)]
    assert schema_status(engine).is_head
    assert health(engine) == {"ok": True, "database": engine.dialect.name, "revision": head_revision(db_url),
                              "head": head_revision(db_url)}
    if engine.dialect.name == "sqlite":
        assert rows(engine, "PRAGMA journal_mode") == [("wal",)]
        assert rows(engine, "SELECT count(*) FROM sqlite_master WHERE name = 'search_fts'") == [(1,)]
    else:  # the full-text index: a generated tsvector column, its GIN index, unaccent
        assert rows(engine, "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'search_documents'::regclass "
                            "AND attname = 'tsv'") == [("s",)]
        assert rows(engine, "SELECT indexdef LIKE '%USING gin (tsv)%' FROM pg_indexes "
                            "WHERE indexname = 'ix_search_documents_tsv'") == [(True,)]
        assert rows(engine, "SELECT count(*) FROM pg_extension WHERE extname = 'unaccent'") == [(1,)]


def test_the_migrations_build_exactly_the_schema_the_code_expects(engine: Engine) -> None:
    with engine.connect() as connection:
        # The full-text objects of each database (SQLite's FTS5 tables, PostgreSQL's tsv column
        # and its index) live outside the metadata (migration 0002); include_name leaves them out.
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        assert compare_metadata(context, metadata) == []


def test_foreign_keys_are_enforced_and_the_database_is_sound(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            declared = sum(len(table.foreign_key_constraints) for table in metadata.sorted_tables)
            assert connection.execute(text(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated "
                "AND connamespace = current_schema()::regnamespace")).scalar_one() >= declared
        assert integrity_check(connection) == ["ok"]
    with pytest.raises(Exception, match="(?i)foreign key"), engine.begin() as connection:
        connection.execute(text("INSERT INTO sightings (source_id, snapshot_sha256, seen_at) "
                                "VALUES (12345, 'nope', CURRENT_TIMESTAMP)"))


def _schema_identity(engine: Engine, db_url: str) -> object:
    """What a migration would change: the file's mtime (SQLite); the tables' and the revision row's
    identities (PostgreSQL: relation oids, the row's xmin)."""
    if engine.dialect.name == "sqlite":
        path = sqlite_path(db_url)
        assert path is not None
        return path.stat().st_mtime_ns
    return (rows(engine, "SELECT relname, oid::bigint FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                         "ORDER BY relname"),
            rows(engine, "SELECT xmin::text FROM alembic_version"))


def test_opening_again_migrates_nothing(engine: Engine, db_url: str) -> None:
    before = _schema_identity(engine, db_url)
    again = open_store(db_url)
    again.dispose()
    assert rows(engine, "SELECT count(*) FROM alembic_version") == [(1,)]
    assert _schema_identity(engine, db_url) == before


def test_four_openers_at_once_on_a_new_database_migrate_it_once(databases: Databases) -> None:
    url = databases.new("together")
    with ThreadPoolExecutor(4) as pool:
        engines = list(pool.map(lambda _: open_store(url), range(4)))
    try:
        assert rows(engines[0], "SELECT count(*) FROM alembic_version") == [(1,)]
        with engines[0].connect() as connection:
            assert connection.execute(select(projects.c.id)).all() == []
    finally:
        for store in engines:
            store.dispose()


def test_the_url_comes_from_the_option_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FUNDATLAS_DB", raising=False)
    assert resolve_db_url(None) == DEFAULT_DB_URL == "sqlite:///fundatlas.db"
    monkeypatch.setenv("FUNDATLAS_DB", "sqlite:///elsewhere.db")
    assert resolve_db_url(None) == "sqlite:///elsewhere.db"
    assert resolve_db_url("sqlite:///given.db") == "sqlite:///given.db"


def test_postgresql_urls_get_the_psycopg_driver() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize("url", ["nonsense://nowhere", "sqlite:////no/such/folder/x.db",
                                 "postgresql://nobody@127.0.0.1:1/nothing"])
def test_a_store_that_cannot_be_opened_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError):
        open_store(url)


def test_bad_pool_settings_are_a_store_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNDATLAS_PG_POOL_SIZE", "many")
    with pytest.raises(StoreError, match="FUNDATLAS_PG_POOL_SIZE"):
        open_store("postgresql://nobody@127.0.0.1:1/nothing")


# --- identity and merging (pure) -------------------------------------------------------------------


def test_identity_is_the_project_id_else_the_prima_id_else_title_and_year() -> None:
    assert identity_of(Project(project_id=" po.0196 ", prima_id="FM10P0527"), locator="x").key == "project_id:PO.0196"
    assert identity_of(Project(prima_id="FM10P0527"), locator="x").key == "prima_id:FM10P0527"
    fallback = identity_of(Project(title="Étude  Migratoire", year=2024), locator="x")
    assert (fallback.key, fallback.kind) == ("fallback:etude migratoire|2024", "fallback")
    assert identity_of(Project(), locator="/pages/a.txt").key == "fallback:page:/pages/a.txt"


def test_merging_prefers_english_then_french_then_spanish_and_keeps_the_first_stated_value() -> None:
    fr = Project(title="Titre", budget_usd=300000.0, end_year=2024, coverage="national",
                 beneficiaries=[Beneficiary("FSM", "États fédérés de Micronésie")])
    en = Project(title="Title", budget_usd=250000.0, end_year=2026, coverage=None)
    es = Project(title="Título", mission="FSM")
    merged = merge({"es": es, "fr": fr, "en": en})
    assert merged.languages == ("en", "fr", "es")
    assert merged.title == "Title"
    assert merged.fields["budget_usd"] == 250000.0 and merged.fields["end_year"] == 2026
    assert merged.fields["coverage"] == "national" and merged.fields["mission"] == "FSM"
    assert merged.beneficiaries_lang == "fr" and merged.beneficiaries[0].iso3 == "FSM"


def test_a_record_reads_back_into_the_same_project() -> None:
    project = Project(title="T", project_id="IS.0133", budget_usd=300000.0, year=2023, coverage="national",
                      beneficiaries=[Beneficiary("MRT", "Mauritanie", True), Beneficiary("CHL", "Chili", False)],
                      provenance={"budget_usd": Span(10, 19)})
    assert project_from_dict(project.to_dict()) == project
