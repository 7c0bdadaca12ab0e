"""Schemas of the publication API."""

from __future__ import annotations

import marshmallow as ma


class DatasetSettingSchema(ma.Schema):
    dataset = ma.fields.String(metadata={"example": "cadastre:public-lighting"})
    open = ma.fields.Boolean()
    opened_at = ma.fields.DateTime(allow_none=True)
    opened_by = ma.fields.String(allow_none=True)
    census_accepted = ma.fields.Boolean(metadata={"description": "Whether the census this dataset comes from is "
                                                                 "accepted (tenant datasets)"})


class TenantSettingsSchema(ma.Schema):
    ipa_code = ma.fields.String(allow_none=True)
    census = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Boolean())
    datasets = ma.fields.List(ma.fields.Nested(DatasetSettingSchema))


class IpaCodeSchema(ma.Schema):
    ipa_code = ma.fields.String(required=True, allow_none=True, metadata={"example": "c_d612"})


class PublishedDatasetSchema(ma.Schema):
    path = ma.fields.String(metadata={"example": "firenze/cadastre/public-lighting"})
    family = ma.fields.String()
    scope = ma.fields.String()
    title_it = ma.fields.String()
    title_en = ma.fields.String()
    formats = ma.fields.List(ma.fields.String())
    opened_at = ma.fields.DateTime()
    modified = ma.fields.DateTime()
    collection = ma.fields.String(allow_none=True)


class HarvesterSchema(ma.Schema):
    user_agent = ma.fields.String()
    first_at = ma.fields.DateTime()
    last_at = ma.fields.DateTime()
    requests = ma.fields.Integer()
    last_path = ma.fields.String()
