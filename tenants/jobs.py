"""Background jobs of the tenants module."""

from __future__ import annotations

from smartregion.jobs import JobContext

from tenants import identity


def provision_group(ctx: JobContext, *, slug: str) -> dict:
    """Create the tenant's identity-provider group ``/tenants/<slug>`` (idempotent)."""
    ctx.progress(10, "connecting to the identity provider")
    outcome = identity.ensure_tenant_group(ctx.app, slug)
    from smartregion.registry import Tenant
    from sqlalchemy import select

    tenant = ctx.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is not None:
        tenant.keycloak_group = outcome["path"]
    return outcome
