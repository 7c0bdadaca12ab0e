"""The secretariat's tenant data packages: requested by a job, downloaded as a ZIP, both audited."""

from __future__ import annotations

from flask import Response, send_file
from smartregion import audit, jobs
from smartregion.errors import Conflict, NotFound
from smartregion.storage import storage
from sqlalchemy import select
from sqlalchemy.orm import Session

JOB = "smartregion.tenant_export.package_job"


def request(session: Session, tenant_id: int, slug: str) -> jobs.Job:
    """Enqueue the package of one tenant; the job runs in that tenant's scope."""
    job = jobs.enqueue(session, "reports", JOB, tenant_id=tenant_id, description=f"Data package of {slug}")
    audit.record(session, action="tenant.data_package.request", entity_type="tenant", entity_id=tenant_id,
                 tenant_id=tenant_id, after={"job_id": job.id})
    return job


def packages(session: Session, tenant_id: int | None = None, limit: int = 50) -> list[jobs.Job]:
    """The latest package jobs, newest first."""
    statement = select(jobs.Job).where(jobs.Job.func == JOB).order_by(jobs.Job.created_at.desc()).limit(limit)
    if tenant_id is not None:
        statement = statement.where(jobs.Job.tenant_id == tenant_id)
    return list(session.scalars(statement))


def download(session: Session, tenant_id: int, job_id: str) -> Response:
    """The finished package as an attachment; the download is recorded in the audit log."""
    job = session.get(jobs.Job, job_id)
    if job is None or job.func != JOB or job.tenant_id != tenant_id:
        raise NotFound(f"Data package {job_id!r} not found.")
    if job.state != jobs.JobState.FINISHED or not job.result:
        raise Conflict(f"The data package is not ready: its job is {job.state}.")
    result = job.result
    audit.record(session, action="tenant.data_package.download", entity_type="tenant", entity_id=tenant_id,
                 tenant_id=tenant_id, after={"job_id": job.id, "sha256": result["sha256"]})
    response = send_file(storage().path(result["sha256"]), mimetype="application/zip", as_attachment=True,
                         download_name=result["filename"], conditional=False, etag=False)
    response.headers["Digest"] = f"sha-256={result['sha256']}"
    return response
