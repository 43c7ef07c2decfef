"""Workspace of an organisation: own candidate sites and own layers, with revisions.

Revision ID: 0003_workspace
Revises: 0001_initial
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from siting.outcomes.types import GeometryWkt, JsonType, UtcDateTime

revision = "0003_workspace"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_LEVEL_CHECK = "level IN ('public', 'network', 'internal', 'confidential')"
_ACTION_CHECK = "action IN ('create', 'update', 'delete', 'undelete', 'restore', 'import')"


def _common_head() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("organisation_id", sa.Text(), nullable=False, server_default="local"),
        sa.Column("level", sa.Text(), nullable=False, server_default="internal"),
    ]


def _common_tail() -> list[sa.Column]:
    return [
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
    ]


def _revision_table(name: str, parent: str, fk_name: str, uq_name: str, ck_name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("item_pk", sa.Integer(),
                  sa.ForeignKey(f"{parent}.id", ondelete="RESTRICT", name=fk_name),
                  nullable=False),
        sa.Column("organisation_id", sa.Text(), nullable=False),
        sa.Column("item_id", sa.String(80), nullable=False),
        sa.Column("revision_no", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("snapshot", JsonType, nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.UniqueConstraint("item_pk", "revision_no", name=uq_name),
        sa.CheckConstraint(_ACTION_CHECK, name=ck_name),
    )


def upgrade() -> None:
    op.create_table(
        "workspace_site",
        *_common_head(),
        sa.Column("site_id", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("geometry", GeometryWkt(), nullable=False),
        sa.Column("zoning", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(20), nullable=True),
        sa.Column("grid_capacity_mw", sa.Float(), nullable=True),
        sa.Column("grid_capacity_source", sa.Text(), nullable=False),
        sa.Column("grid_capacity_date", sa.String(10), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        *_common_tail(),
        sa.UniqueConstraint("organisation_id", "site_id", name="uq_workspace_site_org_id"),
        sa.CheckConstraint(_LEVEL_CHECK, name="ck_workspace_site_level"),
        sa.CheckConstraint("zoning IN ('none', 'in_progress', 'industrial')",
                           name="ck_workspace_site_zoning"),
        sa.CheckConstraint("owner IS NULL OR owner IN ('municipal', 'private', 'state')",
                           name="ck_workspace_site_owner"),
        sa.CheckConstraint("version >= 1", name="ck_workspace_site_version"),
    )
    op.create_index("ix_workspace_site_org", "workspace_site", ["organisation_id"])
    op.create_table(
        "workspace_layer",
        *_common_head(),
        sa.Column("layer_id", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("theme", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("vintage", sa.String(10), nullable=False),
        sa.Column("field_map", JsonType, nullable=False),
        sa.Column("coverage", JsonType, nullable=False),
        sa.Column("features", JsonType, nullable=False),
        *_common_tail(),
        sa.UniqueConstraint("organisation_id", "layer_id", name="uq_workspace_layer_org_id"),
        sa.CheckConstraint(_LEVEL_CHECK, name="ck_workspace_layer_level"),
        sa.CheckConstraint("version >= 1", name="ck_workspace_layer_version"),
    )
    op.create_index("ix_workspace_layer_org", "workspace_layer", ["organisation_id"])
    _revision_table("workspace_site_revision", "workspace_site",
                    "fk_workspace_site_revision_site", "uq_workspace_site_revision_no",
                    "ck_workspace_site_revision_action")
    _revision_table("workspace_layer_revision", "workspace_layer",
                    "fk_workspace_layer_revision_layer", "uq_workspace_layer_revision_no",
                    "ck_workspace_layer_revision_action")


def downgrade() -> None:
    op.drop_table("workspace_layer_revision")
    op.drop_table("workspace_site_revision")
    op.drop_index("ix_workspace_layer_org", table_name="workspace_layer")
    op.drop_table("workspace_layer")
    op.drop_index("ix_workspace_site_org", table_name="workspace_site")
    op.drop_table("workspace_site")
