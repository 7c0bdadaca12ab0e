"""What monitoring asks of each regional person next, on the home page: the auditor's late milestones, latest
frozen report and the chain check; the secretariat's adhesion requests to decide and failed jobs."""

from __future__ import annotations

from datetime import date

from flask import Flask
from smartregion import tenancy
from smartregion.db import get_session
from smartregion.jobs.models import Job
from smartregion.web import home_section
from sqlalchemy import func, select

from monitoring.models import MonitoringReport
from monitoring.services import timeline
from protocol.services import AdhesionRequest, AdhesionStatus, Protocol


def _latest_protocol(session) -> Protocol | None:
    return session.scalar(select(Protocol).order_by(Protocol.signed_on.desc()).limit(1))


def _auditor(user, tenant_slug):
    if user.role != "auditor":
        return None
    session = get_session()
    with tenancy.regional_scope():
        protocol = _latest_protocol(session)
        if protocol is None:
            return None
        line = timeline.compute_cached(session, protocol.id, today=date.today())
        late = []
        for milestone in line.milestones:
            count = sum(1 for state in line.states[milestone.key] if state.state == timeline.LATE)
            if count:
                late.append({"key": milestone.key, "due_on": milestone.due_on, "count": count})
        report = session.scalar(select(MonitoringReport).where(MonitoringReport.protocol_id == protocol.id,
                                                              MonitoringReport.tenant_id.is_(None))
                                .order_by(MonitoringReport.period_end.desc()).limit(1))
    return {"template": "monitoring/_home_auditor.html", "protocol": protocol, "late": late, "report": report,
            "status": line.status}


def _secretariat(user, tenant_slug):
    if user.role != "secretariat":
        return None
    session = get_session()
    with tenancy.regional_scope():
        protocol = _latest_protocol(session)
        pending = session.scalars(select(AdhesionRequest).where(AdhesionRequest.status == AdhesionStatus.PENDING)
                                  .order_by(AdhesionRequest.id).limit(10)).all()
        failed = session.scalar(select(func.count()).select_from(Job).where(Job.state == "failed"))
    return {"template": "monitoring/_home_secretariat.html", "protocol": protocol, "pending": pending,
            "failed": failed}


def init_app(app: Flask) -> None:
    home_section(app, _auditor)
    home_section(app, _secretariat)
