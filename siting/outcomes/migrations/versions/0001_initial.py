"""Initial outcome-log schema: cases, soft assessments, metric snapshots, revisions.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from siting.outcomes.types import GeometryWkt, JsonType, UtcDateTime

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        has_postgis = bind.exec_driver_sql(
            "SELECT 1 FROM pg_extension WHERE extname = 'postgis'").first()
        if not has_postgis:
            op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "outcome_case",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("industry", sa.String(20), nullable=False),
        sa.Column("profile", sa.String(80), nullable=False),
        sa.Column("kommunkod", sa.String(4), nullable=False),
        sa.Column("geometry", GeometryWkt(), nullable=True),
        sa.Column("year_started", sa.Integer(), nullable=True),
        sa.Column("year_decided", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("competing_kommuner", JsonType, nullable=False),
        sa.Column("investment_msek", sa.Float(), nullable=True),
        sa.Column("jobs", sa.Integer(), nullable=True),
        sa.Column("power_mw", sa.Float(), nullable=True),
        sa.Column("land_ha", sa.Float(), nullable=True),
        sa.Column("detaljplan_months", sa.Float(), nullable=True),
        sa.Column("permit_months", sa.Float(), nullable=True),
        sa.Column("metrics_vintage", sa.String(200), nullable=False),
        sa.Column("decisive_factors", JsonType, nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidentiality", sa.String(20), nullable=False),
        sa.Column("is_fictional", sa.Boolean(), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("case_id", name="uq_outcome_case_case_id"),
        sa.CheckConstraint("industry IN ('battery', 'steel', 'data_center', 'other')",
                           name="ck_outcome_case_industry"),
        sa.CheckConstraint("outcome IN ('won', 'lost', 'withdrawn', 'ongoing')",
                           name="ck_outcome_case_outcome"),
        sa.CheckConstraint("confidentiality IN ('public', 'internal', 'confidential')",
                           name="ck_outcome_case_confidentiality"),
        sa.CheckConstraint("length(kommunkod) = 4", name="ck_outcome_case_kommunkod"),
        sa.CheckConstraint("version >= 1", name="ck_outcome_case_version"),
    )
    op.create_index("ix_outcome_case_kommunkod", "outcome_case", ["kommunkod"])
    op.create_index("ix_outcome_case_industry_outcome", "outcome_case", ["industry", "outcome"])
    if bind.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_outcome_case_geometry ON outcome_case USING gist (geometry)")

    op.create_table(
        "outcome_soft_assessment",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_pk", sa.Integer(),
                  sa.ForeignKey("outcome_case.id", ondelete="CASCADE",
                                name="fk_outcome_soft_case"), nullable=False),
        sa.Column("factor", sa.String(80), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.UniqueConstraint("case_pk", "factor", name="uq_outcome_soft_case_factor"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_outcome_soft_score"),
    )
    op.create_table(
        "outcome_metric_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_pk", sa.Integer(),
                  sa.ForeignKey("outcome_case.id", ondelete="CASCADE",
                                name="fk_outcome_metric_case"), nullable=False),
        sa.Column("metric_id", sa.String(120), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.UniqueConstraint("case_pk", "metric_id", name="uq_outcome_metric_case_metric"),
    )
    op.create_table(
        "outcome_revision",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_pk", sa.Integer(),
                  sa.ForeignKey("outcome_case.id", ondelete="RESTRICT",
                                name="fk_outcome_revision_case"), nullable=False),
        sa.Column("case_id", sa.String(80), nullable=False),
        sa.Column("revision_no", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("snapshot", JsonType, nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.UniqueConstraint("case_pk", "revision_no", name="uq_outcome_revision_case_no"),
        sa.CheckConstraint(
            "action IN ('create', 'update', 'delete', 'undelete', 'restore', 'import')",
            name="ck_outcome_revision_action"),
    )
    op.create_index("ix_outcome_revision_case_id", "outcome_revision", ["case_id"])


def downgrade() -> None:
    op.drop_table("outcome_revision")
    op.drop_table("outcome_metric_snapshot")
    op.drop_table("outcome_soft_assessment")
    op.drop_table("outcome_case")
