"""Pages of the inventories: upload with a progress bar, error reports, cadastre downloads."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from smartregion import auth
from smartregion.db import get_session
from smartregion.errors import BadRequest
from smartregion.web import page_user

from . import cadastre, services
from .api import WRITERS, _store
from .kinds import KINDS
from .validation import crs_labels

bp = Blueprint("inventory_pages", __name__, template_folder="templates")


@bp.get("/tenants/<slug>/inventories")
def uploads(slug: str):
    page_user()
    tenant = auth.enter_tenant(slug)
    session = get_session()
    rows = session.scalars(services.uploads_query(tenant.id).limit(50)).all()
    return render_template("inventories/uploads.html", tenant=tenant, uploads=rows, kinds=KINDS.values(),
                           coordinate_systems=crs_labels(), summary=cadastre.summary(session, tenant.id))


@bp.post("/tenants/<slug>/inventories")
def upload(slug: str):
    user = page_user()
    tenant = auth.enter_tenant(slug, write=True, roles=WRITERS)
    file = request.files.get("file")
    if file is None or not file.filename:
        raise BadRequest(_("Choose a file to upload."), errors={"file": [_("Choose a file to upload.")]})
    sha256, size = _store(file)
    from smartregion.storage import storage

    received = services.receive_upload(get_session(), tenant.id, kind=request.form.get("kind", ""),
                                       filename=file.filename, sha256=sha256, size=size,
                                       path=storage().path(sha256), epsg=request.form.get("crs") or None,
                                       actor=user.username)
    return redirect(url_for("inventory_pages.upload_detail", slug=slug, upload_id=received.upload.id))


@bp.get("/tenants/<slug>/inventories/<int:upload_id>")
def upload_detail(slug: str, upload_id: int):
    page_user()
    tenant = auth.enter_tenant(slug)
    item = services.get_upload(get_session(), tenant.id, upload_id)
    return render_template("inventories/upload.html", tenant=tenant, upload=item)
