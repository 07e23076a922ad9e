"""Full-text search: ``search_documents`` (portable) and, on SQLite, its FTS5 index with triggers.

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
    # Index the projects a store already holds (none in a new one).
    from fundatlas.store.search import rebuild_all

    rebuild_all(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_documents_project", table_name="search_documents")
    op.drop_table("search_documents")
