"""Pages of the OpenCoesione import: the upload form with the past imports, and one import's progress and
answer. They write through the same service as the API (``funding.services.cohesion``)."""

from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for
from smartregion import tenancy
from smartregion.db import get_session
from smartregion.errors import DomainError, Forbidden, NotFound
from smartregion.jobs import Job
from smartregion.routes import visible_job
from smartregion.storage import storage
from smartregion.web import page_language, page_secretariat, page_user
from sqlalchemy import select

from funding.services import cohesion
from funding.views import bp
from funding.views.common import SECRETARIAT_ONLY, _helpers

RECENT = 10
# The file's problems, as the Italian page says them.
FILE_PROBLEMS_IT = [
    (re.compile(r"^The file is empty\.$"), lambda m: "Il file è vuoto."),
    (re.compile(r"^The file is binary, not a CSV table\.$"), lambda m: "Il file è binario, non una tabella CSV."),
    (re.compile(r"^This is a spreadsheet \(XLSX\).*$"),
     lambda m: "È un foglio di calcolo (XLSX), non il CSV di OpenCoesione: inviare il CSV come pubblicato, "
               "o salvare il foglio come CSV."),
    (re.compile(r"^The zip holds no CSV table \(it holds: (.*)\)\.$"),
     lambda m: f"Lo zip non contiene alcuna tabella CSV (contiene: {m[1]})."),
    (re.compile(r"^The zip holds several CSV tables: (.*)\. Send one file of projects at a time\.$"),
     lambda m: f"Lo zip contiene più tabelle CSV: {m[1]}. Inviare un file di progetti alla volta."),
    (re.compile(r"^The zip cannot be read: (.*)$"), lambda m: f"Lo zip non si può leggere: {m[1]}"),
    (re.compile(r"^The first line has no ; or , between column names: not a CSV table\.$"),
     lambda m: "La prima riga non ha ; o , tra i nomi delle colonne: non è una tabella CSV."),
    (re.compile(r"^Missing columns: (.*) \(the header has (.*)\)\. Expected OpenCoesione's project file "
                r"\(progetti\)\.$"),
     lambda m: f"Colonne mancanti: {m[1].replace(' or ', ' o ')} (l'intestazione ha {m[2]}). "
               "Serve il file dei progetti di OpenCoesione (progetti)."),
    (re.compile(r"^Choose a file to upload\.$"), lambda m: "Scegliere un file da caricare."),
]


def _say(message: str, lang: str) -> str:
    if lang == "en":
        return message
    for pattern, say in FILE_PROBLEMS_IT:
        match = pattern.match(message)
        if match:
            return say(match)
    return message


def _recent_imports():
    return get_session().scalars(select(Job).where(Job.func == cohesion.IMPORT_JOB)
                                 .order_by(Job.created_at.desc()).limit(RECENT)).all()


def _render(*, error: str | None = None, status: int = 200):
    user = page_user()
    if not user.is_regional:
        raise Forbidden("OpenCoesione imports are for the secretariat and auditors.")
    tenancy.set_regional(True)  # the imports are regional jobs, which row-level security shows in this scope
    lang = page_language()
    can_import = user.is_secretariat and not user.read_only
    return render_template("funding/cohesion.html", imports=_recent_imports(), error=error, can_import=can_import,
                           **_helpers(lang)), status


@bp.get("/funding/opencoesione")
def cohesion_imports():
    return _render()


@bp.post("/funding/opencoesione/import")
def cohesion_import():
    """Store the file, check its header (refused at once when it is not OpenCoesione's project table), import."""
    page_secretariat(SECRETARIAT_ONLY)
    lang = page_language()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render(error=_say("Choose a file to upload.", lang), status=400)
    sha256 = storage().put(upload.stream).sha256
    try:
        job = cohesion.start_import(get_session(), storage().path(sha256), sha256, upload.filename)
    except DomainError as error:
        return _render(error=_say(error.detail, lang), status=error.status)
    return redirect(url_for(".cohesion_import_status", job_id=job.id), 303)


@bp.get("/funding/opencoesione/imports/<job_id>")
def cohesion_import_status(job_id):
    user = page_user()
    if not user.is_regional:
        raise Forbidden("OpenCoesione imports are followed by the secretariat and auditors.")
    job = visible_job(job_id)
    if job.func != cohesion.IMPORT_JOB:
        raise NotFound(f"Job {job_id!r} not found.")
    lang = page_language()
    return render_template("funding/cohesion_import.html", job=job, result=job.result or {}, **_helpers(lang))
