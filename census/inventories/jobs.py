"""RQ jobs of the inventories: the import of an uploaded file, committed batch by batch."""

from __future__ import annotations

import logging

from smartregion.jobs import JobFailed
from smartregion.storage import storage

from . import services
from .readers import FileProblem

log = logging.getLogger(__name__)


class InventoryFileError(JobFailed):
    """The uploaded file cannot be read to the end; the upload keeps what was imported before (the message
    is shown to the people following the job)."""


def import_upload(ctx, *, upload_id: int) -> dict:
    """Import one upload; safe to run again after a crash (it resumes after the last whole batch)."""
    session = ctx.session
    upload = services.get_upload(session, ctx.tenant_id, upload_id)
    path = storage().path(upload.sha256)
    try:
        for percent in services.import_steps(session, ctx.tenant_id, upload_id, path):
            session.commit()
            ctx.progress(percent, message=f"upload {upload_id}: {percent}%")
            log.info("job %s upload %s: %s%%", ctx.job_id, upload_id, percent)
    except FileProblem as exc:
        session.rollback()
        services.fail_upload(session, ctx.tenant_id, upload_id, str(exc))
        session.commit()
        raise InventoryFileError(str(exc)) from None
    return services.upload_summary(services.get_upload(session, ctx.tenant_id, upload_id))
