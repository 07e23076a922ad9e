"""Full-text search: ``search_documents`` (portable) and its index: FTS5 on SQLite, a tsvector on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# SQLITE-SPECIFIC: the FTS5 index over search_documents, kept current by triggers. Case- and
# accent-insensitive (unicode61, remove_diacritics 2), with prefix indexes for "word*" queries.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, keywords, content='search_documents', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, title, body, keywords) VALUES (new.id, new.title, new.body, new.keywords); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body, keywords) "
    "VALUES ('delete', old.id, old.title, old.body, old.keywords); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body, keywords) "
    "VALUES ('delete', old.id, old.title, old.body, old.keywords); "
    "INSERT INTO search_fts(rowid, title, body, keywords) VALUES (new.id, new.title, new.body, new.keywords); END",
]

# POSTGRESQL-SPECIFIC: a generated tsvector column (kept current by the database) and its GIN
# index. Its words are those FTS5 sees: accents removed (unaccent, through an IMMUTABLE wrapper so
# that a generated column may use it), every run of letters and digits a word, lower-cased by the
# ``simple`` configuration (no stemming and no stop words, as FTS5's unicode61). Weights say where
# a word is: A title, B keywords, C body. A separator lexeme between them ("-", which no query
# word can be) keeps a phrase from running from one column into the next, as in FTS5. The query
# side is query/fulltext_pg.py. ``fundatlas_search`` (simple + unaccent) is the configuration
# ts_headline reads the original texts with, for snippets.
_SEPARATOR = r"'''-''\:1'::tsvector"  # the tsvector '-':1 (op.execute would read ":1" as a parameter)
POSTGRESQL_FULLTEXT = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE OR REPLACE FUNCTION fundatlas_search_text(value text) RETURNS text "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "$$ SELECT regexp_replace(public.unaccent('public.unaccent'::regdictionary, value), '[^[:alnum:]]+', ' ', 'g') $$",
    "CREATE TEXT SEARCH CONFIGURATION fundatlas_search (COPY = pg_catalog.simple)",
    "ALTER TEXT SEARCH CONFIGURATION fundatlas_search ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, "
    "word, hword, hword_part, numword, numhword, hword_numpart WITH public.unaccent, pg_catalog.simple",
    "ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('pg_catalog.simple'::regconfig, fundatlas_search_text(title)), 'A') || "
    f"{_SEPARATOR} || "
    "setweight(to_tsvector('pg_catalog.simple'::regconfig, fundatlas_search_text(keywords)), 'B') || "
    f"{_SEPARATOR} || "
    "setweight(to_tsvector('pg_catalog.simple'::regconfig, fundatlas_search_text(body)), 'C')"
    ") STORED",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
]


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(2), comment="the text's language; null for the keywords document"),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False, comment="type, region and country names in fr/en/es"),
        sa.PrimaryKeyConstraint("id", name="pk_search_documents"),
        sa.ForeignKeyConstraint(
            ["project"], ["projects.id"], name="fk_search_documents_project_projects", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_search_documents_project", "search_documents", ["project"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_FULLTEXT:
            op.execute(statement)
    # The documents of the projects a store already holds are written by migration 0004, which
    # replaces this layout (one document per language) by one document per project.


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
        op.execute("ALTER TABLE search_documents DROP COLUMN IF EXISTS tsv")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS fundatlas_search")
        op.execute("DROP FUNCTION IF EXISTS fundatlas_search_text(text)")
    op.drop_index("ix_search_documents_project", table_name="search_documents")
    op.drop_table("search_documents")
