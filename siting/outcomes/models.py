"""SQLAlchemy 2 models of the outcome log.

Four tables:

- ``outcome_case``: one row per establishment case (soft-deletable, versioned);
- ``outcome_soft_assessment``: one 1..5 score per case and soft factor, with evidence;
- ``outcome_metric_snapshot``: one raw metric value per case and metric id;
- ``outcome_revision``: the audit trail, one full JSON snapshot per write.

The schema itself is created by the Alembic migrations in
``siting/outcomes/migrations``; keep the models and the latest migration in step
(``tests/test_outcomes_store.py`` checks that they agree).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from siting.outcomes.types import GeometryWkt, JsonType, UtcDateTime

__all__ = ["Base", "CaseRow", "MetricSnapshotRow", "RevisionRow", "SoftAssessmentRow"]


class Base(DeclarativeBase):
    """Declarative base of the outcome-log tables."""


class CaseRow(Base):
    """An establishment case."""

    __tablename__ = "outcome_case"
    __table_args__ = (
        CheckConstraint("industry IN ('battery', 'steel', 'data_center', 'other')",
                        name="ck_outcome_case_industry"),
        CheckConstraint("outcome IN ('won', 'lost', 'withdrawn', 'ongoing')",
                        name="ck_outcome_case_outcome"),
        CheckConstraint("confidentiality IN ('public', 'internal', 'confidential')",
                        name="ck_outcome_case_confidentiality"),
        CheckConstraint("length(kommunkod) = 4", name="ck_outcome_case_kommunkod"),
        CheckConstraint("version >= 1", name="ck_outcome_case_version"),
        UniqueConstraint("case_id", name="uq_outcome_case_case_id"),
        Index("ix_outcome_case_kommunkod", "kommunkod"),
        Index("ix_outcome_case_industry_outcome", "industry", "outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(300))
    industry: Mapped[str] = mapped_column(String(20))
    profile: Mapped[str] = mapped_column(String(80), default="")
    kommunkod: Mapped[str] = mapped_column(String(4))
    geometry: Mapped[str | None] = mapped_column(GeometryWkt(), nullable=True)
    year_started: Mapped[int | None] = mapped_column(Integer, nullable=True)
    year_decided: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))
    competing_kommuner: Mapped[list[str]] = mapped_column(JsonType, default=list)
    investment_msek: Mapped[float | None] = mapped_column(Float, nullable=True)
    jobs: Mapped[int | None] = mapped_column(Integer, nullable=True)
    power_mw: Mapped[float | None] = mapped_column(Float, nullable=True)
    land_ha: Mapped[float | None] = mapped_column(Float, nullable=True)
    detaljplan_months: Mapped[float | None] = mapped_column(Float, nullable=True)
    permit_months: Mapped[float | None] = mapped_column(Float, nullable=True)
    metrics_vintage: Mapped[str] = mapped_column(String(200), default="")
    decisive_factors: Mapped[list[str]] = mapped_column(JsonType, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    confidentiality: Mapped[str] = mapped_column(String(20))
    is_fictional: Mapped[bool] = mapped_column(Boolean, default=False)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    soft_assessments: Mapped[list[SoftAssessmentRow]] = relationship(
        back_populates="case", cascade="all, delete-orphan", lazy="selectin",
        order_by="SoftAssessmentRow.factor")
    metric_snapshots: Mapped[list[MetricSnapshotRow]] = relationship(
        back_populates="case", cascade="all, delete-orphan", lazy="selectin",
        order_by="MetricSnapshotRow.metric_id")


class SoftAssessmentRow(Base):
    """A soft-factor score (1..5) for a case, with its evidence."""

    __tablename__ = "outcome_soft_assessment"
    __table_args__ = (
        UniqueConstraint("case_pk", "factor", name="uq_outcome_soft_case_factor"),
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_outcome_soft_score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("outcome_case.id", ondelete="CASCADE", name="fk_outcome_soft_case"))
    factor: Mapped[str] = mapped_column(String(80))
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[CaseRow] = relationship(back_populates="soft_assessments")


class MetricSnapshotRow(Base):
    """A raw metric value of a case at decision time."""

    __tablename__ = "outcome_metric_snapshot"
    __table_args__ = (
        UniqueConstraint("case_pk", "metric_id", name="uq_outcome_metric_case_metric"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("outcome_case.id", ondelete="CASCADE", name="fk_outcome_metric_case"))
    metric_id: Mapped[str] = mapped_column(String(120))
    value: Mapped[float] = mapped_column(Float)

    case: Mapped[CaseRow] = relationship(back_populates="metric_snapshots")


class RevisionRow(Base):
    """One write to a case: who, when, what, and the full state after it."""

    __tablename__ = "outcome_revision"
    __table_args__ = (
        UniqueConstraint("case_pk", "revision_no", name="uq_outcome_revision_case_no"),
        CheckConstraint(
            "action IN ('create', 'update', 'delete', 'undelete', 'restore', 'import')",
            name="ck_outcome_revision_action"),
        Index("ix_outcome_revision_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("outcome_case.id", ondelete="RESTRICT", name="fk_outcome_revision_case"))
    case_id: Mapped[str] = mapped_column(String(80))
    revision_no: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JsonType)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    comment: Mapped[str] = mapped_column(Text, default="")
