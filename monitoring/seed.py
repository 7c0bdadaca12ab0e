"""The demo protocol's monitoring: its notice recipients, and the monitoring reports of its 24 months,
issued on their dates as the history of the demo."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring.models import NoticeRecipient
from monitoring.services import reports, sources, timeline
from protocol.models import Protocol
from protocol.seed import TITLE
from tenants.models import Tenant

SECRETARIAT_EMAIL = "segreteria@demo.smartregion.invalid"


def demo(session: Session) -> None:
    protocol = session.scalar(select(Protocol).where(Protocol.title == TITLE))
    if protocol is None:
        return
    _recipients(session, protocol)
    _monitoring_history(session, protocol)


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

    With the census enabled, the history waits for the census campaign of the protocol.
    """
    if sources.enabled("census"):
        from census.services import campaign_for_protocol

        if campaign_for_protocol(session, protocol.id) is None:
            return

    for milestone in timeline.milestones(protocol):
        if milestone.kind in reports.REPORTED_KINDS:
            reports.issue_due_reports(session, today=milestone.due_on, protocol_id=protocol.id)
