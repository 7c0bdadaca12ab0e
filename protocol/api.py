"""REST API of the protocol: the secretariat runs it, auditors read everything, members read their own."""

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
from smartregion.errors import Forbidden, NotFound, Unprocessable
from sqlalchemy import select

from protocol import schemas
from protocol.models import ProtocolNotice
from protocol.services import adhesions, auditlog, monitoring, notices, protocols, timeline
from tenants.models import Tenant

blp = Blueprint("protocol", __name__, url_prefix="/api/v1",
                description="The protocol: timeline, milestones, adhesions, monitoring, notices, audit log")




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


# --- protocols -----------------------------------------------------------------------------------

@blp.route("/protocols")
class Protocols(MethodView):
    @blp.response(200, schemas.ProtocolSchema(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, pagination_parameters):
        """Protocols, newest first (a renewal or another region's protocol may sit beside the first)."""
        _reader()
        return paginate(protocols.protocols_query(), pagination_parameters)

    @blp.arguments(schemas.ProtocolSchema)
    @blp.response(201, schemas.ProtocolSchema)
    @blp.documents_errors(400, 422)
    def post(self, data):
        """Record a signed protocol with its terms and original signatories (secretariat)."""
        auth.enter_regional("secretariat")
        return protocols.create_protocol(get_session(), **data, actor=current_actor())


@blp.route("/protocols/<int:protocol_id>")
class ProtocolById(MethodView):
    @blp.response(200, schemas.ProtocolSchema)
    @blp.documents_errors(404)
    def get(self, protocol_id):
        """One protocol with its signatories."""
        _reader()
        return protocols.get_protocol(get_session(), protocol_id)

    @blp.arguments(schemas.ProtocolUpdateSchema)
    @blp.response(200, schemas.ProtocolSchema)
    @blp.documents_errors(400, 404, 422)
    def patch(self, data, protocol_id):
        """Correct a protocol's terms (secretariat); the dates must stay consistent."""
        auth.enter_regional("secretariat")
        return protocols.update_protocol(get_session(), protocol_id, data, actor=current_actor())

    @blp.response(204)
    @blp.documents_errors(404, 409)
    def delete(self, protocol_id):
        """Delete a protocol recorded by mistake (secretariat); refused once it has history."""
        auth.enter_regional("secretariat")
        protocols.delete_protocol(get_session(), protocol_id, actor=current_actor())


@blp.route("/protocols/<int:protocol_id>/signatories")
class Signatories(MethodView):
    @blp.response(200, schemas.ProtocolSignatorySchema(many=True))
    @blp.documents_errors(404)
    def get(self, protocol_id):
        """Original signatories and admitted adherents."""
        _reader()
        return protocols.get_protocol(get_session(), protocol_id).signatories

    @blp.arguments(schemas.ProtocolSignatorySchema)
    @blp.response(201, schemas.ProtocolSignatorySchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, protocol_id):
        """Add an original signatory (secretariat); later organizations join by adhesion."""
        auth.enter_regional("secretariat")
        return protocols.add_signatory(get_session(), protocol_id, data["organization_id"], actor=current_actor())


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


@blp.route("/protocols/<int:protocol_id>/waivers")
class Waivers(MethodView):
    @blp.response(200, schemas.WaiverSchema(many=True))
    @blp.documents_errors(404)
    def get(self, protocol_id):
        """Waived milestones with their reasons."""
        auth.enter_regional()
        protocols.get_protocol(get_session(), protocol_id)
        return protocols.waivers(get_session(), protocol_id)

    @blp.arguments(schemas.WaiverSchema)
    @blp.response(201, schemas.WaiverSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, protocol_id):
        """Waive a milestone for one tenant or for all (secretariat); the reason is mandatory."""
        auth.enter_regional("secretariat")
        return protocols.grant_waiver(get_session(), protocol_id, milestone_key=data["milestone_key"],
                                      reason=data["reason"], tenant_id=_tenant_id(data.get("tenant")),
                                      actor=current_actor())


# --- adhesions -----------------------------------------------------------------------------------

@blp.route("/protocols/<int:protocol_id>/adhesions")
class Adhesions(MethodView):
    @blp.arguments(schemas.AdhesionQuerySchema, location="query")
    @blp.response(200, schemas.AdhesionSchema(many=True))
    @blp.paginate()
    @blp.documents_errors(404)
    def get(self, query, protocol_id, pagination_parameters):
        """Adhesion requests with each signatory's decision; refusals and withdrawals keep their reasons."""
        _reader()
        protocols.get_protocol(get_session(), protocol_id)
        return paginate(adhesions.requests_query(protocol_id, status=query.get("status")), pagination_parameters)

    @blp.arguments(schemas.AdhesionSchema)
    @blp.response(201, schemas.AdhesionSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, protocol_id):
        """Record a request to join (secretariat, on the organization's behalf)."""
        auth.enter_regional("secretariat")
        return adhesions.request_adhesion(
            get_session(), protocol_id, organization_id=data.get("organization_id"),
            organization=data.get("new_organization"), lead_company_id=data.get("lead_company_id"),
            lead_company=data.get("new_lead_company"), tenant_slug=data.get("tenant_slug"),
            representative_name=data["representative_name"], representative_role=data["representative_role"],
            representative_email=data.get("representative_email"),
            accepts_objectives=data["accepts_objectives"], accepts_conditions=data["accepts_conditions"],
            requested_on=data.get("requested_on") or date.today(), actor=current_actor())


@blp.route("/protocols/<int:protocol_id>/adhesions/<int:request_id>")
@blp.response(200, schemas.AdhesionSchema)
@blp.documents_errors(404)
def adhesion(protocol_id, request_id):
    """One adhesion request."""
    _reader()
    return adhesions.get_request(get_session(), protocol_id, request_id)


@blp.route("/protocols/<int:protocol_id>/adhesions/<int:request_id>/decisions", methods=["POST"])
@blp.arguments(schemas.AdhesionDecisionSchema)
@blp.response(200, schemas.AdhesionDecidedSchema)
@blp.documents_errors(400, 403, 404, 409, 422)
def decide_adhesion(data, protocol_id, request_id):
    """An original signatory accepts or refuses (with a reason); the acceptance rule then applies.

    The secretariat records any signatory's decision; a municipality's officer records its own.
    """
    user = auth.require_user()
    session = get_session()
    if not user.is_secretariat:
        own = session.scalars(select(Tenant.municipality_id).where(Tenant.slug.in_(user.tenant_slugs))).all()
        if "municipality" not in user.roles or data["organization_id"] not in own:
            raise Forbidden("Only the secretariat or the signatory's own officers record its decision.")
    # An admission writes regional rows and opens a tenant: the decision runs region-wide.
    tenancy.set_regional(True)
    request, job = adhesions.decide(session, protocol_id, request_id, organization_id=data["organization_id"],
                                    decision=data["decision"], reason=data.get("reason"),
                                    decided_on=data.get("decided_on") or date.today(), actor=current_actor())
    return {"request": request, "job_id": job.id if job else None}


@blp.route("/protocols/<int:protocol_id>/adhesions/<int:request_id>/withdraw", methods=["POST"])
@blp.arguments(schemas.WithdrawalSchema)
@blp.response(200, schemas.AdhesionSchema)
@blp.documents_errors(400, 404, 409, 422)
def withdraw_adhesion(data, protocol_id, request_id):
    """The organization withdraws its pending request, with a reason (recorded by the secretariat)."""
    auth.enter_regional("secretariat")
    return adhesions.withdraw(get_session(), protocol_id, request_id, reason=data["reason"], day=date.today(),
                              actor=current_actor())


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
        statement = monitoring.reports_query(protocol_id, tenant_id=_tenant_id(slug), regional=query["regional"])
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
        job = jobs.enqueue(session, "reports", "protocol.jobs.issue_monitoring_reports", protocol_id=protocol_id,
                           today=today.isoformat(), description=f"Monitoring reports of protocol {protocol_id}")
        return {"job_id": job.id}


@blp.route("/monitoring-reports/<int:report_id>")
@blp.response(200, schemas.MonitoringReportDetailSchema)
@blp.documents_errors(404)
def monitoring_report(report_id):
    """A frozen report with its content and whether it still matches its SHA-256."""
    user = _reader()
    session = get_session()
    report = monitoring.get_report(session, report_id)
    if not user.is_regional:
        slug = session.scalar(select(Tenant.slug).where(Tenant.id == report.tenant_id)) if report.tenant_id else None
        if slug is None or not _visible(user, slug):
            raise NotFound(f"Monitoring report {report_id} not found.")
    return {**{c: getattr(report, c) for c in schemas.MonitoringReportSchema().fields}, "content": report.content,
            "verified": monitoring.verify(report)}


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

