"""Funding lines, smart-city projects, their matches and notices, and the operational plan."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from smartregion.db import Base, CreatedAt, TenantScoped
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship


class PlanStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


class FundingLine(CreatedAt, Base):
    """A funding line (linea di finanziamento): a call or topic of a programme, kept by the secretariat."""

    __tablename__ = "funding_lines"
    __table_args__ = (
        UniqueConstraint("external_source", "external_id"),
        CheckConstraint("cofinancing_rate_bp > 0 AND cofinancing_rate_bp <= 10000", name="rate_in_range"),
        CheckConstraint(
            "non_profit_rate_bp IS NULL OR (non_profit_rate_bp >= cofinancing_rate_bp AND non_profit_rate_bp <= 10000)",
            name="non_profit_rate_in_range",
        ),
        CheckConstraint("min_grant_cents IS NULL OR min_grant_cents >= 0", name="min_grant_not_negative"),
        CheckConstraint("max_grant_cents IS NULL OR max_grant_cents > 0", name="max_grant_positive"),
        CheckConstraint("total_budget_cents IS NULL OR total_budget_cents > 0", name="budget_positive"),
        CheckConstraint(
            "min_grant_cents IS NULL OR max_grant_cents IS NULL OR min_grant_cents <= max_grant_cents",
            name="grant_range_ordered",
        ),
        CheckConstraint("trl_min IS NULL OR trl_max IS NULL OR trl_min <= trl_max", name="trl_range_ordered"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    programme: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[str] = mapped_column(String(20))
    call_identifier: Mapped[str | None] = mapped_column(String(200))
    topic_identifier: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    opening_date: Mapped[date | None]
    deadlines: Mapped[list[date]] = mapped_column(ARRAY(Date), default=list)
    deadline_model: Mapped[str] = mapped_column(String(20))
    total_budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    min_grant_cents: Mapped[int | None] = mapped_column(BigInteger)
    max_grant_cents: Mapped[int | None] = mapped_column(BigInteger)
    cofinancing_rate_bp: Mapped[int] = mapped_column(Integer)
    # Where the programme pays non-profit legal entities (public bodies, universities) more than others.
    non_profit_rate_bp: Mapped[int | None] = mapped_column(Integer)
    # The programme's type of action, e.g. HORIZON-IA (innovation action): it sets the rates.
    action_type: Mapped[str | None] = mapped_column(String(40))
    beneficiary_kinds: Mapped[list] = mapped_column(JSONB, default=list)
    domains: Mapped[list] = mapped_column(JSONB, default=list)
    territories: Mapped[list] = mapped_column(JSONB, default=list)
    partnership_required: Mapped[bool] = mapped_column(Boolean, default=False)
    min_partners: Mapped[int] = mapped_column(SmallInteger, default=0)
    trl_min: Mapped[int | None] = mapped_column(SmallInteger)
    trl_max: Mapped[int | None] = mapped_column(SmallInteger)
    url: Mapped[str | None] = mapped_column(String(1000))
    portal_status: Mapped[str | None] = mapped_column(String(40))
    external_source: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Project(TenantScoped, CreatedAt, Base):
    """A smart-city project of a tenant (scheda progetto of a masterplan)."""

    __tablename__ = "funding_projects"
    __table_args__ = (
        UniqueConstraint("tenant_id", "cup"),
        UniqueConstraint("tenant_id", "census_submission_id", "census_item"),
        CheckConstraint("total_cost_cents > 0", name="cost_positive"),
        CheckConstraint("requested_cents >= 0 AND requested_cents <= total_cost_cents", name="request_within_cost"),
        CheckConstraint("progress_pct BETWEEN 0 AND 100", name="progress_percentage"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        ForeignKeyConstraint(["lead_company_id"], ["organizations.id"]),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(20))
    secondary_domains: Mapped[list] = mapped_column(JSONB, default=list)
    applicant_kinds: Mapped[list] = mapped_column(JSONB, default=list)
    lead_company_id: Mapped[int | None] = mapped_column(BigInteger)
    partners: Mapped[list] = mapped_column(JSONB, default=list)
    total_cost_cents: Mapped[int] = mapped_column(BigInteger)
    requested_cents: Mapped[int] = mapped_column(BigInteger)
    time_horizon: Mapped[str | None] = mapped_column(String(10))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20))
    cup: Mapped[str | None] = mapped_column(String(15))
    trl: Mapped[int | None] = mapped_column(SmallInteger)
    progress_pct: Mapped[int] = mapped_column(SmallInteger, default=0)
    reusable: Mapped[bool] = mapped_column(Boolean, default=False)
    census_submission_id: Mapped[int | None] = mapped_column(BigInteger)
    census_item: Mapped[int | None] = mapped_column(Integer)
    cohesion: Mapped[dict | None] = mapped_column(JSONB)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    milestones: Mapped[list[Milestone]] = relationship(
        order_by="Milestone.due_on", cascade="all, delete-orphan", lazy="selectin"
    )
    funding_items: Mapped[list[FundingPlanItem]] = relationship(
        order_by="FundingPlanItem.id", cascade="all, delete-orphan", lazy="selectin"
    )


class Milestone(TenantScoped, Base):
    """A milestone of a project: what is due when, and when it was done."""

    __tablename__ = "funding_project_milestones"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "project_id"],
            ["funding_projects.tenant_id", "funding_projects.id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(BigInteger, index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date]
    done_on: Mapped[date | None]


class FundingPlanItem(TenantScoped, Base):
    """One source of a project's funding plan: a funding line, own co-financing, partners, private."""

    __tablename__ = "funding_plan_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "project_id"],
            ["funding_projects.tenant_id", "funding_projects.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["funding_line_id"], ["funding_lines.id"]),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("(source_kind = 'funding_line') = (funding_line_id IS NOT NULL)", name="line_source"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(BigInteger, index=True)
    source_kind: Mapped[str] = mapped_column(String(20))
    funding_line_id: Mapped[int | None] = mapped_column(BigInteger)
    label: Mapped[str | None] = mapped_column(String(500))
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    funding_line: Mapped[FundingLine | None] = relationship(lazy="joined")


class Match(TenantScoped, Base):
    """The stored result of matching one project with one line: eligibility, score and criterion codes."""

    __tablename__ = "funding_matches"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "project_id"],
            ["funding_projects.tenant_id", "funding_projects.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["funding_line_id"], ["funding_lines.id"], ondelete="CASCADE"),
        Index("ix_funding_matches_line_rank", "funding_line_id", "eligible", "score"),
    )

    project_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    funding_line_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    eligible: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    codes: Mapped[int] = mapped_column(Integer)
    computed_on: Mapped[date]


class Notice(TenantScoped, CreatedAt, Base):
    """A deadline notice: a line that a project of this tenant matches closes in 30, 14 or 7 days."""

    __tablename__ = "funding_notices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "project_id", "funding_line_id", "deadline", "threshold_days"),
        ForeignKeyConstraint(
            ["tenant_id", "project_id"],
            ["funding_projects.tenant_id", "funding_projects.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["funding_line_id"], ["funding_lines.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(BigInteger)
    funding_line_id: Mapped[int] = mapped_column(BigInteger)
    deadline: Mapped[date]
    threshold_days: Mapped[int] = mapped_column(SmallInteger)
    days_left: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime | None]


class OperationalPlan(CreatedAt, Base):
    """One version of the regional operational plan (piano operativo); approved versions are frozen."""

    __tablename__ = "funding_operational_plans"
    __table_args__ = (
        UniqueConstraint("series", "version"),
        CheckConstraint("(status = 'draft') = (approved_at IS NULL)", name="approved_has_date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    series: Mapped[str] = mapped_column(String(63))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default=PlanStatus.DRAFT)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("funding_operational_plans.id"))
    standards: Mapped[list] = mapped_column(JSONB, default=list)
    best_practices: Mapped[list] = mapped_column(JSONB, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(200))
    snapshot: Mapped[dict | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class PlanMunicipality(TenantScoped, Base):
    """A municipality in a plan version: its lead participated company and its first group of projects."""

    __tablename__ = "funding_plan_municipalities"
    __table_args__ = (
        UniqueConstraint("tenant_id", "plan_id"),
        ForeignKeyConstraint(["plan_id"], ["funding_operational_plans.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["lead_company_id"], ["organizations.id"]),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    plan_id: Mapped[int] = mapped_column(BigInteger, index=True)
    lead_company_id: Mapped[int] = mapped_column(BigInteger)
    project_ids: Mapped[list] = mapped_column(JSONB, default=list)
