"""Request and response schemas of inventories, the network cadastre and the broadband records."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate
from smartregion.api import EnumField

from .cadastre import CATEGORIES
from .kinds import KINDS
from .models import CensusReviewStatus, UploadStatus


class UploadFormSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(list(KINDS)),
                            metadata={"description": "Inventory kind, e.g. public-lighting"})
    crs = ma.fields.String(load_default=None, metadata={
        "description": "Coordinate system of the file when the file does not declare it (e.g. EPSG:3003)"})
    mapping = ma.fields.String(load_default=None, metadata={
        "description": 'JSON object, platform field -> file column, e.g. {"asset_id": "Matricola", "x": "CoordX"}; '
                       "without it the suggested mapping is used where it is unambiguous"})
    defaults = ma.fields.String(load_default=None, metadata={
        "description": "JSON object of values for the whole file, "
                       'e.g. {"network": "water", "operator": "Acque S.p.A."}'})
    layer = ma.fields.String(load_default=None, validate=validate.Length(max=200), metadata={
        "description": "The layer to import when the file holds several (listed by the preview)"})


class PreviewSchema(ma.Schema):
    format = ma.fields.String()
    member = ma.fields.String(allow_none=True, metadata={"description": "The file read inside a zip"})
    layers = ma.fields.List(ma.fields.String())
    layer = ma.fields.String(allow_none=True)
    columns = ma.fields.List(ma.fields.String())
    sample_rows = ma.fields.List(ma.fields.List(ma.fields.String()))
    sample_geometries = ma.fields.List(ma.fields.String())
    rows_estimate = ma.fields.Integer()
    suggested_mapping = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    suggestion_notes = ma.fields.List(ma.fields.String())
    profile = ma.fields.Dict(allow_none=True)
    defaults = ma.fields.Dict()
    fields = ma.fields.List(ma.fields.Dict())
    territory = ma.fields.Dict(allow_none=True)
    crs = ma.fields.Dict()
    problems = ma.fields.List(ma.fields.String())


class UploadFileSchema(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class UploadAcceptedSchema(ma.Schema):
    upload_id = ma.fields.Integer()
    job_id = ma.fields.String()
    duplicate = ma.fields.Boolean(metadata={"description": "True when the same file had already been uploaded"})
    status = EnumField(UploadStatus)
    status_url = ma.fields.String()
    errors_url = ma.fields.String()


class UploadSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    filename = ma.fields.String()
    sha256 = ma.fields.String()
    size = ma.fields.Integer()
    format = ma.fields.String(allow_none=True)
    epsg = ma.fields.Integer(allow_none=True)
    crs_source = ma.fields.String(allow_none=True)
    status = EnumField(UploadStatus)
    job_id = ma.fields.String(allow_none=True)
    rows_total = ma.fields.Integer()
    rows_imported = ma.fields.Integer()
    rows_rejected = ma.fields.Integer()
    rows_inserted = ma.fields.Integer()
    rows_updated = ma.fields.Integer()
    warnings = ma.fields.List(ma.fields.String())
    error = ma.fields.String(allow_none=True)
    uploaded_by = ma.fields.String()
    mapping = ma.fields.Dict()
    defaults = ma.fields.Dict()
    layer = ma.fields.String(allow_none=True)
    mapping_used = ma.fields.Dict()
    created_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)


class TemplateQuerySchema(ma.Schema):
    lang = ma.fields.String(load_default="en", validate=validate.OneOf(["en", "it"]))


class CategoryQuerySchema(ma.Schema):
    category = ma.fields.String(load_default=None, validate=validate.OneOf(list(CATEGORIES)))


class AssetSchema(ma.Schema):
    """One asset of the tenant's cadastre, as the asset page lists it."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    asset_id = ma.fields.String()
    category = ma.fields.String()
    operator = ma.fields.String(allow_none=True)
    longitude = ma.fields.Float()
    latitude = ma.fields.Float()
    length_m = ma.fields.Float()
    attributes = ma.fields.Dict()
    upload_id = ma.fields.Integer()
    line = ma.fields.Integer()
    updated_at = ma.fields.DateTime()


class ReviewSchema(ma.Schema):
    status = EnumField(CensusReviewStatus, required=True)
    note = ma.fields.String(load_default=None, validate=validate.Length(max=2000))


class BroadbandQuerySchema(ma.Schema):
    istat_code = ma.fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))


class BroadbandImportFormSchema(ma.Schema):
    as_of = ma.fields.Date(required=True, metadata={"description": "Date of the agency's table (YYYY-MM-DD)"})


class BroadbandRecordSchema(ma.Schema):
    istat_code = ma.fields.String()
    municipality = ma.fields.String()
    as_of = ma.fields.String()
    position = ma.fields.Integer()
    tender = ma.fields.Integer(allow_none=True)
    phase = ma.fields.Integer(allow_none=True)
    project_type = ma.fields.String()
    status = ma.fields.String()
    status_label_en = ma.fields.String()
    status_label_it = ma.fields.String()
    agreement_signed = ma.fields.Boolean(allow_none=True)
    plan_year = ma.fields.Integer(allow_none=True)
    coverage_30 = ma.fields.Float(allow_none=True)
    coverage_100 = ma.fields.Float(allow_none=True)
    coverage_1000 = ma.fields.Float(allow_none=True)


class RejectionSchema(ma.Schema):
    line = ma.fields.Integer()
    field = ma.fields.String()
    code = ma.fields.String()
    reason = ma.fields.String()
    value = ma.fields.String()


class BroadbandImportSchema(ma.Schema):
    as_of = ma.fields.String()
    source = ma.fields.String()
    layout = ma.fields.String(metadata={"description": "2018 (tender, phase, status) or today (fibre and FWA)"})
    rows = ma.fields.Integer()
    records = ma.fields.Integer()
    municipalities = ma.fields.Integer()
    rejected = ma.fields.Integer()
    rejections = ma.fields.List(ma.fields.Nested(RejectionSchema))
    unmatched = ma.fields.List(ma.fields.Nested(RejectionSchema), metadata={
        "description": "Rows whose municipality could not be told: unknown or ambiguous names"})
    resolved = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "Rows whose municipality was recognised under a former name (merged or renamed)"})
    warnings = ma.fields.List(ma.fields.String())


class CategorySummarySchema(ma.Schema):
    category = ma.fields.String()
    kind = ma.fields.String()
    label_en = ma.fields.String()
    label_it = ma.fields.String()
    assets = ma.fields.Integer()
    km = ma.fields.Float()
    operators = ma.fields.List(ma.fields.String())


class CoverageSummarySchema(ma.Schema):
    technology = ma.fields.String()
    units = ma.fields.Integer()
    housing_units = ma.fields.Integer()
    max_download_mbps = ma.fields.Float()


class CadastreSchema(ma.Schema):
    categories = ma.fields.List(ma.fields.Nested(CategorySummarySchema))
    coverage = ma.fields.List(ma.fields.Nested(CoverageSummarySchema))
    review = ma.fields.Dict(allow_none=True)
    broadband = ma.fields.List(ma.fields.Nested(BroadbandRecordSchema))
