"""The agreement itself: the protocol and its signatories."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from smartregion.db import Base, CreatedAt
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Identity, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from protocol.dates import add_months
from tenants.models import Organization


class AcceptanceRule(StrEnum):
    ALL_SIGNATORIES = "all-signatories"
    REGION_AND_MAJORITY = "region-and-majority"


class SignatoryRole(StrEnum):
    ORIGINAL = "original"
    ADHERENT = "adherent"


class Protocol(CreatedAt, Base):
    """A smart-city protocol ("protocollo d'intesa") between a Region and its signatories."""

    __tablename__ = "protocols"
    __table_args__ = (
        CheckConstraint("duration_months > 0 AND census_months > 0 AND plan_months > 0", name="positive_terms"),
        CheckConstraint("census_months < duration_months", name="census_inside_term"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(400))
    region_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    signed_on: Mapped[date]
    duration_months: Mapped[int] = mapped_column(default=24)
    census_months: Mapped[int] = mapped_column(default=6)
    plan_months: Mapped[int] = mapped_column(default=2)
    monitoring_every_months: Mapped[int] = mapped_column(default=3)
    acceptance_rule: Mapped[AcceptanceRule] = mapped_column(String(30), default=AcceptanceRule.ALL_SIGNATORIES)
    notes: Mapped[str | None] = mapped_column(Text)

    region: Mapped[Organization] = relationship(lazy="joined")
    signatories: Mapped[list[ProtocolSignatory]] = relationship(
        back_populates="protocol", order_by="ProtocolSignatory.id", cascade="all, delete-orphan")

    @property
    def ends_on(self) -> date:
        """Signature plus the protocol's duration."""
        return add_months(self.signed_on, self.duration_months)

    def __repr__(self) -> str:
        return f"<Protocol {self.id} signed {self.signed_on}>"


class ProtocolSignatory(CreatedAt, Base):
    """An organization bound by the protocol: an original signatory or a later adherent."""

    __tablename__ = "protocol_signatories"
    __table_args__ = (UniqueConstraint("protocol_id", "organization_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[SignatoryRole] = mapped_column(String(20), default=SignatoryRole.ORIGINAL)
    joined_on: Mapped[date]

    protocol: Mapped[Protocol] = relationship(back_populates="signatories")
    organization: Mapped[Organization] = relationship(lazy="joined")


class AdhesionStatus(StrEnum):
    PENDING = "pending"
    ADMITTED = "admitted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"


class AdhesionRequest(CreatedAt, Base):
    """A request to join a protocol ("richiesta di adesione"), decided by the original signatories."""

    __tablename__ = "protocol_adhesion_requests"
    __table_args__ = (
        CheckConstraint("accepts_objectives AND accepts_conditions", name="terms_accepted"),
        CheckConstraint("status IN ('pending', 'admitted') OR reason IS NOT NULL", name="closed_has_reason"),
        Index("uq_protocol_adhesion_requests_open", "protocol_id", "organization_id", unique=True,
              postgresql_where="status IN ('pending', 'admitted')"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    lead_company_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    tenant_slug: Mapped[str | None] = mapped_column(String(63))
    representative_name: Mapped[str] = mapped_column(String(200))
    representative_role: Mapped[str] = mapped_column(String(200))
    representative_email: Mapped[str | None] = mapped_column(String(320))
    accepts_objectives: Mapped[bool] = mapped_column(Boolean)
    accepts_conditions: Mapped[bool] = mapped_column(Boolean)
    requested_on: Mapped[date]
    status: Mapped[AdhesionStatus] = mapped_column(String(16), default=AdhesionStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None]
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    created_by: Mapped[str] = mapped_column(String(200))

    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id], lazy="joined")
    lead_company: Mapped[Organization | None] = relationship(foreign_keys=[lead_company_id], lazy="joined")
    decisions: Mapped[list[AdhesionDecision]] = relationship(
        back_populates="request", order_by="AdhesionDecision.id", lazy="selectin")

    def __repr__(self) -> str:
        return f"<AdhesionRequest {self.id} org={self.organization_id} {self.status}>"


class AdhesionDecision(CreatedAt, Base):
    """One original signatory's acceptance or refusal of an adhesion request."""

    __tablename__ = "protocol_adhesion_decisions"
    __table_args__ = (
        UniqueConstraint("request_id", "signatory_id"),
        CheckConstraint("decision = 'accept' OR reason IS NOT NULL", name="refusal_has_reason"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("protocol_adhesion_requests.id", ondelete="CASCADE"))
    signatory_id: Mapped[int] = mapped_column(ForeignKey("protocol_signatories.id"))
    decision: Mapped[Decision] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date]
    decided_by: Mapped[str] = mapped_column(String(200))

    request: Mapped[AdhesionRequest] = relationship(back_populates="decisions")
    signatory: Mapped[ProtocolSignatory] = relationship(lazy="joined")


class Waiver(CreatedAt, Base):
    """A milestone waived for one tenant (or for all), with the secretariat's reason ("deroga")."""

    __tablename__ = "protocol_waivers"
    __table_args__ = (
        CheckConstraint("length(btrim(reason)) >= 3", name="has_reason"),
        UniqueConstraint("protocol_id", "milestone_key", "tenant_id", postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"), index=True)
    milestone_key: Mapped[str] = mapped_column(String(63))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(200))
