"""Pages of the OpenCoesione import: the upload form with the past imports, and one import's progress and
answer. They write through the same service as the API (``funding.services.cohesion``)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from smartregion import tenancy
from smartregion.db import get_session
from smartregion.errors import Forbidden
from smartregion.storage import put_upload, storage
from smartregion.web import page_secretariat, page_user
from smartregion.web.pages import on_refusal

from funding.services import cohesion
from funding.views import bp
from funding.views.common import SECRETARIAT_ONLY, import_status_page, template_helpers
from funding.views.messages import say

RECENT = 10
def _render(*, error: str | None = None, status: int = 200):
    user = page_user()
    if not user.is_regional:
        raise Forbidden("OpenCoesione imports are for the secretariat and auditors.")
    tenancy.set_regional(True)  # the imports are regional jobs, which row-level security shows in this scope
    return render_template("funding/cohesion.html", imports=cohesion.recent_imports(get_session(), RECENT),
                           error=error, can_import=user.is_secretariat and not user.read_only,
                           **template_helpers()), status


@bp.get("/funding/opencoesione")
def cohesion_imports():
    return _render()


@bp.post("/funding/opencoesione/import")
def cohesion_import():
    """Store the file, check its header (refused at once when it is not OpenCoesione's project table), import."""
    page_secretariat(SECRETARIAT_ONLY)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render(error=say("Choose a file to upload."), status=400)
    sha256 = put_upload(upload).sha256
    with on_refusal(lambda error: _render(error=say(error.detail), status=error.status)):
        job = cohesion.start_import(get_session(), storage().path(sha256), sha256, upload.filename)
    return redirect(url_for(".cohesion_import_status", job_id=job.id), 303)


@bp.get("/funding/opencoesione/imports/<job_id>")
def cohesion_import_status(job_id):
    return import_status_page("funding/cohesion_import.html", job_id, cohesion.IMPORT_JOB,
                              "OpenCoesione imports are followed by the secretariat and auditors.")
