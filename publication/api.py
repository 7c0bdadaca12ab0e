"""The publication API: what is open, the secretariat's choices per tenant and for the region, harvesters."""

from __future__ import annotations

from flask.views import MethodView
from smartregion import auth
from smartregion.api import Blueprint
from smartregion.db import get_session

from publication import services
from publication.schemas import (
    DatasetSettingSchema,
    HarvesterSchema,
    IpaCodeSchema,
    PublishedDatasetSchema,
    TenantSettingsSchema,
)

blp = Blueprint("publication", __name__, url_prefix="/api/v1/publication",
                description="Open data: datasets opened per tenant and for the region, and their harvesters")


@blp.route("/datasets")
class PublishedDatasets(MethodView):
    @blp.response(200, PublishedDatasetSchema(many=True))
    @blp.documents_errors()
    def get(self):
        """The datasets open right now (the catalogue's content)."""
        auth.require_user()
        return services.published(get_session())


@blp.route("/tenants/<slug>")
class TenantSettings(MethodView):
    @blp.response(200, TenantSettingsSchema)
    @blp.documents_errors(404)
    def get(self, slug):
        """What is open for a tenant, since when, and whether its census is accepted."""
        tenant = auth.enter_tenant(slug)
        return services.tenant_settings(get_session(), tenant.id)


@blp.route("/tenants/<slug>/ipa-code")
class TenantIpaCode(MethodView):
    @blp.arguments(IpaCodeSchema)
    @blp.response(200, TenantSettingsSchema)
    @blp.documents_errors(400, 404, 422)
    def put(self, data, slug):
        """Record the municipality's IPA code, the publisher's identifier in the catalogue (secretariat)."""
        tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
        session = get_session()
        services.set_ipa_code(session, tenant.id, data["ipa_code"], actor=auth.require_user().username)
        return services.tenant_settings(session, tenant.id)


@blp.route("/tenants/<slug>/datasets/<dataset>")
class TenantDataset(MethodView):
    @blp.response(200, TenantSettingsSchema)
    @blp.documents_errors(404, 409, 422)
    def put(self, slug, dataset):
        """Open a dataset of the tenant; refused (409) until the census it comes from is accepted."""
        tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
        session = get_session()
        services.open_tenant_dataset(session, tenant.id, dataset, actor=auth.require_user().username)
        return services.tenant_settings(session, tenant.id)

    @blp.response(200, TenantSettingsSchema)
    @blp.documents_errors(404, 422)
    def delete(self, slug, dataset):
        """Close a dataset of the tenant."""
        tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
        session = get_session()
        services.close_tenant_dataset(session, tenant.id, dataset, actor=auth.require_user().username)
        return services.tenant_settings(session, tenant.id)


@blp.route("/region")
class RegionSettings(MethodView):
    @blp.response(200, DatasetSettingSchema(many=True))
    @blp.documents_errors()
    def get(self):
        """The regional datasets and whether they are open."""
        auth.enter_regional()
        return services.region_settings(get_session())


@blp.route("/region/datasets/<dataset>")
class RegionDataset(MethodView):
    @blp.response(200, DatasetSettingSchema(many=True))
    @blp.documents_errors(404, 422)
    def put(self, dataset):
        """Open a regional dataset (secretariat)."""
        user = auth.enter_regional("secretariat")
        session = get_session()
        services.open_region_dataset(session, dataset, actor=user.username)
        return services.region_settings(session)

    @blp.response(200, DatasetSettingSchema(many=True))
    @blp.documents_errors(404, 422)
    def delete(self, dataset):
        """Close a regional dataset (secretariat)."""
        user = auth.enter_regional("secretariat")
        session = get_session()
        services.close_region_dataset(session, dataset, actor=user.username)
        return services.region_settings(session)


@blp.route("/harvesters")
class Harvesters(MethodView):
    @blp.response(200, HarvesterSchema(many=True))
    @blp.documents_errors()
    def get(self):
        """The clients reading the catalogue and the OGC API, by their last read."""
        auth.enter_regional()
        return services.harvesters(get_session())
