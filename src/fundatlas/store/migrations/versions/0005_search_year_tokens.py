"""Search: each project's year as a filter token, so that a year range is part of a text query.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

The search documents' keywords now end with a token for the project's year (its allocation year,
else its start year), beside the region, type, status, coverage, country and language tokens: a
search for words within a range of years is one full-text expression (the range's years ORed),
with no join to the projects. No table changes; the documents whose keywords lack the token are
rewritten from the stored projects (``store.search.rebuild_all``, only those that differ).
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    from fundatlas.store.search import rebuild_all

    rebuild_all(op.get_bind(), only_changed=True)


def downgrade() -> None:
    """Nothing to undo in the tables: 0004's code sees the newer documents as built with another
    format and searches with every spelling until ``fundatlas db reindex``."""
