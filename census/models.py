"""Census campaigns, survey schemas (regional), submissions and their history (tenant-owned)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from smartregion.db import Base, CreatedAt, TenantScoped
from smartregion.etags import entity_tag
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.models import Tenant


class CampaignStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SchemaStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


class SubmissionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class TenantCampaignState(StrEnum):
    """Where a tenant stands in a campaign."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    LATE = "late"


class ReportStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class Campaign(CreatedAt, Base):
    """A census campaign ("censimento") of a protocol: opens at signature, due months later."""

    __tablename__ = "census_campaigns"
    __table_args__ = (
        CheckConstraint("due_on > opens_on", name="due_after_opening"),
        CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL)", name="closed_has_date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    opens_on: Mapped[date]
    due_on: Mapped[date]
    schema_keys: Mapped[list] = mapped_column(JSONB)
    status: Mapped[CampaignStatus] = mapped_column(String(16), default=CampaignStatus.OPEN)
    closed_on: Mapped[date | None]
    closed_by: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))


class SurveySchema(CreatedAt, Base):
    """One version of a survey schema ("schema di rilevazione"); approved versions never change."""

    __tablename__ = "census_survey_schemas"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        CheckConstraint("version > 0", name="positive_version"),
        CheckConstraint("status <> 'approved' OR approved_at IS NOT NULL", name="approval_recorded"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    key: Mapped[str] = mapped_column(String(63), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[SchemaStatus] = mapped_column(String(16), default=SchemaStatus.DRAFT)
    title_it: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None]
    retired_by: Mapped[str | None] = mapped_column(String(200))
    retired_at: Mapped[datetime | None]


class Submission(TenantScoped, CreatedAt, Base):
    """A tenant's answers to one version of a survey schema ("scheda di rilevazione")."""

    __tablename__ = "census_submissions"
    __table_args__ = (
        Index("ix_census_submissions_campaign_schema", "tenant_id", "campaign_id", "schema_key"),
        CheckConstraint("completeness BETWEEN 0 AND 100", name="completeness_percentage"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("census_campaigns.id"))
    schema_id: Mapped[int] = mapped_column(ForeignKey("census_survey_schemas.id"))
    schema_key: Mapped[str] = mapped_column(String(63))
    schema_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[SubmissionStatus] = mapped_column(String(16), default=SubmissionStatus.DRAFT)
    answers: Mapped[dict] = mapped_column(JSONB)
    completeness: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    comments: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(200))

    schema: Mapped[SurveySchema] = relationship(lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined", viewonly=True)

    @property
    def etag(self) -> str:
        return entity_tag(self.id, self.revision)


class SubmissionVersion(TenantScoped, Base):
    """One kept state of a submission: every save, submission, return and acceptance."""

    __tablename__ = "census_submission_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "submission_id", "revision"),
        ForeignKeyConstraint(["tenant_id", "submission_id"],
                             ["census_submissions.tenant_id", "census_submissions.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    submission_id: Mapped[int] = mapped_column(BigInteger)
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    status: Mapped[SubmissionStatus] = mapped_column(String(16))
    answers: Mapped[dict] = mapped_column(JSONB)
    completeness: Mapped[int] = mapped_column(Integer)
    comments: Mapped[dict] = mapped_column(JSONB, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class CensusReport(CreatedAt, Base):
    """The census report for the working table ("documento"), built by a job as HTML and XLSX."""

    __tablename__ = "census_reports"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("census_campaigns.id"), index=True)
    status: Mapped[ReportStatus] = mapped_column(String(16), default=ReportStatus.PENDING)
    job_id: Mapped[str | None] = mapped_column(String(36))
    requested_by: Mapped[str] = mapped_column(String(200))
    html_sha256: Mapped[str | None] = mapped_column(String(64))
    xlsx_sha256: Mapped[str | None] = mapped_column(String(64))
    figures: Mapped[dict | None] = mapped_column(JSONB)
    generated_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
