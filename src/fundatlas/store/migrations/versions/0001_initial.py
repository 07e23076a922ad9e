"""The whole first schema: snapshots, sources, sightings, projects, records, texts, beneficiaries, findings.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _fk(column: str, target: str, table: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}_{referred}", ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("sha256", sa.String(64), nullable=False, comment="SHA-256 of the page's bytes, in hex"),
        sa.Column("content", sa.LargeBinary(), nullable=False, comment="the page's bytes, zlib-compressed"),
        sa.Column("compression", sa.String(16), nullable=False, comment="how content is compressed (zlib)"),
        sa.Column("size", sa.Integer(), nullable=False, comment="size of the bytes before compression"),
        sa.Column("format", sa.String(8), nullable=False, comment="text or html"),
        sa.Column("encoding", sa.String(32), comment="the encoding the bytes were decoded with"),
        sa.Column("lang", sa.String(2), comment="fr, en or es, as detected by the parser"),
        sa.Column("layout", sa.String(16), comment="fields, table, values, or null for a non-project page"),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_snapshots"),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locator", sa.Text(), nullable=False, comment="the page's URL, or the file's absolute path"),
        sa.Column("kind", sa.String(8), nullable=False, comment="url or path"),
        sa.Column("latest_sha256", sa.String(64), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_changed", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("locator", name="uq_sources_locator"),
        _fk("latest_sha256", "snapshots.sha256", "sources"),
    )
    op.create_table(
        "sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sightings"),
        _fk("source_id", "sources.id", "sightings"),
        _fk("snapshot_sha256", "snapshots.sha256", "sightings"),
    )
    op.create_index("ix_sightings_source_id", "sightings", ["source_id"])
    op.create_index("ix_sightings_snapshot_sha256", "sightings", ["snapshot_sha256"])
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(400), nullable=False, comment="identity: project_id:…, prima_id:… or fallback:…"),
        sa.Column("key_kind", sa.String(16), nullable=False, comment="project_id, prima_id or fallback"),
        sa.Column("project_id", sa.String(32)),
        sa.Column("prima_id", sa.String(32)),
        sa.Column("title", sa.Text(), comment="the title in the preferred language (en, fr, es)"),
        sa.Column("languages", sa.String(16), nullable=False, comment="languages with a page, comma-separated"),
        sa.Column("budget_usd", sa.Float()),
        sa.Column("coverage", sa.String(16)),
        sa.Column("status", sa.String(16)),
        sa.Column("year", sa.Integer()),
        sa.Column("start_year", sa.Integer()),
        sa.Column("end_year", sa.Integer()),
        sa.Column("duration_months", sa.Integer()),
        sa.Column("idf_region", sa.String(32)),
        sa.Column("project_type", sa.String(64)),
        sa.Column("mission", sa.String(3)),
        sa.Column("version", sa.Integer(), nullable=False,
                  comment="1, then +1 each time the merged record changes"),
        sa.Column("state_sha256", sa.String(64), nullable=False,
                  comment="hash of the merged record, texts and findings"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("key", name="uq_projects_key"),
    )
    op.create_index("ix_projects_project_id", "projects", ["project_id"])
    op.create_index("ix_projects_prima_id", "projects", ["prima_id"])
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, comment="1, 2, … per source"),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("sighting_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(2)),
        sa.Column("is_project", sa.Boolean(), nullable=False),
        sa.Column("project_key", sa.String(400), comment="the identity key read from this page"),
        sa.Column("project", sa.Integer()),
        sa.Column("parser_version", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False, comment="ingest or reparse"),
        sa.Column("parsed_at", sa.DateTime(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False,
                  comment="the parse result (the parse contract's object)"),
        sa.PrimaryKeyConstraint("id", name="pk_records"),
        sa.UniqueConstraint("source_id", "version", name="uq_records_source_id_version"),
        _fk("source_id", "sources.id", "records"),
        _fk("sighting_id", "sightings.id", "records"),
        _fk("snapshot_sha256", "snapshots.sha256", "records"),
        _fk("project", "projects.id", "records", ondelete="SET NULL"),
    )
    op.create_index("ix_records_source_id_is_current", "records", ["source_id", "is_current"])
    op.create_index("ix_records_snapshot_sha256", "records", ["snapshot_sha256"])
    op.create_index("ix_records_project", "records", ["project"])
    op.create_table(
        "project_texts",
        sa.Column("project", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("description", sa.Text()),
        sa.Column("status_label", sa.Text()),
        sa.Column("project_type_label", sa.Text()),
        sa.Column("idf_region_label", sa.Text()),
        sa.Column("url", sa.Text(), nullable=False, comment="the URL or path of the page this text was read from"),
        sa.Column("snapshot_sha256", sa.String(64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project", "lang", name="pk_project_texts"),
        _fk("project", "projects.id", "project_texts", ondelete="CASCADE"),
        _fk("snapshot_sha256", "snapshots.sha256", "project_texts"),
        _fk("record_id", "records.id", "project_texts"),
    )
    op.create_table(
        "beneficiaries",
        sa.Column("project", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, comment="order on the page, from 0"),
        sa.Column("iso3", sa.String(3), nullable=False),
        sa.Column("name", sa.Text(), nullable=False, comment="as written on the page"),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("lang", sa.String(2), comment="the language version the list was taken from"),
        sa.PrimaryKeyConstraint("project", "position", name="pk_beneficiaries"),
        _fk("project", "projects.id", "beneficiaries", ondelete="CASCADE"),
    )
    op.create_index("ix_beneficiaries_iso3", "beneficiaries", ["iso3"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("field", sa.String(32)),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(2)),
        sa.Column("snapshot_sha256", sa.String(64), comment="the page the span refers to"),
        sa.Column("span_start", sa.Integer()),
        sa.Column("span_end", sa.Integer()),
        sa.Column("source", sa.Text(), comment="where the rule comes from"),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        _fk("project", "projects.id", "findings", ondelete="CASCADE"),
        _fk("snapshot_sha256", "snapshots.sha256", "findings"),
    )
    op.create_index("ix_findings_project", "findings", ["project"])
    op.create_index("ix_findings_rule", "findings", ["rule"])
    op.create_index("ix_findings_severity", "findings", ["severity"])


def downgrade() -> None:
    for table in ("findings", "beneficiaries", "project_texts", "records", "projects", "sightings", "sources",
                  "snapshots"):
        op.drop_table(table)
