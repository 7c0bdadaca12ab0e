"""The demo region: the signatories of the Tuscan smart-city protocol and their demo users."""

from __future__ import annotations

from datetime import date

from smartregion import devauth
from smartregion.registry import Organization, OrganizationKind, Tenant, TenantStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants import services

SIGNED_ON = date(2017, 12, 27)

REGION = {"kind": OrganizationKind.REGION, "name": "Regione Toscana", "fiscal_code": "01386030488"}
ASSOCIATIONS = [
    {"kind": OrganizationKind.ASSOCIATION, "name": "ANCI Toscana"},
    {"kind": OrganizationKind.ASSOCIATION, "name": "Confservizi Cispel Toscana"},
]
# The municipalities of the protocol with their ISTAT codes; the lead companies are examples,
# named plainly as such, with made-up VAT numbers that pass the check digit.
MUNICIPALITIES = [
    ("firenze", "Comune di Firenze", "048017", "Firenze Servizi Esempio S.p.A. (società di esempio)", "06123450485"),
    ("prato", "Comune di Prato", "100005", "Prato Multiservizi Esempio S.p.A. (società di esempio)", "06234561006"),
    ("pisa", "Comune di Pisa", "050026", "Pisa Reti Esempio S.p.A. (società di esempio)", "06345670506"),
    ("grosseto", "Comune di Grosseto", "053011", "Grosseto Energia Esempio S.p.A. (società di esempio)", "06456780532"),
    ("siena", "Comune di Siena", "052032", "Siena Servizi Esempio S.p.A. (società di esempio)", "06567890527"),
]
USERS = [
    ("segreteria", "Segreteria tecnica regionale", ["secretariat"], []),
    ("revisore", "Revisore del protocollo", ["auditor"], []),
    ("firenze-comune", "Ufficio smart city, Comune di Firenze", ["municipality"], ["/tenants/firenze"]),
    ("prato-comune", "Ufficio smart city, Comune di Prato", ["municipality"], ["/tenants/prato"]),
    ("firenze-utility", "Operatore, Firenze Servizi Esempio", ["utility"], ["/tenants/firenze"]),
    ("prato-utility", "Operatore, Prato Multiservizi Esempio", ["utility"], ["/tenants/prato"]),
]


def _organization(session: Session, **fields) -> Organization:
    lookup = {"istat_code": fields.get("istat_code")} if fields.get("istat_code") else {"name": fields["name"]}
    existing = session.scalar(select(Organization).filter_by(**lookup))
    return existing or services.create_organization(session, **fields)


def demo(session: Session) -> None:
    """Load the demo region (idempotent)."""
    _organization(session, **REGION)
    for association in ASSOCIATIONS:
        _organization(session, **association)
    for slug, name, istat, company, vat in MUNICIPALITIES:
        municipality = _organization(session, kind=OrganizationKind.MUNICIPALITY, name=name, istat_code=istat)
        lead = session.scalar(select(Organization).where(Organization.vat_number == vat)) or \
            services.create_organization(session, kind=OrganizationKind.PARTICIPATED_COMPANY, name=company,
                                         vat_number=vat)
        if session.scalar(select(Tenant).where(Tenant.slug == slug)) is None:
            tenant = services.create_tenant(session, slug=slug, municipality_id=municipality.id,
                                            lead_company_id=lead.id, joined_on=SIGNED_ON)
            tenant.status = TenantStatus.ACTIVE
            tenant.keycloak_group = f"/tenants/{slug}"
    for username, name, roles, groups in USERS:
        if session.get(devauth.DevUser, username) is None:
            devauth.upsert_user(session, username, name=name, roles=roles, groups=groups,
                                email=f"{username}@demo.smartregion.invalid")
    session.flush()
