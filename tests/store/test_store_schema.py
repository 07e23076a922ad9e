"""The store's schema, migrations and pure merging rules, on real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from store_helpers import db_url

from fundatlas.errors import StoreError
from fundatlas.model import Beneficiary, Project, Span
from fundatlas.store import DEFAULT_DB_URL, open_store, resolve_db_url
from fundatlas.store.database import head_revision
from fundatlas.store.merge import identity_of, merge, project_from_dict
from fundatlas.store.schema import FULLTEXT_TABLE_PREFIX, metadata
from fundatlas.store.sqlite import integrity_check

READABLE_TABLES = {"projects", "beneficiaries", "snapshots", "findings", "project_texts", "records", "sources",
                   "sightings"}


def test_a_new_file_gets_every_table_at_the_newest_revision(engine: Engine, db_path: Path) -> None:
    with sqlite3.connect(db_path) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        journal = connection.execute("PRAGMA journal_mode").fetchone()
    assert tables >= READABLE_TABLES
    assert revision == (head_revision(db_url(db_path)),)
    assert journal == ("wal",)


def test_the_migrations_build_exactly_the_schema_the_code_expects(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # SQLite's FTS5 index and its shadow tables live outside the metadata (migration 0002).
                "include_name": lambda name, kind, _parent: not (
                    kind == "table" and str(name).startswith(FULLTEXT_TABLE_PREFIX)
                ),
            },
        )
        assert compare_metadata(context, metadata) == []


def test_foreign_keys_are_enforced_and_the_file_is_sound(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert integrity_check(connection) == ["ok"]


def test_opening_again_migrates_nothing(engine: Engine, db_path: Path) -> None:
    before = db_path.stat().st_mtime_ns
    again = open_store(db_url(db_path))
    again.dispose()
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    assert db_path.stat().st_mtime_ns == before


def test_the_url_comes_from_the_option_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FUNDATLAS_DB", raising=False)
    assert resolve_db_url(None) == DEFAULT_DB_URL == "sqlite:///fundatlas.db"
    monkeypatch.setenv("FUNDATLAS_DB", "sqlite:///elsewhere.db")
    assert resolve_db_url(None) == "sqlite:///elsewhere.db"
    assert resolve_db_url("sqlite:///given.db") == "sqlite:///given.db"


@pytest.mark.parametrize("url", ["nonsense://nowhere", "sqlite:////no/such/folder/x.db"])
def test_a_store_that_cannot_be_opened_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError):
        open_store(url)


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
