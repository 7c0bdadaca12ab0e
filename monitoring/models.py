"""Monitoring of the protocol: frozen monitoring reports, deadline notices and their recipients.

The tables keep the names they had when they lived in the protocol module (`protocol_*`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from smartregion.db import Base, CreatedAt
from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class MonitoringReport(CreatedAt, Base):
    """A frozen monitoring report ("rapporto di monitoraggio") for one tenant, or the region when no tenant.

    Rows are written once: the application role may only insert and read them, and a trigger refuses
    any change, so the SHA-256 of the content keeps proving what was issued.
    """

    __tablename__ = "protocol_monitoring_reports"
    __table_args__ = (
        UniqueConstraint("protocol_id", "milestone_key", "tenant_id", postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"), index=True)
    milestone_key: Mapped[str] = mapped_column(String(63))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    issued_on: Mapped[date]
    content: Mapped[dict] = mapped_column(JSONB)
    sha256: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str | None] = mapped_column(String(36))

    def __repr__(self) -> str:
        return f"<MonitoringReport {self.id} {self.milestone_key} tenant={self.tenant_id}>"


class NoticeKind(StrEnum):
    APPROACHING = "approaching"
    PASSED = "passed"


class ProtocolNotice(CreatedAt, Base):
    """A deadline notice for a tenant, or for the secretariat when no tenant ("avviso di scadenza")."""

    __tablename__ = "protocol_notices"
    __table_args__ = (
        UniqueConstraint("protocol_id", "tenant_id", "milestone_key", "kind", postgresql_nulls_not_distinct=True),
        Index("ix_protocol_notices_tenant", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    milestone_key: Mapped[str] = mapped_column(String(63))
    kind: Mapped[NoticeKind] = mapped_column(String(16))
    due_on: Mapped[date]
    noticed_on: Mapped[date]
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    emailed_at: Mapped[datetime | None]
    email_error: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime | None]


class NoticeRecipient(CreatedAt, Base):
    """An e-mail address that receives the notices of a tenant, or of the secretariat when no tenant."""

    __tablename__ = "protocol_notice_recipients"
    __table_args__ = (
        UniqueConstraint("protocol_id", "tenant_id", "email", postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    email: Mapped[str] = mapped_column(String(320))
