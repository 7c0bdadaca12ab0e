"""The kernel's own endpoints: health, jobs and the audit chain."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import current_app, jsonify
from smartregion import audit, auth
from smartregion.api import Blueprint
from smartregion.db import get_session
from smartregion.errors import NotFound
from smartregion.jobs import Job, redis_connection
from sqlalchemy import text

blp = Blueprint("kernel", __name__, url_prefix="/api/v1", description="Jobs and the audit chain")
health = FlaskBlueprint("health", __name__)


class JobSchema(ma.Schema):
    id = ma.fields.String()
    queue = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    state = ma.fields.String(metadata={"enum": ["queued", "started", "finished", "failed"]})
    progress = ma.fields.Integer(metadata={"description": "0-100"})
    message = ma.fields.String(allow_none=True)
    result = ma.fields.Dict(allow_none=True)
    error = ma.fields.String(allow_none=True)
    attempts = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    ended_at = ma.fields.DateTime(allow_none=True)


class VerificationSchema(ma.Schema):
    ok = ma.fields.Boolean()
    events = ma.fields.Integer()
    first_bad_event_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)


def visible_job(job_id: str) -> Job:
    """A job, if the caller may see it: regional roles see all, others their tenants' and their own."""
    from tenants.models import Tenant

    user = auth.require_user()
    session = get_session()
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"Job {job_id!r} not found.")
    if user.is_regional or job.actor == user.username:
        return job
    if job.tenant_id is not None:
        tenant = session.get(Tenant, job.tenant_id)
        if tenant is not None and tenant.slug in user.tenant_slugs:
            return job
    raise NotFound(f"Job {job_id!r} not found.")


@blp.route("/jobs/<job_id>")
@blp.response(200, JobSchema)
@blp.documents_errors(404)
def get_job(job_id: str):
    """State, progress, result summary and error of a background job."""
    return visible_job(job_id)


@blp.route("/audit/verify")
@blp.response(200, VerificationSchema)
@blp.documents_errors()
def verify_audit_chain():
    """Recompute the audit chain; `ok` is false when any past event was edited or deleted."""
    auth.enter_regional()
    return audit.verify(get_session()).as_dict()


@health.get("/healthz")
def healthz():
    """Database and Redis reachability: 200 when both answer, 503 otherwise."""
    checks = {}
    try:
        with current_app.extensions["smartregion.db"].engine.connect() as conn:
            conn.execute(text("select 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        redis_connection().ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    response = jsonify({"status": "ok" if healthy else "unavailable", "checks": checks})
    response.status_code = 200 if healthy else 503
    return response
