"""Request and response schemas of standards, feeds, conformance and exports."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate
from smartregion.api import EnumField

from interoperability.models import FeedKind, VersionStatus


class StandardTitleSchema(ma.Schema):
    it = ma.fields.String(required=True)
    en = ma.fields.String(required=True)


class StandardDefinitionSchema(ma.Schema):
    """A standard version: the Smart Data Model it profiles and the regional layer."""

    code = ma.fields.String(required=True, metadata={"example": "TOS-STREETLIGHT"})
    version = ma.fields.String(required=True, metadata={"example": "1.0.0"})
    entity_type = ma.fields.String(required=True, metadata={"example": "Streetlight"})
    upstream_schema = ma.fields.String(
        required=True,
        metadata={
            "description": "URL of a schema in the regional registry",
            "example": "https://smart-data-models.github.io/dataModel.Streetlighting/Streetlight/schema.json",
        },
    )
    title = ma.fields.Nested(StandardTitleSchema, required=True)
    description = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    required = ma.fields.List(ma.fields.String(), metadata={"description": "Attributes the region requires"})
    units = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "Attribute to UN/CEFACT unit code"},
    )
    geometry_types = ma.fields.List(ma.fields.String(), metadata={"example": ["Point"]})
    code_lists = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))
    timestamps = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(validate=validate.OneOf(["instant", "instant-or-interval", "iso8601"])),
    )
    bounds = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict())
    observed_at = ma.fields.String(allow_none=True)
    max_observation_interval = ma.fields.String(allow_none=True, metadata={"example": "PT1H"})
    hints = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    notes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    extra_schema = ma.fields.Dict(
        allow_none=True,
        metadata={"description": "Further JSON Schema constraints; every $ref must name a schema of the registry"},
    )


class StandardVersionCreateSchema(StandardDefinitionSchema):
    code = ma.fields.String(load_default=None)
    entity_type = ma.fields.String(required=True)


class StandardVersionUpdateSchema(StandardDefinitionSchema):
    """The fields of a draft to change (loaded with ``partial=True``)."""


class StandardDeprecateSchema(ma.Schema):
    sunset_on = ma.fields.Date(required=True)
    successor = ma.fields.String(allow_none=True, metadata={"example": "1.1.0"})


class StandardVersionSchema(ma.Schema):
    code = ma.fields.Function(lambda v: v.standard.code)
    version = ma.fields.String()
    status = EnumField(VersionStatus)
    entity_type = ma.fields.Function(lambda v: v.standard.entity_type)
    title = ma.fields.Function(lambda v: {"it": v.standard.title_it, "en": v.standard.title_en})
    definition = ma.fields.Dict()
    json_schema = ma.fields.Dict()
    digest = ma.fields.String()
    created_by = ma.fields.String()
    created_at = ma.fields.DateTime()
    published_at = ma.fields.DateTime()
    published_by = ma.fields.String()
    deprecated_at = ma.fields.DateTime()
    sunset_on = ma.fields.Date()
    successor = ma.fields.Function(lambda v: v.successor.version if v.successor else None)


class StandardSchema(ma.Schema):
    code = ma.fields.String()
    entity_type = ma.fields.String()
    title = ma.fields.Function(lambda s: {"it": s.title_it, "en": s.title_en})
    versions = ma.fields.Function(lambda s: [{"version": v.version, "status": v.status} for v in s.versions])


class ConformanceViolationSchema(ma.Schema):
    pointer = ma.fields.String(metadata={"description": "JSON pointer into the entity as sent"})
    rule = ma.fields.String(metadata={"example": "regional.code-list"})
    message = ma.fields.String()
    attribute = ma.fields.String(allow_none=True)


class ConformanceEntityResultSchema(ma.Schema):
    index = ma.fields.Integer()
    id = ma.fields.String(allow_none=True)
    type = ma.fields.String(allow_none=True)
    form = ma.fields.String(allow_none=True, metadata={"description": "keyValues or normalized"})
    valid = ma.fields.Boolean()
    errors = ma.fields.List(ma.fields.Nested(ConformanceViolationSchema))


class ConformanceReportSchema(ma.Schema):
    standard = ma.fields.String()
    version = ma.fields.String()
    valid = ma.fields.Boolean()
    entities = ma.fields.Integer()
    conforming = ma.fields.Integer()
    stored = ma.fields.Integer()
    results = ma.fields.List(ma.fields.Nested(ConformanceEntityResultSchema))


class DataFeedCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = EnumField(FeedKind, load_default=FeedKind.DATA_FEED)
    description = ma.fields.String(allow_none=True)
    standard = ma.fields.String(required=True, metadata={"example": "TOS-STREETLIGHT"})
    version = ma.fields.String(required=True, metadata={"example": "1.0.0"})
    sample = ma.fields.Raw(required=True, metadata={"description": "One NGSI-LD entity the feed sends"})


class DataFeedSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = EnumField(FeedKind)
    description = ma.fields.String(allow_none=True)
    standard = ma.fields.Function(lambda f: f.standard_version.standard.code)
    version = ma.fields.Function(lambda f: f.standard_version.version)
    sample = ma.fields.Dict()
    received = ma.fields.Integer()
    accepted = ma.fields.Integer()
    refused = ma.fields.Integer()
    last_received_at = ma.fields.DateTime()
    last_observed_at = ma.fields.DateTime()
    created_at = ma.fields.DateTime()


class FeedDaySchema(ma.Schema):
    """What a feed received on one day (Europe/Rome) and the share that conformed (0 to 1)."""

    day = ma.fields.Date()
    received = ma.fields.Integer()
    accepted = ma.fields.Integer()
    refused = ma.fields.Integer()
    share = ma.fields.Float(allow_none=True)


class ConformanceSummarySchema(ma.Schema):
    tenants = ma.fields.List(ma.fields.Dict())
    standards = ma.fields.List(ma.fields.Dict())
    feeds = ma.fields.List(ma.fields.Dict())
    top_violations = ma.fields.List(ma.fields.Dict())
    silent_feeds = ma.fields.List(ma.fields.Dict())


class NgsiLdExportQuerySchema(ma.Schema):
    type = ma.fields.String(metadata={"example": "Streetlight"})
    options = ma.fields.String(validate=validate.OneOf(["keyValues", "normalized"]), load_default="normalized")


class NgsiLdPushSchema(ma.Schema):
    broker_id = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**63 - 1),
                                  metadata={"description": "A broker registered for the tenant by the secretariat"})
    type = ma.fields.String(allow_none=True)
    batch_size = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class NgsiLdPushJobSchema(ma.Schema):
    id = ma.fields.String()
    state = ma.fields.String()
    description = ma.fields.String()


class ContextBrokerInputSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"example": "Orion-LD"})
    url = ma.fields.String(required=True, validate=validate.Length(min=8, max=500),
                           metadata={"example": "https://broker.comune.firenze.example"})


class ContextBrokerSchema(ContextBrokerInputSchema):
    id = ma.fields.Integer(dump_only=True)
    registered_by = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
