"""Pages of the monitoring: the protocol's timeline and matrix (with the secretariat's forms for
signatories, waivers and notice recipients), monitoring reports, the audit log and its chain check.

Every form posts to the same service calls as the API, is checked by the API's schemas, and is
allowed to the same people: the secretariat runs the protocol, auditors read everything and write nothing.
"""

from __future__ import annotations

import json
from datetime import date

import marshmallow as ma
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from smartregion import audit, auth, jobs, tenancy
from smartregion.api import paginate_query
from smartregion.db import get_session
from smartregion.errors import DomainError, Unprocessable
from smartregion.web import page_language, page_secretariat, page_user
from sqlalchemy import select

from monitoring import schemas
from monitoring.services import auditlog, documents, notices, reports, timeline
from protocol import schemas as protocol_schemas
from protocol.services import adhesions, protocols
from protocol.views import (
    _day,
    _detail,
    _errors,
    _given,
    _regional_reader,
    _slugs,
    _status,
    _tenant_id,
    _text,
    _visible_job,
    organization_kind_label,
)
from tenants.models import Organization

bp = Blueprint("monitoring_pages", __name__, template_folder="templates")
AUDIT_FILTERS = ("tenant", "actor", "entity_type", "entity_id", "action", "since", "until")


def _auditor() -> auth.User:
    user = page_user()
    if not user.is_regional:
        abort(403)
    tenancy.set_regional(True)
    return user


# --- the timeline and the secretariat's forms on it -------------------------------------------

@bp.get("/protocols/<int:protocol_id>")
def timeline_page(protocol_id: int):
    _regional_reader()
    return _render_timeline(protocol_id, _day(request.args.get("today")) or date.today())


def _render_timeline(protocol_id: int, today: date, *, failed: str | None = None,
                     error: DomainError | ma.ValidationError | None = None):
    """The timeline page; `failed` names the form whose error is shown, with its values kept."""
    user = auth.current_user()
    session = get_session()
    line = timeline.compute(session, protocol_id, today=today)
    if not user.is_regional:
        line.states = {k: [s for s in rows if s.slug in user.tenant_slugs] for k, rows in line.states.items()}
        line.tenants = [t for t in line.tenants if t.slug in user.tenant_slugs]
    protocol = line.protocol
    slugs = _slugs(session)
    context = {
        "line": line.as_dict(), "matrix": line.matrix(), "protocol": protocol,
        "adhesion_requests": session.scalars(adhesions.requests_query(protocol_id)).all(),
        "signatories": protocol.signatories, "slugs": slugs,
        # Waivers are read by the regional roles, recipients by the secretariat (as in the API).
        "waivers": protocols.waivers(session, protocol_id) if user.is_regional else None,
        "recipients": notices.recipients(session, protocol_id) if user.is_secretariat else None,
        "failed": failed, "errors": _errors(error) if error is not None else {},
        "detail": _detail(error) if error is not None else None,
        "values": request.form if error is not None else {},
    }
    if user.is_secretariat:
        signed = {s.organization_id for s in protocol.signatories}
        context["organization_options"] = [
            (o.id, f"{o.name} ({organization_kind_label(o.kind)})")
            for o in session.scalars(select(Organization).order_by(Organization.name)) if o.id not in signed]
        context["milestone_options"] = [(m.key, m.label_it if page_language() == "it" else m.label_en)
                                        for m in timeline.milestones(protocol) if m.key != "end"]
        participating = protocols.participating_tenants(session, protocol)
        context["tenant_options"] = [(t.slug, t.name) for t, _signatory in participating]
    return render_template("monitoring/timeline.html", **context), _status(error) if error is not None else 200


def _back_to_timeline(protocol_id: int, anchor: str):
    return redirect(url_for(".timeline_page", protocol_id=protocol_id, _anchor=anchor), 303)


@bp.post("/protocols/<int:protocol_id>/signatories")
def add_signatory_page(protocol_id: int):
    page_secretariat()
    session = get_session()
    protocols.get_protocol(session, protocol_id)
    try:
        data = protocol_schemas.ProtocolSignatorySchema().load(_given(organization_id=_text("organization_id")))
        signatory = protocols.add_signatory(session, protocol_id, data["organization_id"],
                                            actor=audit.current_actor())
    except (DomainError, ma.ValidationError) as error:
        session.rollback()
        return _render_timeline(protocol_id, date.today(), failed="signatory", error=error)
    flash(_("%(name)s was added as an original signatory.", name=signatory.organization.name), "success")
    return _back_to_timeline(protocol_id, "signatories")


@bp.post("/protocols/<int:protocol_id>/waivers")
def grant_waiver_page(protocol_id: int):
    page_secretariat()
    session = get_session()
    protocols.get_protocol(session, protocol_id)
    try:
        data = protocol_schemas.WaiverSchema().load(_given(milestone_key=_text("milestone_key"), tenant=_text("tenant"),
                                                  reason=_text("reason")))
        protocols.grant_waiver(session, protocol_id, milestone_key=data["milestone_key"], reason=data["reason"],
                               tenant_id=_tenant_id(session, data.get("tenant")), actor=audit.current_actor())
    except (DomainError, ma.ValidationError) as error:
        session.rollback()
        return _render_timeline(protocol_id, date.today(), failed="waiver", error=error)
    flash(_("The milestone %(key)s was waived.", key=data["milestone_key"]), "success")
    return _back_to_timeline(protocol_id, "waivers")


@bp.post("/protocols/<int:protocol_id>/recipients")
def add_recipient_page(protocol_id: int):
    page_secretariat()
    session = get_session()
    protocols.get_protocol(session, protocol_id)
    try:
        data = schemas.NoticeRecipientSchema().load(_given(email=_text("email"), tenant=_text("tenant")))
        added = notices.add_recipient(session, protocol_id, email=data["email"],
                                      tenant_id=_tenant_id(session, data.get("tenant")), actor=audit.current_actor())
    except (DomainError, ma.ValidationError) as error:
        session.rollback()
        return _render_timeline(protocol_id, date.today(), failed="recipient", error=error)
    flash(_("%(email)s will receive the notices.", email=added.email), "success")
    return _back_to_timeline(protocol_id, "recipients")


# --- monitoring reports --------------------------------------------------------------------------

@bp.get("/protocols/<int:protocol_id>/reports")
def reports_page(protocol_id: int):
    _auditor()
    return _render_reports(protocol_id)


def _render_reports(protocol_id: int, *, error: ma.ValidationError | None = None):
    session = get_session()
    protocol = protocols.get_protocol(session, protocol_id)
    rows = session.scalars(reports.reports_query(protocol_id)).all()
    job = _visible_job(request.args.get("job"))
    if error is None:
        return render_template("monitoring/reports.html", protocol=protocol, reports=rows, slugs=_slugs(session),
                               job=job, errors={}, detail=None, values={})
    return render_template("monitoring/reports.html", protocol=protocol, reports=rows, slugs=_slugs(session),
                           job=job, errors=_errors(error), detail=_detail(error), values=request.form), 400


@bp.post("/protocols/<int:protocol_id>/monitoring-reports")
def issue_reports_page(protocol_id: int):
    """Issue now, by a job, the reports that are due and not issued yet (secretariat), as the API does."""
    page_secretariat()
    session = get_session()
    protocols.get_protocol(session, protocol_id)
    try:
        data = schemas.IssueReportsSchema().load(_given(today=_text("today")))
    except ma.ValidationError as error:
        return _render_reports(protocol_id, error=error)
    today = data.get("today") or date.today()
    job = jobs.enqueue(session, "reports", "monitoring.jobs.issue_monitoring_reports", protocol_id=protocol_id,
                       today=today.isoformat(), description=f"Monitoring reports of protocol {protocol_id}")
    flash(_("The reports due by %(day)s are being issued.", day=today.isoformat()), "success")
    return redirect(url_for(".reports_page", protocol_id=protocol_id, job=job.id), 303)


@bp.get("/monitoring-reports/<int:report_id>")
def report_page(report_id: int):
    _auditor()
    report = reports.get_report(get_session(), report_id)
    return render_template("monitoring/report.html", **_report_context(report), verified=reports.verify(report))


@bp.get("/monitoring-reports/<int:report_id>.pdf")
def report_pdf(report_id: int):
    """The report as a PDF in the page's language (``?lang=en`` for English)."""
    _auditor()
    report = reports.get_report(get_session(), report_id)
    html = render_template("monitoring/report_document.html", **_report_context(report))
    name = f"monitoring-report-{report.milestone_key}-{report.id}-{page_language()}.pdf"
    return Response(documents.pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.get("/monitoring-reports/<int:report_id>.json")
def report_json(report_id: int):
    """The report's content exactly as frozen (its SHA-256 is taken over this JSON, canonicalised)."""
    _auditor()
    report = reports.get_report(get_session(), report_id)
    body = json.dumps(report.content, indent=2, ensure_ascii=False, sort_keys=True)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="monitoring-report-{report.id}.json"'})


@bp.app_template_filter("milestone")
def milestone_name(key: str) -> str:
    return documents.milestone_label(key, page_language())


def _report_context(report) -> dict:
    content = report.content
    keys = {report.milestone_key, *(content.get("milestones") or {}), "census", "operational-plan"}
    return {"report": report, "content": content, "labels": documents.milestone_labels(keys, page_language())}


# --- audit log -----------------------------------------------------------------------------------

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
        return render_template("monitoring/audit.html", events=[], total=0, page=1, pages=1, filters=filters,
                               error=exc.detail, slugs={}, query={}), 422
    events, total = paginate_query(session, statement, page, 50)
    slugs = _slugs(session)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("monitoring/audit.html", events=events, total=total, page=page,
                           pages=max(1, -(-total // 50)), filters=filters, error=None, slugs=slugs, query=query)


@bp.get("/audit/verify")
def verify_page():
    _auditor()
    return render_template("monitoring/verify.html", result=audit.verify(get_session()))


@bp.record_once
def _register_home(state) -> None:
    from monitoring import home

    home.init_app(state.app)
