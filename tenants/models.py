"""Memberships of tenants; the tenants and organizations themselves are the kernel's registry."""

from __future__ import annotations

from enum import StrEnum

from smartregion.db import Base, CreatedAt, TenantScoped
from smartregion.registry import Organization, OrganizationKind, Tenant, TenantStatus
from sqlalchemy import (
    BigInteger,
    ForeignKeyConstraint,
    Identity,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship


class MembershipRole(StrEnum):
    MUNICIPALITY = "municipality"
    LEAD_COMPANY = "lead-company"
    UTILITY = "utility"


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


__all__ = ["MembershipRole", "Organization", "OrganizationKind", "Tenant", "TenantMembership", "TenantStatus"]
