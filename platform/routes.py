"""The kernel's own endpoints: health, jobs and the audit chain."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import current_app, jsonify, url_for
from smartregion import audit, auth, data_packages, jobs, tenancy
from smartregion.api import Blueprint, paginate_query
from smartregion.db import get_session
from smartregion.errors import BadRequest, NotFound
from smartregion.jobs import Job, JobState, console, redis_connection
from sqlalchemy import select, text

blp = Blueprint("kernel", __name__, url_prefix="/api/v1", description="Jobs and the audit chain")
health = FlaskBlueprint("health", __name__)


class JobSchema(ma.Schema):
    id = ma.fields.String()
    queue = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "What the job does: its function's dotted name"})
    tenant_id = ma.fields.Integer(allow_none=True)
    actor = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    state = ma.fields.String(metadata={"enum": [s.value for s in JobState]})
    stuck = ma.fields.Method("_stuck", metadata={
        "description": "A running job whose worker stopped beating, or a queued job that waited too long"})
    progress = ma.fields.Integer(metadata={"description": "0-100"})
    message = ma.fields.String(allow_none=True)
    result = ma.fields.Dict(allow_none=True)
    error = ma.fields.String(allow_none=True, metadata={"description": "Why the job failed, for people"})
    attempts = ma.fields.Integer()
    request_id = ma.fields.String(allow_none=True, metadata={"description": "X-Request-ID of the request"})
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    ended_at = ma.fields.DateTime(allow_none=True)

    def _stuck(self, job) -> bool:
        return console.is_stuck(job, current_app.config)


class JobQuerySchema(ma.Schema):
    state = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf([s.value for s in JobState])),
                           metadata={"description": "One or more states (repeat the parameter)"})
    queue = ma.fields.String(validate=ma.validate.OneOf(jobs.QUEUES))
    tenant = ma.fields.String(metadata={"description": "Tenant slug"})
    kind = ma.fields.String(metadata={"description": "A job kind, or a prefix of it such as `census`"})
    created_from = ma.fields.Date(metadata={"description": "Created on or after this day (ISO 8601)"})
    created_to = ma.fields.Date(metadata={"description": "Created on or before this day (ISO 8601)"})
    stuck = ma.fields.Boolean()


class VerificationSchema(ma.Schema):
    ok = ma.fields.Boolean()
    events = ma.fields.Integer()
    first_bad_event_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)


def visible_job(job_id: str) -> Job:
    """A job, if the caller may see it: regional roles see all, others their tenants' (row-level security)."""
    from smartregion.registry import Tenant

    user = auth.require_user()
    session = get_session()
    if user.is_regional:
        tenancy.set_regional(True)
        return console.get_job(session, job_id)
    for slug in user.tenant_slugs:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        if tenant_id is None:
            continue
        tenancy.set_tenant(tenant_id)
        if (job := session.get(Job, job_id)) is not None:
            return job
    raise NotFound(f"Job {job_id!r} not found.")


def job_filters(args: dict) -> console.JobFilters:
    """The console's filters, in the caller's scope: the region for regional roles, else one own tenant."""
    user = auth.require_user()
    slug = args.get("tenant")
    if user.is_regional:
        tenancy.set_regional(True)
        tenant_id = auth.enter_tenant(slug).id if slug else None  # the scope stays regional
    else:
        if slug is None:
            if len(user.tenant_slugs) != 1:
                raise BadRequest("Choose the tenant whose jobs to list.", errors={"tenant": ["required"]})
            slug = user.tenant_slugs[0]
        tenant_id = auth.enter_tenant(slug).id
    return console.JobFilters(states=tuple(args.get("state") or ()), queue=args.get("queue"), tenant_id=tenant_id,
                              kind=args.get("kind"), created_from=args.get("created_from"),
                              created_to=args.get("created_to"), stuck=args.get("stuck"))


@blp.route("/jobs")
@blp.arguments(JobQuerySchema, location="query")
@blp.response(200, JobSchema(many=True))
@blp.paginate()
@blp.documents_errors(400, 404)
def list_jobs(args, pagination_parameters):
    """Background jobs, failed and stuck first: the region's for the secretariat and auditors, a tenant's for
    its members."""
    filters = job_filters(args)
    rows, total = paginate_query(get_session(), console.jobs_query(filters, current_app.config),
                                 pagination_parameters.page, pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return rows


@blp.route("/jobs/<job_id>")
@blp.response(200, JobSchema)
@blp.documents_errors(404)
def get_job(job_id: str):
    """State, progress, result summary and error of a background job."""
    return visible_job(job_id)


@blp.route("/jobs/<job_id>/retry", methods=["POST"])
@blp.response(202, JobSchema)
@blp.documents_errors(404, 409)
def retry_job(job_id: str):
    """Queue a failed, cancelled or stuck job again (secretariat; audited)."""
    auth.enter_regional("secretariat")
    return console.retry(get_session(), current_app._get_current_object(), job_id)


@blp.route("/jobs/<job_id>/cancel", methods=["POST"])
@blp.response(200, JobSchema)
@blp.documents_errors(404, 409)
def cancel_job(job_id: str):
    """Cancel a queued job, or stop a running one at its next progress report (secretariat; audited)."""
    auth.enter_regional("secretariat")
    return console.cancel(get_session(), job_id)


class DataPackageSchema(ma.Schema):
    job_id = ma.fields.String()
    status_url = ma.fields.String(metadata={"description": "Follow the job; once it ends, download_url serves the ZIP"})
    download_url = ma.fields.String()


def _tenant_for_package(slug: str):
    auth.enter_regional("secretariat")
    return auth.enter_tenant(slug)


@blp.route("/tenants/<slug>/data-packages", methods=["POST"])
@blp.response(202, DataPackageSchema)
@blp.documents_errors(404)
def request_data_package(slug: str):
    """Prepare, by a job, the tenant's whole data as one ZIP (secretariat; audited)."""
    tenant = _tenant_for_package(slug)
    job = data_packages.request(get_session(), tenant.id, slug)
    return {"job_id": job.id, "status_url": url_for("kernel.get_job", job_id=job.id),
            "download_url": url_for("kernel.download_data_package", slug=slug, job_id=job.id)}


@blp.route("/tenants/<slug>/data-packages/<job_id>")
@blp.response(200, content_type="application/zip")
@blp.documents_errors(404, 409)
def download_data_package(slug: str, job_id: str):
    """The ZIP of a finished data package (secretariat; each download is audited)."""
    tenant = _tenant_for_package(slug)
    return data_packages.download(get_session(), tenant.id, job_id)


@blp.route("/audit/verify")
@blp.response(200, VerificationSchema)
@blp.documents_errors()
def verify_audit_chain():
    """Recompute the audit chain; `ok` is false when any past event was edited or deleted."""
    auth.enter_regional()
    return audit.verify(get_session()).as_dict()


def _database_answers() -> None:
    with current_app.extensions["smartregion.db"].engine.connect() as conn, conn.begin():
        conn.execute(text("SET LOCAL statement_timeout = 2000"))
        conn.execute(text("select 1"))


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"error: {type(exc).__name__}"
    return "ok"


@health.get("/healthz")
def healthz():
    """Database and Redis reachability: 200 when both answer, 503 otherwise, within a couple of seconds."""
    checks = {"database": _check(_database_answers), "redis": _check(lambda: redis_connection().ping())}
    healthy = all(value == "ok" for value in checks.values())
    response = jsonify({"status": "ok" if healthy else "unavailable", "checks": checks})
    response.status_code = 200 if healthy else 503
    if not healthy:
        response.headers["Retry-After"] = "5"
    return response
