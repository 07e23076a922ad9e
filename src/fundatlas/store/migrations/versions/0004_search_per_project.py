"""Search: one document per project (a column per language), glossary concept tokens, filter indexes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

``search_documents`` had a row per language and one of keywords; it now has one row per project, its
id the project's: the full-text engines then match a whole query (all its words, its exclusions)
against a project in one expression, with no join. The index is rebuilt from the stored projects
(``store.search.rebuild_all``), with the glossary's concept tokens. ``store_settings`` records the
glossary the index was built with. Indexes on the projects' filter and sort columns make filtered
counts and the default order (newest first) read an index instead of the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = ("title_en", "title_fr", "title_es", "body_en", "body_fr", "body_es", "keywords")
_NEW = ", ".join(f"new.{name}" for name in COLUMNS)
_OLD = ", ".join(f"old.{name}" for name in COLUMNS)
_NAMES = ", ".join(COLUMNS)

# SQLITE-SPECIFIC: the FTS5 index over search_documents (rowid = project id), kept current by
# triggers. Case- and accent-insensitive (unicode61, remove_diacritics 2), with prefix indexes for
# "word*" queries.
SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE search_fts USING fts5({_NAMES}, content='search_documents', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    f"CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    f"INSERT INTO search_fts(rowid, {_NAMES}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, {_NAMES}) VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, {_NAMES}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO search_fts(rowid, {_NAMES}) VALUES (new.id, {_NEW}); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TABLE IF EXISTS search_fts",
]

# POSTGRESQL-SPECIFIC: a generated tsvector column (kept current by the database) and its GIN index,
# with the words FTS5 sees (fundatlas_search_text from migration 0002: accents removed, runs of
# letters and digits; ``simple``: lower case, no stemming, no stop words). Weights say where a word
# is: A a title, B the keywords, C a description. A separator lexeme between the columns ("-",
# which no query word can be) keeps a phrase from running from one column into the next, as in FTS5.
_SEPARATOR = r"'''-''\:1'::tsvector"  # the tsvector '-':1 (op.execute would read ":1" as a parameter)
_WEIGHTS = {"title_en": "A", "title_fr": "A", "title_es": "A", "keywords": "B", "body_en": "C", "body_fr": "C",
            "body_es": "C"}
_VECTOR = f" || {_SEPARATOR} || ".join(
    f"setweight(to_tsvector('pg_catalog.simple'::regconfig, fundatlas_search_text({name})), '{weight}')"
    for name, weight in _WEIGHTS.items()
)
POSTGRESQL_FULLTEXT = [
    f"ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({_VECTOR}) STORED",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
    # Ranking reads every matching project's tsv: keep it in the row (compressed if need be) and
    # move the texts out of line first, so that reading it is not a TOAST fetch (half the time).
    "ALTER TABLE search_documents ALTER COLUMN tsv SET STORAGE MAIN",
    *(f"ALTER TABLE search_documents ALTER COLUMN {name} SET STORAGE EXTERNAL" for name in COLUMNS),
]

# POSTGRESQL-SPECIFIC: indexes in the order the newest-first and largest-budget-first sorts read
# (DESC NULLS LAST, ties by id). SQLite walks its ascending indexes backwards for these (its NULLs
# sort first, so backwards they come last); PostgreSQL's ascending index read backwards puts NULLs first.
POSTGRESQL_SORT_INDEXES = {
    "ix_projects_sort_year_desc": "((coalesce(year, start_year)) DESC NULLS LAST, id DESC)",
    "ix_projects_budget_usd_desc": "(budget_usd DESC NULLS LAST, id)",
}

PROJECT_INDEXES = {
    "ix_projects_idf_region": ["idf_region"],
    "ix_projects_project_type": ["project_type"],
    "ix_projects_status": ["status"],
    "ix_projects_coverage": ["coverage"],
    "ix_projects_budget_usd": ["budget_usd"],
    "ix_projects_updated_at": ["updated_at"],
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    op.drop_table("search_documents")  # on PostgreSQL, with its tsv column and GIN index
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False, comment="the project's id"),
        *(sa.Column(name, sa.Text(), nullable=False) for name in COLUMNS[:-1]),
        sa.Column("keywords", sa.Text(), nullable=False, comment="type, region and country names in fr/en/es"),
        sa.PrimaryKeyConstraint("id", name="pk_search_documents"),
        sa.ForeignKeyConstraint(["id"], ["projects.id"], name="fk_search_documents_id_projects", ondelete="CASCADE"),
    )
    op.create_table(
        "store_settings",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_store_settings"),
    )
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in POSTGRESQL_FULLTEXT:
            op.execute(statement)
    for name, columns in PROJECT_INDEXES.items():
        op.create_index(name, "projects", columns)
    op.create_index("ix_projects_sort_year", "projects", [sa.text("coalesce(year, start_year)")])
    if dialect == "postgresql":
        for name, ordering in POSTGRESQL_SORT_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON projects {ordering}")
    from fundatlas.store.search import rebuild_all

    rebuild_all(op.get_bind())


def downgrade() -> None:
    """Back to 0002's layout, empty (``fundatlas reparse`` with the older version fills it)."""
    from importlib import import_module

    op.drop_index("ix_projects_sort_year", table_name="projects")
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRESQL_SORT_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    for name in PROJECT_INDEXES:
        op.drop_index(name, table_name="projects")
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    else:
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS fundatlas_search")
    op.drop_table("store_settings")
    op.drop_table("search_documents")
    import_module("fundatlas.store.migrations.versions.0002_search").upgrade()
