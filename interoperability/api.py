"""REST API of regional standards, validation, feeds, conformance and NGSI-LD export."""

from __future__ import annotations

import json

from flask import Response, current_app, request
from flask.views import MethodView
from smartregion import audit, auth, jobs
from smartregion.api import Blueprint, paginate
from smartregion.db import get_session
from smartregion.outbound import Policy

from interoperability import brokers, conformance, export, payloads, services
from interoperability.examples import example_verdicts
from interoperability.schemas import (
    ConformanceReportSchema,
    ConformanceSummarySchema,
    ContextBrokerInputSchema,
    ContextBrokerSchema,
    DataFeedCreateSchema,
    DataFeedSchema,
    FeedDaySchema,
    NgsiLdExportQuerySchema,
    NgsiLdPushJobSchema,
    NgsiLdPushSchema,
    StandardDefinitionSchema,
    StandardDeprecateSchema,
    StandardSchema,
    StandardVersionCreateSchema,
    StandardVersionSchema,
    StandardVersionUpdateSchema,
)

blp = Blueprint(
    "interoperability",
    __name__,
    url_prefix="/api/v1",
    description="Regional sensor and data standards, validation, feeds, conformance, NGSI-LD export",
)

RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}
            },
            "application/ld+json": {"schema": {"oneOf": [{"type": "object"}, {"type": "array"}]}},
        },
    }
}




# --- standards -----------------------------------------------------------------------------------


@blp.route("/standards")
class Standards(MethodView):
    @blp.response(200, StandardSchema(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, pagination_parameters):
        """Regional standards and their versions (anyone signed in)."""
        auth.require_user()
        return paginate(services.standards_query(), pagination_parameters)

    @blp.arguments(StandardDefinitionSchema)
    @blp.response(201, StandardVersionSchema)
    @blp.documents_errors(400, 409, 422)
    def post(self, data):
        """Create a standard with its first draft version (secretariat)."""
        auth.require_roles("secretariat")
        return services.create_standard(get_session(), data, actor=audit.current_actor())


@blp.route("/standards/<code>")
class StandardByCode(MethodView):
    @blp.response(200, StandardSchema)
    @blp.documents_errors(404)
    def get(self, code):
        """One standard."""
        auth.require_user()
        return services.get_standard(get_session(), code)


@blp.route("/standards/<code>/versions")
class Versions(MethodView):
    @blp.response(200, StandardVersionSchema(many=True))
    @blp.documents_errors(404)
    def get(self, code):
        """The versions of a standard."""
        auth.require_user()
        return services.get_standard(get_session(), code).versions

    @blp.arguments(StandardVersionCreateSchema)
    @blp.response(201, StandardVersionSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, code):
        """Add a draft version (secretariat)."""
        auth.require_roles("secretariat")
        return services.create_version(get_session(), code, data, actor=audit.current_actor())


@blp.route("/standards/<code>/versions/<version>")
class VersionByNumber(MethodView):
    @blp.response(200, StandardVersionSchema)
    @blp.documents_errors(404)
    def get(self, code, version):
        """One version with its definition and composed JSON Schema."""
        auth.require_user()
        return services.get_version(get_session(), code, version)

    @blp.arguments(StandardVersionUpdateSchema(partial=True))
    @blp.response(200, StandardVersionSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def patch(self, data, code, version):
        """Edit a draft (secretariat); a published version answers 409."""
        auth.require_roles("secretariat")
        return services.update_draft(get_session(), code, version, data, actor=audit.current_actor())


@blp.route("/standards/<code>/versions/<version>/publish")
class Publish(MethodView):
    @blp.response(200, StandardVersionSchema)
    @blp.documents_errors(404, 409)
    def post(self, code, version):
        """Publish a draft (secretariat): from now on it is immutable."""
        auth.require_roles("secretariat")
        return services.publish(get_session(), code, version, actor=audit.current_actor())


@blp.route("/standards/<code>/versions/<version>/deprecate")
class Deprecate(MethodView):
    @blp.arguments(StandardDeprecateSchema)
    @blp.response(200, StandardVersionSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, code, version):
        """Deprecate a published version with its sunset date and successor (secretariat)."""
        auth.require_roles("secretariat")
        return services.deprecate(
            get_session(),
            code,
            version,
            sunset_on=data["sunset_on"],
            successor=data.get("successor"),
            actor=audit.current_actor(),
        )


@blp.route("/standards/<code>/versions/<version>/deprecation", methods=["DELETE"])
@blp.response(200, StandardVersionSchema)
@blp.documents_errors(404, 409)
def withdraw_deprecation(code, version):
    """Withdraw a deprecation before its sunset: the version is published again (secretariat)."""
    auth.require_roles("secretariat")
    return services.withdraw_deprecation(get_session(), code, version, actor=audit.current_actor())


@blp.route("/standards/<code>/versions/<version>/validate")
class Validate(MethodView):
    @blp.doc(**RAW_BODY)
    @blp.response(200, ConformanceReportSchema)
    @blp.documents_errors(400, 404, 413)
    def post(self, code, version):
        """Validate one entity or a list (key-values or normalized) and answer the conformance report."""
        auth.require_user()
        session = get_session()
        services.get_version(session, code, version)
        payload = payloads.read_json(request)
        return services.validate_payload(session, code, version, payload).to_dict()


@blp.route("/standards/<code>/versions/<version>/examples")
class Examples(MethodView):
    @blp.response(200)
    @blp.documents_errors(404)
    def get(self, code, version):
        """The official Smart Data Models examples of the profiled type, with their verdicts."""
        auth.require_user()
        row = services.get_version(get_session(), code, version)
        return {
            "standard": code,
            "version": version,
            "examples": example_verdicts(services.definition_of(row)),
        }


# --- feeds ---------------------------------------------------------------------------------------

FEED_WRITERS = ("utility", "municipality", "secretariat")


@blp.route("/tenants/<slug>/feeds")
class Feeds(MethodView):
    @blp.response(200, DataFeedSchema(many=True))
    @blp.paginate()
    @blp.documents_errors(404)
    def get(self, slug, pagination_parameters):
        """The tenant's sensor classes and data feeds."""
        auth.enter_tenant(slug)
        return paginate(services.feeds_query(), pagination_parameters)

    @blp.arguments(DataFeedCreateSchema)
    @blp.response(201, DataFeedSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, slug):
        """Register a sensor class or data feed; refused when its sample does not conform."""
        tenant = auth.enter_tenant(slug, write=True, roles=FEED_WRITERS)
        return services.register_feed(get_session(), tenant.id, actor=audit.current_actor(), **data)


@blp.route("/tenants/<slug>/feeds/<int:feed_id>")
class FeedById(MethodView):
    @blp.response(200, DataFeedSchema)
    @blp.documents_errors(404)
    def get(self, slug, feed_id):
        """One feed with its counters."""
        auth.enter_tenant(slug)
        return services.get_feed(get_session(), feed_id)


@blp.route("/tenants/<slug>/feeds/<int:feed_id>/entities")
class FeedEntities(MethodView):
    @blp.doc(**RAW_BODY)
    @blp.response(200, ConformanceReportSchema)
    @blp.alt_response(207, schema=ConformanceReportSchema, description="Some entities were stored, the others refused")
    @blp.alt_response(422, schema=ConformanceReportSchema, description="No entity conforms; none was stored")
    @blp.documents_errors(400, 404, 409, 413)
    def post(self, slug, feed_id):
        """Push one entity or a batch: conforming ones are stored, the others refused with the report."""
        tenant = auth.enter_tenant(slug, write=True, roles=FEED_WRITERS)
        session = get_session()
        services.get_feed(session, feed_id)
        payload = payloads.read_json(request)
        report, stored = services.push_entities(session, tenant.id, feed_id, payload, actor=audit.current_actor())
        body = {**report.to_dict(), "stored": stored}
        status = 200 if stored == len(report.results) else (207 if stored else 422)
        return body, status


@blp.route("/tenants/<slug>/feeds/<int:feed_id>/conformance/history")
class FeedConformanceHistory(MethodView):
    @blp.response(200, FeedDaySchema(many=True))
    @blp.paginate()
    @blp.documents_errors(404)
    def get(self, slug, feed_id, pagination_parameters):
        """The feed's conformance over time: per day (Europe/Rome) received, conforming, refused and the
        share conforming, the latest day first."""
        auth.enter_tenant(slug)
        services.get_feed(get_session(), feed_id)
        return paginate(conformance.feed_days_query(feed_id), pagination_parameters)


# --- conformance ---------------------------------------------------------------------------------


@blp.route("/conformance")
class RegionalConformance(MethodView):
    @blp.response(200, ConformanceSummarySchema)
    @blp.documents_errors()
    def get(self):
        """Conformance region-wide (secretariat and auditors)."""
        auth.enter_regional()
        return conformance.conformance(get_session())


@blp.route("/tenants/<slug>/conformance")
class TenantConformance(MethodView):
    @blp.response(200, ConformanceSummarySchema)
    @blp.documents_errors(404)
    def get(self, slug):
        """Conformance of one tenant's feeds."""
        auth.enter_tenant(slug)
        return conformance.conformance(get_session())


# --- NGSI-LD export ------------------------------------------------------------------------------


@blp.route("/tenants/<slug>/ngsi-ld/entities")
class NgsiLdEntities(MethodView):
    @blp.arguments(NgsiLdExportQuerySchema, location="query")
    @blp.response(200, description="NGSI-LD entities (application/ld+json)")
    @blp.documents_errors(404)
    def get(self, query, slug):
        """The tenant's conforming entities and inventory assets as NGSI-LD, for a context broker."""
        tenant = auth.enter_tenant(slug)
        entities = list(
            export.iter_entities(
                get_session(), entity_type=query.get("type"), key_values=query["options"] == "keyValues"
            )
        )
        return Response(
            json.dumps(entities, default=str), mimetype=export.LD_JSON, headers={"NGSILD-Tenant": tenant.slug}
        )


@blp.route("/tenants/<slug>/ngsi-ld/push")
class NgsiLdPush(MethodView):
    @blp.arguments(NgsiLdPushSchema)
    @blp.response(202, NgsiLdPushJobSchema)
    @blp.documents_errors(400, 404)
    def post(self, data, slug):
        """Push the tenant's entities to a context broker in batches, as a background job."""
        tenant = auth.enter_tenant(slug, write=True, roles=FEED_WRITERS)
        broker = brokers.get_broker(get_session(), tenant.id, data["broker_id"])
        job = jobs.enqueue(
            get_session(),
            "default",
            "interoperability.jobs.push_tenant",
            tenant_id=tenant.id,
            description=f"NGSI-LD push of {tenant.slug} to {broker.name}",
            broker_id=broker.id,
            entity_type=data.get("type"),
            batch_size=data["batch_size"],
        )
        return job


# --- context brokers the push may reach ----------------------------------------------------------

@blp.route("/tenants/<slug>/ngsi-ld/brokers")
class ContextBrokers(MethodView):
    @blp.response(200, ContextBrokerSchema(many=True))
    @blp.documents_errors(404)
    def get(self, slug):
        """The brokers the tenant's push may reach (the tenant's members and the regional roles)."""
        tenant = auth.enter_tenant(slug)
        return get_session().scalars(brokers.brokers_query(tenant.id)).all()

    @blp.arguments(ContextBrokerInputSchema)
    @blp.response(201, ContextBrokerSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, slug):
        """Register a broker for the tenant (secretariat); loopback, link-local and private addresses are
        refused unless the installation allows them."""
        tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
        return brokers.register(get_session(), tenant.id, name=data["name"], url=data["url"],
                                policy=Policy.from_config(current_app.config), actor=audit.current_actor())


@blp.route("/tenants/<slug>/ngsi-ld/brokers/<int:broker_id>", methods=["DELETE"])
@blp.response(204)
@blp.documents_errors(404)
def remove_context_broker(slug, broker_id):
    """Take a broker off the tenant's list (secretariat)."""
    tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
    brokers.remove(get_session(), tenant.id, broker_id, actor=audit.current_actor())
