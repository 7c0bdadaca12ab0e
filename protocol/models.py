"""The agreement itself: the protocol and its signatories."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartregion.db import Base, CreatedAt
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
