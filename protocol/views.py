"""Pages of the protocol: timeline, tenants-by-milestone matrix, audit log, chain check, monitoring reports."""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, abort, render_template, request
from smartregion import audit, auth, tenancy
from smartregion.api import paginate_query
from smartregion.db import get_session
from smartregion.errors import Unprocessable
from smartregion.web import page_user
from sqlalchemy import select

from protocol.services import auditlog, monitoring, protocols, timeline
from tenants.models import Tenant

bp = Blueprint("protocol_pages", __name__, template_folder="templates")
AUDIT_FILTERS = ("tenant", "actor", "entity_type", "entity_id", "action", "since", "until")


def _regional_reader() -> auth.User:
    user = page_user()
    tenancy.set_regional(True)  # rows of other tenants are filtered out below for members
    return user


def _auditor() -> auth.User:
    user = page_user()
    if not user.is_regional:
        abort(403)
    tenancy.set_regional(True)
    return user


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/protocols")
def protocols_page():
    _regional_reader()
    rows = get_session().scalars(protocols.protocols_query()).all()
    return render_template("protocol/list.html", protocols=rows, today=date.today())


@bp.get("/protocols/<int:protocol_id>")
def timeline_page(protocol_id: int):
    user = _regional_reader()
    today = _day(request.args.get("today")) or date.today()
    line = timeline.compute(get_session(), protocol_id, today=today)
    if not user.is_regional:
        line.states = {k: [s for s in rows if s.slug in user.tenant_slugs] for k, rows in line.states.items()}
        line.tenants = [t for t in line.tenants if t.slug in user.tenant_slugs]
    return render_template("protocol/timeline.html", line=line.as_dict(), matrix=line.matrix(),
                           protocol=line.protocol)


@bp.get("/protocols/<int:protocol_id>/reports")
def reports_page(protocol_id: int):
    _auditor()
    session = get_session()
    protocol = protocols.get_protocol(session, protocol_id)
    rows = session.scalars(monitoring.reports_query(protocol_id)).all()
    slugs = _slugs(session)
    return render_template("protocol/reports.html", protocol=protocol, reports=rows, slugs=slugs)


@bp.get("/monitoring-reports/<int:report_id>")
def report_page(report_id: int):
    _auditor()
    report = monitoring.get_report(get_session(), report_id)
    return render_template("protocol/report.html", report=report, verified=monitoring.verify(report),
                           content=json.dumps(report.content, indent=2, ensure_ascii=False, sort_keys=True))


@bp.get("/audit")
def audit_page():
    _auditor()
    session = get_session()
    filters = {name: (request.args.get(name) or "").strip() or None for name in AUDIT_FILTERS}
    filters["since"], filters["until"] = _day(filters["since"]), _day(filters["until"])
    page = max(1, request.args.get("page", 1, type=int))
    try:
        statement = auditlog.events_query(session, **filters)
    except Unprocessable as exc:
        return render_template("protocol/audit.html", events=[], total=0, page=1, pages=1, filters=filters,
                               error=exc.detail, slugs={}, query={}), 422
    events, total = paginate_query(session, statement, page, 50)
    slugs = _slugs(session)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("protocol/audit.html", events=events, total=total, page=page,
                           pages=max(1, -(-total // 50)), filters=filters, error=None, slugs=slugs, query=query)


@bp.get("/audit/verify")
def verify_page():
    _auditor()
    return render_template("protocol/verify.html", result=audit.verify(get_session()))


def _slugs(session) -> dict[int, str]:
    return dict(session.execute(select(Tenant.id, Tenant.slug)).all())
