"""REST API of inventories, the network cadastre and the broadband plan records."""

from __future__ import annotations

import tempfile
from dataclasses import astuple
from pathlib import Path

from flask import current_app, url_for
from flask.views import MethodView
from smartregion import auth, idempotency, ratelimit
from smartregion.api import Blueprint, paginate
from smartregion.db import get_session
from smartregion.errors import PayloadTooLarge
from smartregion.storage import put_upload, storage
from smartregion.web.downloads import attachment, streamed

from . import broadband_records, cadastre, services
from .kinds import KINDS, get_kind
from .pipeline import template_csv
from .schemas import (
    AssetSchema,
    BroadbandImportFormSchema,
    BroadbandImportSchema,
    BroadbandQuerySchema,
    BroadbandRecordSchema,
    CadastreSchema,
    CategoryQuerySchema,
    PreviewSchema,
    ReviewSchema,
    TemplateQuerySchema,
    UploadAcceptedSchema,
    UploadFileSchema,
    UploadFormSchema,
    UploadSchema,
)
from .validation import crs_labels

blp = Blueprint("inventories", __name__, url_prefix="/api/v1",
                description="Utilities' inventories, network cadastre and ultra-broadband plan")

WRITERS = ("utility", "municipality", "secretariat")


@blp.before_request
def _refuse_oversized_body() -> None:
    """Answer 413 from the declared length, before any multipart parsing starts."""
    from flask import request

    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length and request.content_length > limit:
        raise PayloadTooLarge(f"The upload of {request.content_length} bytes is over the limit of {limit} bytes.")
CSV = "text/csv; charset=utf-8"


def _accepted(slug: str, received: services.Received) -> dict:
    upload = received.upload
    return {"upload_id": upload.id, "job_id": upload.job_id, "duplicate": received.duplicate,
            "status": upload.status,
            "status_url": url_for("kernel.get_job", job_id=upload.job_id) if upload.job_id else None,
            "errors_url": url_for("inventories.ErrorReport", slug=slug, upload_id=upload.id)}


@blp.route("/tenants/<slug>/inventories")
@ratelimit.upload
class Inventories(MethodView):
    @blp.response(200, UploadSchema(many=True))
    @blp.paginate()
    @blp.documents_errors(404)
    def get(self, slug, pagination_parameters):
        """The tenant's inventory uploads, newest first."""
        tenant = auth.enter_tenant(slug)
        return paginate(services.uploads_query(tenant.id), pagination_parameters)

    @blp.arguments(UploadFormSchema, location="form")
    @blp.arguments(UploadFileSchema, location="files")
    @blp.response(202, UploadAcceptedSchema)
    @blp.alt_response(200, schema=UploadAcceptedSchema, description="The same file was already uploaded")
    @blp.documents_errors(400, 404, 413, 422)
    def post(self, form, files, slug):
        """Upload an inventory file: stored, then imported by a job (202 with job_id and upload_id)."""
        tenant = auth.enter_tenant(slug, write=True, roles=WRITERS)
        key = idempotency.request_key()
        file = files["file"]
        sha256, size = astuple(put_upload(file))
        session = get_session()
        digest = idempotency.fingerprint(form["kind"], form.get("crs"), sha256, form.get("mapping"),
                                         form.get("defaults"), form.get("layer"))
        if (stored := idempotency.replay(session, key, digest)) is not None:
            return stored
        received = services.receive_upload(
            session, tenant.id, kind=form["kind"], filename=file.filename or "upload", sha256=sha256,
            size=size, path=storage().path(sha256), epsg=form.get("crs"), actor=auth.require_user().username,
            mapping=form.get("mapping"), defaults=form.get("defaults"), layer=form.get("layer"))
        body, status = _accepted(slug, received), 200 if received.duplicate else 202
        idempotency.remember(session, key, digest, body, status)
        return body, status


@blp.route("/tenants/<slug>/inventories/preview")
class InventoryPreview(MethodView):
    @blp.arguments(UploadFormSchema, location="form")
    @blp.arguments(UploadFileSchema, location="files")
    @blp.response(200, PreviewSchema)
    @blp.documents_errors(400, 404, 413, 422)
    def post(self, form, files, slug):
        """Read a file without importing it: columns, first rows, suggested mapping, CRS candidates, problems."""
        tenant = auth.enter_tenant(slug, write=True, roles=WRITERS)
        file = files["file"]
        sha256 = put_upload(file).sha256
        return services.preview_upload(get_session(), tenant.id, path=storage().path(sha256),
                                       filename=file.filename or "upload", kind=form["kind"], epsg=form.get("crs"),
                                       mapping=form.get("mapping"), defaults=form.get("defaults"),
                                       layer=form.get("layer"))


@blp.route("/tenants/<slug>/inventories/<int:upload_id>")
class InventoryById(MethodView):
    @blp.response(200, UploadSchema)
    @blp.documents_errors(404)
    def get(self, slug, upload_id):
        """One upload with its counts."""
        tenant = auth.enter_tenant(slug)
        return services.get_upload(get_session(), tenant.id, upload_id)


@blp.route("/tenants/<slug>/inventories/<int:upload_id>/errors.csv")
class ErrorReport(MethodView):
    @blp.response(200, content_type="text/csv")
    @blp.documents_errors(404)
    def get(self, slug, upload_id):
        """The rejected rows of an upload: line, field, code, reason (English and Italian), value."""
        tenant = auth.enter_tenant(slug)
        body = services.error_report_csv(get_session(), tenant.id, upload_id)
        return attachment(body, "text/csv", f"upload-{upload_id}-errors.csv")


@blp.route("/inventories/kinds")
class Kinds(MethodView):
    @blp.response(200)
    @blp.documents_errors()
    def get(self):
        """The inventory kinds with their columns, and the accepted coordinate systems."""
        auth.require_user()
        return {"kinds": [{"slug": k.slug, "label_en": k.label_en, "label_it": k.label_it, "geometry": k.geometry,
                           "fields": [{"name": f.name, "label_en": f.label_en, "label_it": f.label_it,
                                       "type": f.type, "required": f.required,
                                       "choices": sorted(set(f.choices.values()))} for f in k.fields]}
                          for k in KINDS.values()],
                "coordinate_systems": crs_labels()}


@blp.route("/inventories/templates/<kind>.csv")
class Template(MethodView):
    @blp.arguments(TemplateQuerySchema, location="query")
    @blp.response(200, content_type="text/csv")
    @blp.documents_errors(404)
    def get(self, query, kind):
        """The CSV template of a kind (header in English or Italian, one example row)."""
        from smartregion.errors import NotFound

        auth.require_user()
        try:
            spec = get_kind(kind)
        except KeyError as exc:
            raise NotFound(str(exc.args[0])) from None
        return attachment(template_csv(spec, language=query["lang"]), "text/csv", f"{kind}-template.csv")



def _municipality_records(tenant) -> list[dict]:
    istat = tenant.municipality.istat_code if tenant.municipality else None
    return broadband_records.latest(get_session(), istat) if istat else []


@blp.route("/tenants/<slug>/cadastre")
class Cadastre(MethodView):
    @blp.response(200, CadastreSchema)
    @blp.documents_errors(404)
    def get(self, slug):
        """The tenant's network cadastre: km, assets and operators per category; broadband status."""
        tenant = auth.enter_tenant(slug)
        return cadastre.summary_cached(get_session(), tenant.id) | {"broadband": _municipality_records(tenant)}


@blp.route("/tenants/<slug>/assets")
class Assets(MethodView):
    @blp.arguments(CategoryQuerySchema, location="query")
    @blp.response(200, AssetSchema(many=True))
    @blp.paginate()
    @blp.documents_errors(404, 422)
    def get(self, query, slug, pagination_parameters):
        """The tenant's assets, a page at a time (Link headers; the total only with count=true)."""
        tenant = auth.enter_tenant(slug)
        return paginate(cadastre.assets_query(tenant.id, query["category"]), pagination_parameters)


@blp.route("/tenants/<slug>/cadastre.geojson")
class CadastreGeoJson(MethodView):
    @blp.arguments(CategoryQuerySchema, location="query")
    @blp.response(200, content_type="application/geo+json")
    @blp.documents_errors(404)
    def get(self, query, slug):
        """The tenant's cadastre as GeoJSON (WGS84), optionally one category."""
        tenant = auth.enter_tenant(slug)
        cadastre.check_category(query["category"])
        chunks = streamed(tenant.id, cadastre.geojson_chunks, tenant.id, query["category"])
        return attachment(chunks, "application/geo+json", f"{slug}-cadastre.geojson")


@blp.route("/tenants/<slug>/cadastre.csv")
class CadastreCsv(MethodView):
    @blp.arguments(CategoryQuerySchema, location="query")
    @blp.response(200, content_type="text/csv")
    @blp.documents_errors(404)
    def get(self, query, slug):
        """The tenant's cadastre as CSV, optionally one category."""
        tenant = auth.enter_tenant(slug)
        cadastre.check_category(query["category"])
        chunks = streamed(tenant.id, cadastre.csv_chunks, tenant.id, query["category"])
        return attachment(chunks, "text/csv", f"{slug}-cadastre.csv")


@blp.route("/tenants/<slug>/cadastre/shared.geojson")
class SharedLayers(MethodView):
    @blp.arguments(CategoryQuerySchema, location="query")
    @blp.response(200, content_type="application/geo+json")
    @blp.documents_errors(404)
    def get(self, query, slug):
        """The other tenants' layers, once this tenant's own network census is accepted."""
        tenant = auth.enter_tenant(slug)
        return cadastre.shared_layers(get_session(), tenant.id, query["category"])


@blp.route("/tenants/<slug>/cadastre/review")
class CadastreReview(MethodView):
    @blp.arguments(ReviewSchema)
    @blp.response(200)
    @blp.documents_errors(400, 404)
    def put(self, data, slug):
        """Accept or return the tenant's network census (secretariat)."""
        tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
        session = get_session()
        cadastre.review_network_census(session, tenant.id, status=data["status"], note=data["note"],
                                       actor=auth.require_user().username)
        return cadastre.review_status(session, tenant.id)


@blp.route("/tenants/<slug>/broadband")
class TenantBroadband(MethodView):
    @blp.response(200, BroadbandRecordSchema(many=True))
    @blp.documents_errors(404)
    def get(self, slug):
        """The ultra-broadband plan status of the tenant's municipality."""
        return _municipality_records(auth.enter_tenant(slug))


@blp.route("/broadband")
class Broadband(MethodView):
    @blp.arguments(BroadbandQuerySchema, location="query")
    @blp.response(200, BroadbandRecordSchema(many=True))
    @blp.documents_errors(400)
    def get(self, query):
        """The latest ultra-broadband plan status per municipality (public records of the region)."""
        auth.require_user()
        return broadband_records.latest(get_session(), query["istat_code"])


@blp.route("/broadband.csv")
class BroadbandCsv(MethodView):
    @blp.arguments(BroadbandQuerySchema, location="query")
    @blp.response(200, content_type="text/csv")
    @blp.documents_errors(400)
    def get(self, query):
        """The latest ultra-broadband plan status as CSV."""
        auth.require_user()
        body = broadband_records.export_csv(broadband_records.latest(get_session(), query["istat_code"]))
        return attachment(body, "text/csv", "broadband-status.csv")


@blp.route("/broadband/imports")
@ratelimit.upload
class BroadbandImports(MethodView):
    @blp.arguments(BroadbandImportFormSchema, location="form")
    @blp.arguments(UploadFileSchema, location="files")
    @blp.response(200, BroadbandImportSchema)
    @blp.documents_errors(400, 413, 422)
    def post(self, form, files):
        """Import the national agency's status table of one date (secretariat)."""
        auth.enter_regional("secretariat")
        key = idempotency.request_key()
        file = files["file"]
        sha256 = put_upload(file).sha256
        session = get_session()
        digest = idempotency.fingerprint(form["as_of"], sha256)
        if (stored := idempotency.replay(session, key, digest)) is not None:
            return stored
        with tempfile.TemporaryDirectory() as workdir:
            path = Path(workdir) / (Path(file.filename or "table.csv").name or "table.csv")
            storage().copy_to(sha256, path)
            report = broadband_records.import_status_table(session, path, filename=file.filename or "table.csv",
                                                           as_of=form["as_of"], actor=auth.require_user().username)
        idempotency.remember(session, key, digest, BroadbandImportSchema().dump(report), 200)
        return report
