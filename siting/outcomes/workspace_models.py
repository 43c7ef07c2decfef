"""SQLAlchemy models of an organisation's workspace: its own sites and layers.

Four tables, in the outcome-log database and on the same declarative
:class:`~siting.outcomes.models.Base` (so the Alembic environment and the
models-vs-migration check see them):

- ``workspace_site``: one candidate site of an organisation (soft-deletable, versioned);
- ``workspace_site_revision``: its audit trail, one full JSON snapshot per write;
- ``workspace_layer``: one uploaded layer (features as GeoJSON in EPSG:3006, the
  column mapping onto canonical fields, theme, coverage);
- ``workspace_layer_revision``: its audit trail (snapshots include the features).

Every content row carries ``organisation_id`` (text; the organisations table and
row-level security come with the access-control migration) and ``level``
(``public``/``network``/``internal``/``confidential``, default ``internal``).
The schema is created by the migration ``0003_workspace``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from siting.outcomes.models import Base
from siting.outcomes.types import GeometryWkt, JsonType, UtcDateTime

__all__ = ["LEVELS", "LayerRevisionRow", "SiteRevisionRow", "WorkspaceLayerRow",
           "WorkspaceSiteRow"]

#: Access levels of workspace content, least to most restricted.
LEVELS: tuple[str, ...] = ("public", "network", "internal", "confidential")
_LEVEL_CHECK = "level IN ('public', 'network', 'internal', 'confidential')"
_ACTION_CHECK = "action IN ('create', 'update', 'delete', 'undelete', 'restore', 'import')"


class WorkspaceSiteRow(Base):
    """A candidate site of an organisation."""

    __tablename__ = "workspace_site"
    __table_args__ = (
        UniqueConstraint("organisation_id", "site_id", name="uq_workspace_site_org_id"),
        CheckConstraint(_LEVEL_CHECK, name="ck_workspace_site_level"),
        CheckConstraint("zoning IN ('none', 'in_progress', 'industrial')",
                        name="ck_workspace_site_zoning"),
        CheckConstraint("owner IS NULL OR owner IN ('municipal', 'private', 'state')",
                        name="ck_workspace_site_owner"),
        CheckConstraint("version >= 1", name="ck_workspace_site_version"),
        Index("ix_workspace_site_org", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text, default="internal")
    site_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(300))
    geometry: Mapped[str] = mapped_column(GeometryWkt())
    zoning: Mapped[str] = mapped_column(String(20), default="none")
    owner: Mapped[str | None] = mapped_column(String(20), nullable=True)
    grid_capacity_mw: Mapped[float | None] = mapped_column(Float, nullable=True)
    grid_capacity_source: Mapped[str] = mapped_column(Text, default="")
    grid_capacity_date: Mapped[str] = mapped_column(String(10), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class WorkspaceLayerRow(Base):
    """A layer an organisation uploaded (features in EPSG:3006 as GeoJSON)."""

    __tablename__ = "workspace_layer"
    __table_args__ = (
        UniqueConstraint("organisation_id", "layer_id", name="uq_workspace_layer_org_id"),
        CheckConstraint(_LEVEL_CHECK, name="ck_workspace_layer_level"),
        CheckConstraint("version >= 1", name="ck_workspace_layer_version"),
        Index("ix_workspace_layer_org", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text, default="internal")
    layer_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(80))
    theme: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text, default="")
    vintage: Mapped[str] = mapped_column(String(10), default="")
    field_map: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    coverage: Mapped[list[str]] = mapped_column(JsonType, default=list)
    features: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class _RevisionColumns:
    """The columns every workspace revision table shares (the audit trail of one item)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(Text)
    item_id: Mapped[str] = mapped_column(String(80))
    revision_no: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JsonType)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    comment: Mapped[str] = mapped_column(Text, default="")


class SiteRevisionRow(_RevisionColumns, Base):
    """One write to a workspace site: who, when, what, and the full state after it."""

    __tablename__ = "workspace_site_revision"
    __table_args__ = (
        UniqueConstraint("item_pk", "revision_no", name="uq_workspace_site_revision_no"),
        CheckConstraint(_ACTION_CHECK, name="ck_workspace_site_revision_action"),
    )

    item_pk: Mapped[int] = mapped_column(ForeignKey("workspace_site.id", ondelete="RESTRICT",
                                                    name="fk_workspace_site_revision_site"))


class LayerRevisionRow(_RevisionColumns, Base):
    """One write to a workspace layer: who, when, what, and the full state after it."""

    __tablename__ = "workspace_layer_revision"
    __table_args__ = (
        UniqueConstraint("item_pk", "revision_no", name="uq_workspace_layer_revision_no"),
        CheckConstraint(_ACTION_CHECK, name="ck_workspace_layer_revision_action"),
    )

    item_pk: Mapped[int] = mapped_column(ForeignKey("workspace_layer.id", ondelete="RESTRICT",
                                                    name="fk_workspace_layer_revision_layer"))
