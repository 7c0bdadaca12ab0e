"""The demo protocol: the Tuscan smart-city protocol signed at the end of 2017 and its signatories."""

from __future__ import annotations

from smartregion import audit
from sqlalchemy import select
from sqlalchemy.orm import Session

from protocol.models import AcceptanceRule, Protocol, ProtocolSignatory, SignatoryRole
from tenants.models import Organization, OrganizationKind
from tenants.seed import SIGNED_ON

TITLE = "Protocollo d'intesa per la promozione e lo sviluppo delle Smart Cities in Toscana"


def demo(session: Session) -> None:
    if session.scalar(select(Protocol).where(Protocol.title == TITLE)) is None:
        _protocol(session)


def _protocol(session: Session) -> Protocol:
    region = session.scalar(select(Organization).where(Organization.kind == OrganizationKind.REGION))
    protocol = Protocol(
        title=TITLE, region_id=region.id, signed_on=SIGNED_ON, duration_months=24, census_months=6,
        plan_months=2, monitoring_every_months=3, acceptance_rule=AcceptanceRule.ALL_SIGNATORIES,
        notes="Demo: the exact day of signature is not in the sources; 2017-12-27 is used.")
    session.add(protocol)
    kinds = [OrganizationKind.REGION, OrganizationKind.ASSOCIATION, OrganizationKind.MUNICIPALITY]
    signatories = session.scalars(select(Organization).where(Organization.kind.in_(kinds)).order_by(Organization.id))
    for org in signatories:
        protocol.signatories.append(ProtocolSignatory(organization_id=org.id, role=SignatoryRole.ORIGINAL,
                                                      joined_on=SIGNED_ON))
    session.flush()
    audit.record(session, action="protocol.create", entity_type="protocol", entity_id=protocol.id,
                 after={"title": TITLE, "signed_on": SIGNED_ON, "duration_months": 24})
    return protocol
