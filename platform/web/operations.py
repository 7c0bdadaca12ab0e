"""Operations pages: the jobs console (everyone sees the jobs of their scope, the secretariat retries and
cancels) and the secretariat's tenant data packages."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from smartregion import data_packages, tenancy
from smartregion.api import one_page, requested_page
from smartregion.db import get_session
from smartregion.errors import DomainError, NotFound, found
from smartregion.jobs import QUEUES, JobState, console
from smartregion.jobs.runner import UNEXPECTED_ERROR
from smartregion.jobs.sweeper import GAVE_UP, WORKER_DIED
from sqlalchemy import select

from . import current_tenant_slug, page_secretariat, page_user
from .formatting import label, label_filter, register_labels

bp = Blueprint("operations_pages", __name__)

STATE_LABELS = {
    JobState.QUEUED: _l("queued"), JobState.STARTED: _l("running"), JobState.FINISHED: _l("finished"),
    JobState.FAILED: _l("failed"), JobState.CANCELLED: _l("cancelled"),
}
QUEUE_LABELS = {"default": _l("general"), "imports": _l("imports"), "reports": _l("reports"),
                "periodic": _l("periodic")}
# The jobs' own messages (the same English text), so that the pages show them in the reader's language.
JOB_MESSAGES = {
    UNEXPECTED_ERROR: _l("The job stopped on an unexpected error. It has been logged; the secretariat can retry it."),
    WORKER_DIED: _l("The worker running this job stopped (it was killed or its machine restarted); the job went "
                    "back to the queue."),
    GAVE_UP: _l("The worker running this job stopped as many times as allowed: the job was not run again. "
                "The secretariat can retry it from the jobs console."),
}

label_filter(bp, "job_state", STATE_LABELS)
register_labels("job-message", JOB_MESSAGES)


@bp.app_template_filter("job_message")
def job_message(message: str | None) -> str:
    return label(message, "job-message") if message else ""


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _jobs_scope(session, user) -> tuple[dict, str | None, int | None]:
    """The tenants the console offers, the one chosen and its id; the scope set to match."""
    from smartregion.registry import Tenant

    if user.is_regional:
        tenancy.set_regional(True)
        tenants = dict(session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.slug)).all())
        slug = request.args.get("tenant") or None
        tenant_id = next((i for i, s in tenants.items() if s == slug), None)
        if slug and tenant_id is None:
            raise NotFound(_("Tenant %(slug)s not found.", slug=slug))
    else:
        slug = current_tenant_slug(user)
        if slug is None:
            raise NotFound(_("Choose a tenant first."))
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        tenancy.set_tenant(tenant_id)
        tenants = {tenant_id: slug}
    return tenants, slug, tenant_id


def _job_filters(args, tenant_id: int | None) -> console.JobFilters:
    states = tuple(s for s in args.getlist("state") if s in set(JobState))
    return console.JobFilters(states=states, queue=args.get("queue") if args.get("queue") in QUEUES else None,
                              tenant_id=tenant_id, kind=args.get("kind") or None,
                              created_from=_date(args.get("created_from")), created_to=_date(args.get("created_to")))


@bp.get("/jobs")
def jobs_page():
    """The jobs console: failed and stuck first; the region's jobs for regional roles, a tenant's for members."""
    user = page_user()
    session = get_session()
    tenants, slug, tenant_id = _jobs_scope(session, user)
    filters = _job_filters(request.args, tenant_id)
    page = requested_page()
    rows, has_next = one_page(session, console.jobs_query(filters, current_app.config), page,
                              current_app.config["PAGE_SIZE"])
    return render_template("operations/jobs.html", jobs=rows, has_next=has_next, page=page,
                           tenants=tenants, filters=filters, tenant_slug=slug, queues=QUEUES,
                           states=list(JobState), queue_labels=QUEUE_LABELS,
                           counts=console.queue_counts(session) if user.is_regional else {},
                           is_stuck=lambda job: console.is_stuck(job, current_app.config),
                           can_act=user.is_secretariat and not user.read_only)


def _back():
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/jobs")
                    else url_for("operations_pages.jobs_page"))


@bp.post("/jobs/<job_id>/retry")
def retry_job(job_id: str):
    page_secretariat()
    try:
        console.retry(get_session(), current_app._get_current_object(), job_id)
    except DomainError as exc:
        flash(exc.detail, "error")
        return _back()
    flash(_("The job is queued again."), "success")
    return _back()


@bp.post("/jobs/<job_id>/cancel")
def cancel_job(job_id: str):
    page_secretariat()
    try:
        console.cancel(get_session(), job_id)
    except DomainError as exc:
        flash(exc.detail, "error")
        return _back()
    flash(_("The job is cancelled."), "success")
    return _back()


@bp.get("/tenant-exports")
def tenant_exports():
    """The secretariat's tenant data packages: prepare one, follow it, download it."""
    from smartregion.registry import Tenant

    page_secretariat(_("Only the regional technical secretariat exports a tenant's data."))
    session = get_session()
    tenants = session.execute(select(Tenant.id, Tenant.slug, Tenant.name).order_by(Tenant.name)).all()
    return render_template("operations/tenant_exports.html", tenants=tenants,
                           slugs={t.id: t.slug for t in tenants}, packages=data_packages.packages(session))


@bp.post("/tenant-exports")
def request_tenant_export():
    from smartregion.registry import Tenant

    page_secretariat(_("Only the regional technical secretariat exports a tenant's data."))
    session = get_session()
    slug = request.form.get("tenant", "")
    tenant_id = found(session.scalar(select(Tenant.id).where(Tenant.slug == slug)),
                      _("Tenant %(slug)s not found.", slug=slug))
    data_packages.request(session, tenant_id, slug)
    flash(_("The data package of %(slug)s is being prepared.", slug=slug), "success")
    return redirect(url_for("operations_pages.tenant_exports"))


@bp.get("/tenant-exports/<job_id>/download")
def download_tenant_export(job_id: str):
    page_secretariat(_("Only the regional technical secretariat exports a tenant's data."))
    session = get_session()
    job = session.get(data_packages.jobs.Job, job_id)
    if job is None or job.tenant_id is None:
        raise NotFound(_("Data package not found."))
    return data_packages.download(session, job.tenant_id, job_id)
