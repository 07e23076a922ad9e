"""The crawler's frontier: ``crawl_runs`` and ``crawl_urls`` (portable SQL, nothing SQLite-specific).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(16), nullable=False, comment="crawl or update"),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), comment="null while running, or when the run was killed"),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False, comment="the politeness settings of the run"),
        sa.Column("counts_json", sa.Text(), comment="outcomes counted when the run ended"),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )
    op.create_table(
        "crawl_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False,
                  comment="normalised: no fragment, sorted query, lower-case host"),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False, comment="page, listing, sitemap or other"),
        sa.Column("state", sa.String(8), nullable=False, comment="queued, fetching, done, failed or skipped"),
        sa.Column("depth", sa.Integer(), nullable=False, comment="links followed from a start URL"),
        sa.Column("discovered_from", sa.Text(), comment="the URL it was found on; null for a start URL"),
        sa.Column("discovered_at", sa.DateTime(), nullable=False),
        sa.Column("etag", sa.Text(), comment="validators of the last 200, sent back as If-None-Match"),
        sa.Column("last_modified", sa.String(64), comment="sent back as If-Modified-Since"),
        sa.Column("last_status", sa.Integer(), comment="HTTP status of the last response"),
        sa.Column("last_fetched_at", sa.DateTime()),
        sa.Column("final_url", sa.Text(), comment="where redirects led, when they did"),
        sa.Column("attempts", sa.Integer(), nullable=False, comment="attempts in the current round"),
        sa.Column("next_attempt_at", sa.DateTime(), comment="not before this time (backoff, Retry-After)"),
        sa.Column("outcome", sa.String(16),
                  comment="new, changed, unchanged, scanned, not a project, skipped or failed"),
        sa.Column("last_error", sa.Text(), comment="why it failed or was skipped"),
        sa.Column("content_sha256", sa.String(64), comment="SHA-256 of the last body fetched"),
        sa.Column("last_run", sa.Integer(), comment="the run that handled it last"),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_urls"),
        sa.UniqueConstraint("url", name="uq_crawl_urls_url"),
        sa.ForeignKeyConstraint(["last_run"], ["crawl_runs.id"], name="fk_crawl_urls_last_run_crawl_runs"),
    )
    op.create_index("ix_crawl_urls_host", "crawl_urls", ["host"])
    op.create_index("ix_crawl_urls_state_next_attempt_at", "crawl_urls", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_crawl_urls_state_next_attempt_at", table_name="crawl_urls")
    op.drop_index("ix_crawl_urls_host", table_name="crawl_urls")
    op.drop_table("crawl_urls")
    op.drop_table("crawl_runs")
