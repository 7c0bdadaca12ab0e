"""The demo protocol: the Tuscan smart-city protocol signed at the end of 2017, its notice recipients,
and the monitoring reports of its 24 months, issued on their dates as the history of the demo."""

from __future__ import annotations

from smartregion import audit
from sqlalchemy import select
from sqlalchemy.orm import Session

from protocol.models import AcceptanceRule, NoticeRecipient, Protocol, ProtocolSignatory, SignatoryRole
from tenants.models import Organization, OrganizationKind, Tenant
from tenants.seed import SIGNED_ON

TITLE = "Protocollo d'intesa per la promozione e lo sviluppo delle Smart Cities in Toscana"
SECRETARIAT_EMAIL = "segreteria@demo.smartregion.invalid"


def demo(session: Session) -> None:
    protocol = session.scalar(select(Protocol).where(Protocol.title == TITLE))
    if protocol is None:
        protocol = _protocol(session)
    _recipients(session, protocol)
    _monitoring_history(session, protocol)


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


def _recipients(session: Session, protocol: Protocol) -> None:
    wanted = [(None, SECRETARIAT_EMAIL)]
    for tenant in session.scalars(select(Tenant).order_by(Tenant.id)):
        wanted.append((tenant.id, f"{tenant.slug}-comune@demo.smartregion.invalid"))
    for tenant_id, email in wanted:
        exists = session.scalar(select(NoticeRecipient.id).where(
            NoticeRecipient.protocol_id == protocol.id, NoticeRecipient.email == email))
        if exists is None:
            session.add(NoticeRecipient(protocol_id=protocol.id, tenant_id=tenant_id, email=email))
    session.flush()


def _monitoring_history(session: Session, protocol: Protocol) -> None:
    """Issue each report on its own date, as the daily job would have done during the protocol.

    The census seed creates the protocol before its campaign exists; the history waits for the campaign.
    """
    from protocol.services import monitoring, sources, timeline

    if sources.enabled("census"):
        from census.services import campaign_for_protocol

        if campaign_for_protocol(session, protocol.id) is None:
            return

    for milestone in timeline.milestones(protocol):
        if milestone.kind in monitoring.REPORTED_KINDS:
            monitoring.issue_due_reports(session, today=milestone.due_on, protocol_id=protocol.id)
