"""Organizations, tenants and memberships."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from smartregion.db import Base, CreatedAt, TenantScoped
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship


class OrganizationKind(StrEnum):
    REGION = "region"
    ASSOCIATION = "association"
    MUNICIPALITY = "municipality"
    UNION_OF_MUNICIPALITIES = "union-of-municipalities"
    PARTICIPATED_COMPANY = "participated-company"
    UNIVERSITY = "university"
    RESEARCH_CENTRE = "research-centre"


class TenantStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class MembershipRole(StrEnum):
    MUNICIPALITY = "municipality"
    LEAD_COMPANY = "lead-company"
    UTILITY = "utility"


class Organization(CreatedAt, Base):
    """A signatory or participant: region, association, municipality, company, university..."""

    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint("kind <> 'municipality' OR istat_code IS NOT NULL", name="municipality_has_istat"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[OrganizationKind] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    istat_code: Mapped[str | None] = mapped_column(String(6), unique=True)
    vat_number: Mapped[str | None] = mapped_column(String(11), unique=True)
    fiscal_code: Mapped[str | None] = mapped_column(String(16))
    website: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Tenant(CreatedAt, Base):
    """One signatory municipality with its lead participated company (the unit of isolation)."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    lead_company_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[TenantStatus] = mapped_column(String(16), default=TenantStatus.PENDING)
    status_reason: Mapped[str | None] = mapped_column(Text)
    joined_on: Mapped[date | None]
    keycloak_group: Mapped[str | None] = mapped_column(String(200))

    municipality: Mapped[Organization] = relationship(foreign_keys=[municipality_id], lazy="joined")
    lead_company: Mapped[Organization] = relationship(foreign_keys=[lead_company_id], lazy="joined")


class TenantMembership(TenantScoped, CreatedAt, Base):
    """An organization serving a tenant: its municipality, its lead company, other utilities."""

    __tablename__ = "tenant_memberships"
    __table_args__ = (
        UniqueConstraint("tenant_id", "organization_id", "role"),
        ForeignKeyConstraint(["organization_id"], ["organizations.id"]),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[MembershipRole] = mapped_column(String(20))

    organization: Mapped[Organization] = relationship(lazy="joined")
