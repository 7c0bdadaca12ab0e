"""Pages of the inventories: upload with a progress bar, error reports, the cadastre map and downloads."""

from __future__ import annotations

import functools
from dataclasses import astuple

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from smartregion import auth, ratelimit
from smartregion.db import get_session
from smartregion.errors import BadRequest
from smartregion.storage import put_upload, storage
from smartregion.web import page_user
from smartregion.web.downloads import streamed

from . import cadastre, services, territory
from .api import WRITERS
from .columns import crs_labels
from .kinds import KINDS

REJECTIONS_PAGE = 20  # rejected rows shown per page of an upload (the CSV holds them all)
bp = Blueprint("inventory_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/inventories")

# Beyond this many assets the map draws an even sample: a browser draws a few thousand SVG shapes
# smoothly, not the hundreds of thousands a regional cadastre can hold. The downloads keep every asset.
MAP_LIMIT = 5000


@bp.get("/tenants/<slug>/inventories")
def uploads(slug: str):
    page_user()
    tenant = auth.enter_tenant(slug)
    session = get_session()
    rows = session.scalars(services.uploads_query(tenant.id).limit(50)).all()
    return render_template("inventories/uploads.html", tenant=tenant, uploads=rows, kinds=KINDS.values(),
                           coordinate_systems=crs_labels(), summary=cadastre.summary(session, tenant.id),
                           category_labels=cadastre.category_names())


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="inventory-preview")


def _chosen(prefix: str) -> dict[str, str]:
    """Form fields named ``<prefix>.<field>`` with a value: the drop-downs and whole-file values."""
    return {name[len(prefix) + 1:]: value.strip() for name, value in request.form.items()
            if name.startswith(prefix + ".") and value.strip()}


@bp.post("/tenants/<slug>/inventories/preview")
@ratelimit.upload
def preview(slug: str):
    """The first step of an upload: the file read, its columns offered for each field, nothing imported."""
    page_user()
    tenant = auth.enter_tenant(slug, write=True, roles=WRITERS)
    file = request.files.get("file")
    if file is None or not file.filename:
        raise BadRequest(_("Choose a file to upload."), errors={"file": [_("Choose a file to upload.")]})
    sha256, size = astuple(put_upload(file))
    kind = request.form.get("kind", "")
    result = services.preview_upload(get_session(), tenant.id, path=storage().path(sha256), filename=file.filename,
                                     kind=kind, epsg=request.form.get("crs") or None,
                                     layer=request.form.get("layer") or None)
    token = _signer().dumps({"sha256": sha256, "size": size, "filename": file.filename, "tenant": tenant.id})
    return render_template("inventories/preview.html", tenant=tenant, kind=KINDS[kind], preview=result,
                           token=token, filename=file.filename)


@bp.post("/tenants/<slug>/inventories")
@ratelimit.upload
def upload(slug: str):
    """The confirmed import of a previewed file, with the mapping, values and coordinate system chosen."""
    user = page_user()
    tenant = auth.enter_tenant(slug, write=True, roles=WRITERS)
    try:
        stored = _signer().loads(request.form.get("file_token", ""))
    except BadSignature:
        stored = None
    if not stored or stored.get("tenant") != tenant.id:
        raise BadRequest(_("Choose a file to upload."), errors={"file": [_("Choose a file to upload.")]})
    if request.form.get("confirm") != "yes":
        message = _("Confirm the mapping and the coordinate system before the import starts.")
        raise BadRequest(message, errors={"confirm": [message]})
    received = services.receive_upload(get_session(), tenant.id, kind=request.form.get("kind", ""),
                                       filename=stored["filename"], sha256=stored["sha256"], size=stored["size"],
                                       path=storage().path(stored["sha256"]), epsg=request.form.get("crs") or None,
                                       actor=user.username, mapping=_chosen("map"), defaults=_chosen("default"),
                                       layer=request.form.get("layer") or None)
    return redirect(url_for("inventory_pages.upload_detail", slug=slug, upload_id=received.upload.id))


@bp.get("/tenants/<slug>/inventories/<int:upload_id>")
def upload_detail(slug: str, upload_id: int):
    page_user()
    tenant = auth.enter_tenant(slug)
    session = get_session()
    item = services.get_upload(session, tenant.id, upload_id)
    page = max(1, request.args.get("page", 1, type=int))
    rejected, total = services.rejections_page(session, tenant.id, upload_id, page, REJECTIONS_PAGE)
    kind = KINDS.get(item.kind)
    label = kind.label if kind else item.kind
    return render_template("inventories/upload.html", tenant=tenant, upload=item, rejected=rejected,
                           rejected_total=total, page=page, pages=max(1, -(-total // REJECTIONS_PAGE)),
                           kind_label=label)


@bp.get("/tenants/<slug>/inventories/map")
def cadastre_map(slug: str):
    page_user()
    tenant = auth.enter_tenant(slug)
    summary = cadastre.summary(get_session(), tenant.id)
    total = sum(row["assets"] for row in summary["categories"])
    sampled = total > MAP_LIMIT
    # Small cadastres load the API's own GeoJSON (the session cookie authenticates GETs on /api).
    layer_url = (url_for("inventory_pages.map_sample", slug=slug) if sampled
                 else url_for("inventories.CadastreGeoJson", slug=slug))
    return render_template("inventories/map.html", tenant=tenant, summary=summary, total=total, sampled=sampled,
                           limit=MAP_LIMIT, layer_url=layer_url, category_labels=cadastre.category_names(),
                           tile_url=current_app.config.get("MAP_TILE_URL"),
                           tile_attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""))


@bp.get("/tenants/<slug>/inventories/map.geojson")
def map_sample(slug: str):
    """The map's layer when the cadastre is over ``MAP_LIMIT`` assets: an even sample of that many."""
    page_user()
    tenant = auth.enter_tenant(slug)
    chunks = streamed(tenant.id, functools.partial(cadastre.geojson_chunks, limit=MAP_LIMIT), tenant.id, None)
    return Response(chunks, mimetype="application/geo+json",
                    headers={"X-Sample-Limit": str(MAP_LIMIT), "Cache-Control": "private, no-store"})


@bp.get("/tenants/<slug>/inventories/outline.geojson")
def municipality_outline(slug: str):
    """The tenant's municipality boundary, the map's plain base layer when no tile server is configured."""
    page_user()
    tenant = auth.enter_tenant(slug)
    code = tenant.municipality.istat_code if tenant.municipality else None
    feature = territory.boundary(code) if code else None
    if feature is None:
        return jsonify({"type": "FeatureCollection", "features": []})
    response = jsonify({"type": "FeatureCollection", "features": [feature]})
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _home_imports(user, tenant_slug):
    """The utility's last imports with their state and rejected rows, on its home."""
    from smartregion import tenancy
    from smartregion.web import home_tenant_id

    if (tenant_id := home_tenant_id(user, tenant_slug, ("utility",))) is None:
        return None
    with tenancy.tenant_context(tenant_id):
        uploads = get_session().scalars(services.uploads_query(tenant_id).limit(5)).all()
    return {"template": "inventories/_home_imports.html", "slug": tenant_slug, "uploads": uploads,
            "kinds": {slug: kind for slug, kind in KINDS.items()}}


@bp.record_once
def _register_home(state) -> None:
    from smartregion.web import home_section

    home_section(state.app, _home_imports)
