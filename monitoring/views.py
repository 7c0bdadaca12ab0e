"""Pages of the monitoring: the protocol's timeline and matrix (with the secretariat's forms for
signatories, waivers and notice recipients), monitoring reports, the audit log and its chain check.

Every form posts to the same service calls as the API, is checked by the API's schemas, and is
allowed to the same people: the secretariat runs the protocol, auditors read everything and write nothing.
"""

from __future__ import annotations

import json
from datetime import date

import marshmallow as ma
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from smartregion import audit, auth, jobs, tenancy
from smartregion.api import paginate_query
from smartregion.db import get_session
from smartregion.errors import DomainError, Unprocessable
from smartregion.registry import Organization, organization_kind_label, slugs_by_id, tenant_id_of
from smartregion.web import page_language, page_secretariat, page_user
from smartregion.web.downloads import attachment
from smartregion.web.formatting import day_text
from smartregion.web.forms import (
    field_errors,
    followable_job,
    given,
    parse_day,
    posted,
    refusal_detail,
    refusal_status,
    regional_reader,
)
from smartregion.web.pages import on_refusal
from sqlalchemy import select

from monitoring import schemas
from monitoring.services import auditlog, documents, notices, reports, timeline
from protocol import services as protocol_services

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
    regional_reader()
    return _render_timeline(protocol_id, parse_day(request.args.get("today")) or date.today())


def _render_timeline(protocol_id: int, today: date, *, failed: str | None = None,
                     error: DomainError | ma.ValidationError | None = None):
    """The timeline page; `failed` names the form whose error is shown, with its values kept."""
    user = auth.current_user()
    session = get_session()
    line = timeline.compute(session, protocol_id, today=today).seen_by(user)
    protocol = line.protocol
    slugs = slugs_by_id(session)
    context = {
        "line": line.as_dict(), "matrix": line.matrix(), "protocol": protocol,
        "labels": {m.key: m.label for m in line.milestones},
        "adhesion_requests": session.scalars(protocol_services.requests_query(protocol_id)).all(),
        "signatories": protocol.signatories, "slugs": slugs,
        # Waivers are read by the regional roles, recipients by the secretariat (as in the API).
        "waivers": protocol_services.waivers(session, protocol_id) if user.is_regional else None,
        "recipients": notices.recipients(session, protocol_id) if user.is_secretariat else None,
        "failed": failed, "errors": field_errors(error) if error is not None else {},
        "detail": refusal_detail(error) if error is not None else None,
        "values": request.form if error is not None else {},
    }
    if user.is_secretariat:
        signed = {s.organization_id for s in protocol.signatories}
        context["organization_options"] = [
            (o.id, f"{o.name} ({organization_kind_label(o.kind)})")
            for o in session.scalars(select(Organization).order_by(Organization.name)) if o.id not in signed]
        context["milestone_options"] = [(m.key, m.label) for m in timeline.milestones(protocol) if m.key != "end"]
        participating = protocol_services.participating_tenants(session, protocol)
        context["tenant_options"] = [(t.slug, t.name) for t, _signatory in participating]
    return render_template("monitoring/timeline.html", **context), refusal_status(error) if error is not None else 200


def _back_to_timeline(protocol_id: int, anchor: str):
    return redirect(url_for(".timeline_page", protocol_id=protocol_id, _anchor=anchor), 303)


def _refused_on(protocol_id: int, form: str):
    """The timeline page answered again with the refusal shown on `form`, its values kept."""
    return lambda error: _render_timeline(protocol_id, date.today(), failed=form, error=error)


def _tenant_named(session, data: dict) -> int | None:
    return tenant_id_of(session, data.get("tenant"), message=_("Unknown tenant."))


@bp.post("/protocols/<int:protocol_id>/signatories")
def add_signatory_page(protocol_id: int):
    page_secretariat()
    session = get_session()
    protocol_services.get_protocol(session, protocol_id)
    with on_refusal(_refused_on(protocol_id, "signatory"), DomainError, ma.ValidationError):
        data = protocol_services.ProtocolSignatorySchema().load(given(organization_id=posted("organization_id")))
        signatory = protocol_services.add_signatory(session, protocol_id, data["organization_id"],
                                                    actor=audit.current_actor())
    flash(_("%(name)s was added as an original signatory.", name=signatory.organization.name), "success")
    return _back_to_timeline(protocol_id, "signatories")


@bp.post("/protocols/<int:protocol_id>/waivers")
def grant_waiver_page(protocol_id: int):
    page_secretariat()
    session = get_session()
    protocol_services.get_protocol(session, protocol_id)
    with on_refusal(_refused_on(protocol_id, "waiver"), DomainError, ma.ValidationError):
        data = protocol_services.WaiverSchema().load(given(
            milestone_key=posted("milestone_key"), tenant=posted("tenant"), reason=posted("reason")))
        protocol_services.grant_waiver(session, protocol_id, milestone_key=data["milestone_key"],
                                       reason=data["reason"], tenant_id=_tenant_named(session, data),
                                       actor=audit.current_actor())
    flash(_("The milestone %(key)s was waived.", key=data["milestone_key"]), "success")
    return _back_to_timeline(protocol_id, "waivers")


@bp.post("/protocols/<int:protocol_id>/recipients")
def add_recipient_page(protocol_id: int):
    page_secretariat()
    session = get_session()
    protocol_services.get_protocol(session, protocol_id)
    with on_refusal(_refused_on(protocol_id, "recipient"), DomainError, ma.ValidationError):
        data = schemas.NoticeRecipientSchema().load(given(email=posted("email"), tenant=posted("tenant")))
        added = notices.add_recipient(session, protocol_id, email=data["email"],
                                      tenant_id=_tenant_named(session, data), actor=audit.current_actor())
    flash(_("%(email)s will receive the notices.", email=added.email), "success")
    return _back_to_timeline(protocol_id, "recipients")


# --- monitoring reports --------------------------------------------------------------------------

@bp.get("/protocols/<int:protocol_id>/reports")
def reports_page(protocol_id: int):
    _auditor()
    return _render_reports(protocol_id)


def _render_reports(protocol_id: int, *, error: ma.ValidationError | None = None):
    session = get_session()
    protocol = protocol_services.get_protocol(session, protocol_id)
    rows = session.scalars(reports.reports_query(protocol_id)).all()
    job = followable_job(request.args.get("job"))
    if error is None:
        return render_template("monitoring/reports.html", protocol=protocol, reports=rows, slugs=slugs_by_id(session),
                               job=job, errors={}, detail=None, values={})
    return render_template("monitoring/reports.html", protocol=protocol, reports=rows, slugs=slugs_by_id(session),
                           job=job, errors=field_errors(error), detail=refusal_detail(error), values=request.form), 400


@bp.post("/protocols/<int:protocol_id>/monitoring-reports")
def issue_reports_page(protocol_id: int):
    """Issue now, by a job, the reports that are due and not issued yet (secretariat), as the API does."""
    page_secretariat()
    session = get_session()
    protocol_services.get_protocol(session, protocol_id)
    try:
        data = schemas.IssueReportsSchema().load(given(today=posted("today")))
    except ma.ValidationError as error:
        return _render_reports(protocol_id, error=error)
    today = data.get("today") or date.today()
    job = jobs.enqueue(session, "reports", "monitoring.jobs.issue_monitoring_reports", protocol_id=protocol_id,
                       today=today.isoformat(), description=f"Monitoring reports of protocol {protocol_id}")
    flash(_("The reports due by %(day)s are being issued.", day=day_text(today)), "success")
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
    return attachment(documents.pdf(html), "application/pdf", name, inline=True)


@bp.get("/monitoring-reports/<int:report_id>.json")
def report_json(report_id: int):
    """The report's content exactly as frozen (its SHA-256 is taken over this JSON, canonicalised)."""
    _auditor()
    report = reports.get_report(get_session(), report_id)
    body = json.dumps(report.content, indent=2, ensure_ascii=False, sort_keys=True)
    return attachment(body, "application/json", f"monitoring-report-{report.id}.json")


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
    filters["since"], filters["until"] = parse_day(filters["since"]), parse_day(filters["until"])
    page = max(1, request.args.get("page", 1, type=int))
    try:
        statement = auditlog.events_query(session, **filters)
    except Unprocessable as exc:
        return render_template("monitoring/audit.html", events=[], total=0, page=1, pages=1, filters=filters,
                               error=exc.detail, slugs={}, query={}), 422
    events, total = paginate_query(session, statement, page, 50)
    slugs = slugs_by_id(session)
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
