"""Background jobs of the tenants module."""

from __future__ import annotations

from smartregion import audit
from smartregion.jobs import JobContext

from tenants import identity


def provision_group(ctx: JobContext, *, slug: str) -> dict:
    """Create the tenant's identity-provider group ``/tenants/<slug>`` (idempotent)."""
    ctx.progress(10, "connecting to the identity provider")
    outcome = identity.ensure_tenant_group(ctx.app, slug)
    from smartregion.registry import Tenant
    from sqlalchemy import select

    tenant = ctx.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is not None and tenant.keycloak_group != outcome["path"]:
        before = tenant.keycloak_group
        tenant.keycloak_group = outcome["path"]
        # Audited like every write: the audit heads are also what tells cached reads that the tenant changed.
        audit.record(ctx.session, action="tenant.group.provision", entity_type="tenant", entity_id=tenant.id,
                     tenant_id=tenant.id, before={"keycloak_group": before},
                     after={"keycloak_group": tenant.keycloak_group}, actor="system:provisioning")
    return outcome
