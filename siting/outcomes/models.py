"""SQLAlchemy 2 models of the outcome log.

Tables:

- ``outcome_case``: one row per establishment case (soft-deletable, versioned),
  owned by an organisation and visible at a secrecy level;
- ``outcome_soft_assessment``: one 1..5 score per case and soft factor, with evidence;
- ``outcome_metric_snapshot``: one raw metric value per case and metric id;
- ``outcome_revision``: the audit trail, one full JSON snapshot per write, hash-chained;
- ``outcome_redaction``: recorded redactions of earlier revisions (who, when, why);
- ``organisation``, ``person``, ``membership``, ``access_grant``: who may see what
  (see :mod:`siting.outcomes.access`).

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
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from siting.outcomes.types import GeometryWkt, JsonType, UtcDateTime

__all__ = ["AccessGrantRow", "Base", "CaseRow", "MembershipRow", "MetricSnapshotRow",
           "OrganisationRow", "PersonRow", "RedactionRow", "RevisionRow", "SoftAssessmentRow"]


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
        CheckConstraint("level IN ('public', 'network', 'internal', 'confidential')",
                        name="ck_outcome_case_level"),
        CheckConstraint("length(kommunkod) = 4", name="ck_outcome_case_kommunkod"),
        CheckConstraint("version >= 1", name="ck_outcome_case_version"),
        UniqueConstraint("case_id", name="uq_outcome_case_case_id"),
        Index("ix_outcome_case_kommunkod", "kommunkod"),
        Index("ix_outcome_case_industry_outcome", "industry", "outcome"),
        Index("ix_outcome_case_organisation", "organisation_id"),
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
    confidentiality: Mapped[str] = mapped_column("level", String(20))
    is_fictional: Mapped[bool] = mapped_column(Boolean, default=False)
    organisation: Mapped[str] = mapped_column(
        "organisation_id", Text, ForeignKey("organisation.id", name="fk_outcome_case_organisation"))
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
    field_digests: Mapped[dict[str, str] | None] = mapped_column(JsonType, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    row_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RedactionRow(Base):
    """An admin's redaction of text fields in a case's revisions up to a number."""

    __tablename__ = "outcome_redaction"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="ck_outcome_redaction_reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("outcome_case.id", ondelete="RESTRICT",
                                                    name="fk_outcome_redaction_case"))
    case_id: Mapped[str] = mapped_column(String(80))
    up_to_revision: Mapped[int] = mapped_column(Integer)
    fields: Mapped[list[str]] = mapped_column(JsonType)
    reason: Mapped[str] = mapped_column(Text)
    redacted_by: Mapped[str] = mapped_column(String(200))
    redacted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class OrganisationRow(Base):
    """A member organisation (id: a slug such as ``skelleftea``)."""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint("kommunkod IS NULL OR length(kommunkod) = 4",
                                      name="ck_organisation_kommunkod"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kommunkod: Mapped[str | None] = mapped_column(Text, nullable=True)


class PersonRow(Base):
    """A person: a database role name on PostgreSQL, a login name in local mode."""

    __tablename__ = "person"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    network_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class MembershipRow(Base):
    """A person's role in an organisation."""

    __tablename__ = "membership"
    __table_args__ = (CheckConstraint("role IN ('viewer', 'editor', 'admin')",
                                      name="ck_membership_role"),)

    person: Mapped[str] = mapped_column(
        String(200), ForeignKey("person.name", ondelete="CASCADE", name="fk_membership_person"),
        primary_key=True)
    organisation_id: Mapped[str] = mapped_column(
        Text, ForeignKey("organisation.id", name="fk_membership_organisation"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))


class AccessGrantRow(Base):
    """A named person's access to one confidential row."""

    __tablename__ = "access_grant"

    table_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    row_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    person: Mapped[str] = mapped_column(String(200), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(
        Text, ForeignKey("organisation.id", name="fk_access_grant_organisation"))
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
