"""REST API of the monitoring: timeline and matrix, monitoring reports, notices, audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Response, current_app
from flask.views import MethodView
from smartregion import auth, jobs, tenancy
from smartregion.api import Blueprint, paginate
from smartregion.audit import current_actor
from smartregion.cache import VersionedCache, data_version
from smartregion.db import get_session
from smartregion.errors import NotFound, Unprocessable
from sqlalchemy import select

from monitoring import schemas
from monitoring.models import ProtocolNotice
from monitoring.services import auditlog, notices, reports, timeline
from protocol.services import protocols
from tenants.models import Tenant

blp = Blueprint("monitoring", __name__, url_prefix="/api/v1",
                description="Monitoring of the protocol: timeline, matrix, monitoring reports, notices, audit log")


def _reader() -> auth.User:
    """Any signed-in user reads protocols; the rows of tenants are filtered to what they may see."""
    user = auth.require_user()
    tenancy.set_regional(True)  # regional reads, filtered to the caller's tenants by _visible below
    return user


def _visible(user: auth.User, slug: str) -> bool:
    return user.is_regional or slug in user.tenant_slugs


def _tenant_id(slug: str | None, field: str = "tenant") -> int | None:
    if slug is None:
        return None
    tenant_id = get_session().scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise Unprocessable("Unknown tenant.", errors={field: [f"No tenant {slug!r}."]})
    return tenant_id


def _today(query: dict) -> date:
    return query.get("today") or date.today()


# --- timeline and matrix -------------------------------------------------------------------------

def _filtered(line: timeline.Timeline, user: auth.User) -> timeline.Timeline:
    if user.is_regional:
        return line
    return replace(line, states={key: [s for s in rows if _visible(user, s.slug)] for key, rows in line.states.items()},
                   tenants=[t for t in line.tenants if _visible(user, t.slug)])


# The whole region's timeline as the secretariat and auditors read it, serialised once per data change.
_REGIONAL_TIMELINES = VersionedCache()


@blp.route("/protocols/<int:protocol_id>/timeline")
@blp.arguments(schemas.TimelineQuerySchema, location="query")
@blp.response(200, schemas.TimelineSchema)
@blp.documents_errors(404)
def protocol_timeline(query, protocol_id):
    """Milestones with due dates, today's position and each tenant's state (frozen after the end)."""
    user = _reader()
    session, today = get_session(), _today(query)
    if user.is_regional:
        body = _REGIONAL_TIMELINES.get_or_build(
            (protocol_id, today), data_version(session),
            lambda: current_app.json.dumps(schemas.TimelineSchema().dump(
                timeline.compute_cached(session, protocol_id, today=today).as_dict())))
        return Response(body, mimetype="application/json")
    return _filtered(timeline.compute_cached(session, protocol_id, today=today), user).as_dict()


@blp.route("/protocols/<int:protocol_id>/matrix")
@blp.arguments(schemas.TimelineQuerySchema, location="query")
@blp.response(200, schemas.MatrixSchema)
@blp.documents_errors(404)
def protocol_matrix(query, protocol_id):
    """Tenants by milestone: state, due date and days late of each cell."""
    user = _reader()
    line = timeline.compute_cached(get_session(), protocol_id, today=_today(query))
    return _filtered(line, user).matrix()


# --- monitoring reports --------------------------------------------------------------------------

@blp.route("/protocols/<int:protocol_id>/monitoring-reports")
class MonitoringReports(MethodView):
    @blp.arguments(schemas.MonitoringReportQuerySchema, location="query")
    @blp.response(200, schemas.MonitoringReportSchema(many=True))
    @blp.paginate()
    @blp.documents_errors(404)
    def get(self, query, protocol_id, pagination_parameters):
        """Frozen monitoring reports: regional ones, and per tenant (members see their own)."""
        user = _reader()
        protocols.get_protocol(get_session(), protocol_id)
        slug = query.get("tenant")
        if not user.is_regional:
            if slug is None or not _visible(user, slug):
                raise NotFound("Members read the reports of their own tenant: give ?tenant=<slug>.")
        statement = reports.reports_query(protocol_id, tenant_id=_tenant_id(slug), regional=query["regional"])
        return paginate(statement, pagination_parameters)

    @blp.arguments(schemas.IssueReportsSchema)
    @blp.response(202, schemas.ReportJobSchema)
    @blp.documents_errors(400, 404)
    def post(self, data, protocol_id):
        """Issue now, by a job, the reports that are due and not issued yet (secretariat)."""
        auth.enter_regional("secretariat")
        session = get_session()
        protocols.get_protocol(session, protocol_id)
        today = data.get("today") or date.today()
        job = jobs.enqueue(session, "reports", "monitoring.jobs.issue_monitoring_reports", protocol_id=protocol_id,
                           today=today.isoformat(), description=f"Monitoring reports of protocol {protocol_id}")
        return {"job_id": job.id}


@blp.route("/monitoring-reports/<int:report_id>")
@blp.response(200, schemas.MonitoringReportDetailSchema)
@blp.documents_errors(404)
def monitoring_report(report_id):
    """A frozen report with its content and whether it still matches its SHA-256."""
    user = _reader()
    session = get_session()
    report = reports.get_report(session, report_id)
    if not user.is_regional:
        slug = session.scalar(select(Tenant.slug).where(Tenant.id == report.tenant_id)) if report.tenant_id else None
        if slug is None or not _visible(user, slug):
            raise NotFound(f"Monitoring report {report_id} not found.")
    return {**{c: getattr(report, c) for c in schemas.MonitoringReportSchema().fields}, "content": report.content,
            "verified": reports.verify(report)}


# --- notices -------------------------------------------------------------------------------------

@blp.route("/notices")
@blp.arguments(schemas.DeadlineNoticeQuerySchema, location="query")
@blp.response(200, schemas.DeadlineNoticeSchema(many=True))
@blp.paginate()
@blp.documents_errors()
def list_notices(query, pagination_parameters):
    """Deadline notices: the secretariat's and every tenant's for regional roles, one's tenants' otherwise."""
    user = _reader()
    slug = query.get("tenant")
    if slug is not None and not _visible(user, slug):
        raise NotFound(f"Tenant {slug!r} not found.")
    if slug is not None:
        tenant_ids, secretariat = [_tenant_id(slug)], False
    elif user.is_regional:
        tenant_ids, secretariat = None, True
    else:
        tenant_ids = list(get_session().scalars(select(Tenant.id).where(Tenant.slug.in_(user.tenant_slugs))))
        secretariat = False
    statement = notices.notices_query(tenant_ids=tenant_ids, secretariat=secretariat,
                                      protocol_id=query.get("protocol_id"), unread_only=query["unread"])
    return paginate(statement, pagination_parameters)


@blp.route("/notices/<int:notice_id>/read", methods=["POST"])
@blp.response(200, schemas.DeadlineNoticeSchema)
@blp.documents_errors(404)
def read_notice(notice_id):
    """Mark a notice as read (its tenant's members, or the secretariat)."""
    user = _reader()
    session = get_session()
    notice: ProtocolNotice = notices.get_notice(session, notice_id)
    slug = session.scalar(select(Tenant.slug).where(Tenant.id == notice.tenant_id)) if notice.tenant_id else None
    allowed = user.is_secretariat or (slug is not None and slug in user.tenant_slugs)
    if not allowed:
        raise NotFound(f"Notice {notice_id} not found.")
    return notices.mark_read(session, notice, actor=current_actor())


@blp.route("/protocols/<int:protocol_id>/recipients")
class Recipients(MethodView):
    @blp.response(200, schemas.NoticeRecipientSchema(many=True))
    @blp.documents_errors(404)
    def get(self, protocol_id):
        """Addresses that receive the notices by e-mail (secretariat)."""
        auth.enter_regional("secretariat")
        protocols.get_protocol(get_session(), protocol_id)
        return notices.recipients(get_session(), protocol_id)

    @blp.arguments(schemas.NoticeRecipientSchema)
    @blp.response(201, schemas.NoticeRecipientSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, protocol_id):
        """Add an address for a tenant's notices, or the secretariat's when no tenant is given."""
        auth.enter_regional("secretariat")
        return notices.add_recipient(get_session(), protocol_id, email=data["email"],
                                     tenant_id=_tenant_id(data.get("tenant")), actor=current_actor())


# --- audit log -----------------------------------------------------------------------------------

def _audit_filters(query: dict) -> dict:
    return {name: query.get(name) for name in ("tenant", "actor", "entity_type", "entity_id", "action",
                                                "since", "until")}


@blp.route("/audit/events")
@blp.arguments(schemas.AuditQuerySchema, location="query")
@blp.response(200, schemas.AuditEventSchema(many=True))
@blp.paginate()
@blp.documents_errors(422)
def audit_events(query, pagination_parameters):
    """The audit log, newest first, filtered by tenant, actor, entity, action prefix and period."""
    auth.enter_regional()
    return paginate(auditlog.events_query(get_session(), **_audit_filters(query)), pagination_parameters)


@blp.route("/audit/events.csv")
@blp.arguments(schemas.AuditQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
@blp.documents_errors(422)
def audit_events_csv(query):
    """The filtered audit log as CSV; cells that a spreadsheet would run as formulas are kept as text."""
    auth.enter_regional()
    session = get_session()
    statement = auditlog.events_query(session, **_audit_filters(query))
    rows = list(auditlog.csv_rows(session, statement))
    response = Response("".join(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{date.today().isoformat()}.csv"'
    return response

