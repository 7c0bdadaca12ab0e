"""REST API of organizations and tenants: the secretariat creates, edits and suspends; members read."""

from __future__ import annotations

from flask.views import MethodView
from smartregion import auth, tenancy
from smartregion.api import Blueprint, dumped, paginate, paginate_compiled
from smartregion.db import get_session
from smartregion.errors import NotFound

from tenants import services
from tenants.schemas import (
    AcceptedSchema,
    LeadCompanySchema,
    MembershipSchema,
    OrganizationQuerySchema,
    OrganizationSchema,
    OrganizationUpdateSchema,
    TenantReasonSchema,
    TenantSchema,
    TenantUpdateSchema,
)

blp = Blueprint("tenants", __name__, url_prefix="/api/v1", description="Organizations, tenants and memberships")




@blp.route("/organizations")
class Organizations(MethodView):
    @blp.arguments(OrganizationQuerySchema, location="query")
    @blp.response(200, OrganizationSchema(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, query, pagination_parameters):
        """Organizations: all for the secretariat and auditors, those of one's tenants for members."""
        user = auth.require_user()
        slugs = None if user.is_regional else user.tenant_slugs
        with tenancy.regional_scope():  # filtered to the caller's tenants just below
            statement = services.organizations_query(kind=query.get("kind"), q=query.get("q"), tenant_slugs=slugs)
            return paginate(statement, pagination_parameters)

    @blp.arguments(OrganizationSchema)
    @blp.response(201, OrganizationSchema)
    @blp.documents_errors(400, 409, 422)
    def post(self, data):
        """Register an organization (secretariat)."""
        auth.require_roles("secretariat")
        return services.create_organization(get_session(), **data)


@blp.route("/organizations/<int:org_id>")
class OrganizationById(MethodView):
    @blp.response(200, OrganizationSchema)
    @blp.documents_errors(404)
    def get(self, org_id):
        """One organization."""
        user = auth.require_user()
        session = get_session()
        org = services.get_organization(session, org_id)
        if not user.is_regional:
            with tenancy.regional_scope():
                visible = session.scalar(services.organizations_query(tenant_slugs=user.tenant_slugs)
                                         .where(services.Organization.id == org_id))
            if visible is None:
                raise NotFound(f"Organization {org_id} not found.")
        return org

    @blp.arguments(OrganizationUpdateSchema(partial=True))
    @blp.response(200, OrganizationSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def patch(self, data, org_id):
        """Edit an organization (secretariat)."""
        auth.require_roles("secretariat")
        return services.update_organization(get_session(), org_id, **data)


@blp.route("/tenants")
class Tenants(MethodView):
    @blp.response(200, TenantSchema(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, pagination_parameters):
        """Tenants: all for the secretariat and auditors, one's own for members."""
        user = auth.require_user()
        slugs = None if user.is_regional else user.tenant_slugs
        rows = paginate_compiled(*services.tenant_list(slugs=slugs), pagination_parameters)
        return dumped(services.tenant_items(rows))

    @blp.arguments(TenantSchema)
    @blp.response(201, TenantSchema)
    @blp.documents_errors(400, 409, 422)
    def post(self, data):
        """Open a tenant for a municipality and its lead company (secretariat); it starts pending."""
        auth.enter_regional("secretariat")
        return services.create_tenant(get_session(), **data)


@blp.route("/tenants/<slug>")
class TenantBySlug(MethodView):
    @blp.response(200, TenantSchema)
    @blp.documents_errors(404)
    def get(self, slug):
        """One tenant (404 for tenants the caller does not belong to)."""
        return auth.enter_tenant(slug)

    @blp.arguments(TenantUpdateSchema)
    @blp.response(200, TenantSchema)
    @blp.documents_errors(400, 404)
    def patch(self, data, slug):
        """Edit a tenant (secretariat)."""
        auth.enter_tenant(slug, write=True, roles=("secretariat",))
        return services.update_tenant(get_session(), slug, **data)


@blp.route("/tenants/<slug>/accept", methods=["POST"])
@blp.response(202, AcceptedSchema)
@blp.documents_errors(404, 409)
def accept_tenant(slug):
    """Activate a tenant; a job provisions its identity-provider group ``/tenants/<slug>``."""
    auth.enter_tenant(slug, write=True, roles=("secretariat",))
    tenant, job = services.accept_tenant(get_session(), slug)
    return {"tenant": tenant, "job_id": job.id}


@blp.route("/tenants/<slug>/suspend", methods=["POST"])
@blp.arguments(TenantReasonSchema)
@blp.response(200, TenantSchema)
@blp.documents_errors(400, 404, 409)
def suspend_tenant(data, slug):
    """Suspend a tenant, with a reason (secretariat); its data stay readable."""
    auth.enter_tenant(slug, write=True, roles=("secretariat",))
    return services.suspend_tenant(get_session(), slug, data["reason"])


@blp.route("/tenants/<slug>/reactivate", methods=["POST"])
@blp.arguments(TenantReasonSchema)
@blp.response(200, TenantSchema)
@blp.documents_errors(400, 404, 409)
def reactivate_tenant(data, slug):
    """Reactivate a suspended tenant, with a reason (secretariat)."""
    auth.enter_tenant(slug, write=True, roles=("secretariat",))
    return services.reactivate_tenant(get_session(), slug, data["reason"])


@blp.route("/tenants/<slug>/lead-company", methods=["PUT"])
@blp.arguments(LeadCompanySchema)
@blp.response(200, TenantSchema)
@blp.documents_errors(400, 404, 409, 422)
def change_lead_company(data, slug):
    """Replace the tenant's lead participated company, with a reason kept in the audit log."""
    auth.enter_tenant(slug, write=True, roles=("secretariat",))
    return services.change_lead_company(get_session(), slug, data["organization_id"], data["reason"])


@blp.route("/tenants/<slug>/memberships")
class Memberships(MethodView):
    @blp.response(200, MembershipSchema(many=True))
    @blp.documents_errors(404)
    def get(self, slug):
        """Organizations serving this tenant."""
        tenant = auth.enter_tenant(slug)
        return services.memberships(get_session(), tenant.id)

    @blp.arguments(MembershipSchema)
    @blp.response(201, MembershipSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, slug):
        """Let a utility serve this tenant (secretariat)."""
        tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
        return services.add_membership(get_session(), tenant.id, data["organization_id"], data["role"])


@blp.route("/tenants/<slug>/memberships/<int:membership_id>", methods=["DELETE"])
@blp.response(204)
@blp.documents_errors(404, 409)
def remove_membership(slug, membership_id):
    """Remove a utility from this tenant (secretariat)."""
    tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
    services.remove_membership(get_session(), tenant.id, membership_id)
