"""The tenant registry: the tenants (the kernel's unit of isolation) and the organizations behind them.

Row-level security, the `TenantScoped` mixin (its `tenant_id` references `tenants`), the identity
groups `/tenants/<slug>` and the tenant switcher all rest on these two tables, so they belong to the
kernel. What is done with them (creating, accepting and suspending tenants, memberships, identity
groups, their pages and API) is the `tenants` module's.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from smartregion.db import Base, CreatedAt
from smartregion.errors import Unprocessable
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship


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


KIND_LABELS = {
    OrganizationKind.REGION: _l("Region"),
    OrganizationKind.ASSOCIATION: _l("Association"),
    OrganizationKind.MUNICIPALITY: _l("Municipality"),
    OrganizationKind.UNION_OF_MUNICIPALITIES: _l("Union of municipalities"),
    OrganizationKind.PARTICIPATED_COMPANY: _l("Participated company"),
    OrganizationKind.UNIVERSITY: _l("University"),
    OrganizationKind.RESEARCH_CENTRE: _l("Research centre"),
}


def organization_kind_label(kind: str) -> str:
    """The kind of an organization, in the page's language."""
    return str(KIND_LABELS.get(kind, kind))


def tenant_id_of(session: Session, slug: str | None, *, field: str = "tenant",
                 message: str = "Unknown tenant.") -> int | None:
    """The id of the tenant named by `slug` (None when no slug); an unknown slug is refused with 422."""
    if not slug:
        return None
    tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise Unprocessable(message, errors={field: [f"No tenant {slug!r}."]})
    return tenant_id


def slugs_by_id(session: Session) -> dict[int, str]:
    """Every tenant's slug by id, for pages that show rows of several tenants."""
    return dict(session.execute(select(Tenant.id, Tenant.slug)).all())
