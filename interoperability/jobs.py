"""Background jobs of the module: inventory checks, silent feeds, pushes to a context broker."""

from __future__ import annotations

from typing import Any

from smartregion import jobs, tenancy
from sqlalchemy import select

from interoperability import conformance, export, inventory
from interoperability.models import Feed


def register() -> None:
    """Declare the periodic jobs (called from ``init_app``)."""
    jobs.periodic(
        "interoperability.jobs.check_inventories",
        cron="15 2 * * *",
        description="Check census inventory rows against the regional standards",
    )
    jobs.periodic(
        "interoperability.jobs.report_silent_feeds",
        cron="*/15 * * * *",
        description="Find feeds silent for longer than their standard allows",
    )


def check_inventories(ctx, **_kwargs: Any) -> dict[str, Any]:
    """Periodic: each tenant's inventory rows against the standard of their kind."""
    from smartregion.registry import Tenant

    from census.services import conformance_rows as reader

    totals = {"checked": 0, "conforming": 0, "skipped": 0}
    tenant_ids = ctx.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    for position, tenant_id in enumerate(tenant_ids, start=1):
        with tenancy.tenant_context(tenant_id):
            for kind, rows in reader(ctx.session, tenant_id):
                counters = inventory.check_rows(ctx.session, tenant_id, kind, rows)
                for key, value in counters.items():
                    totals[key] += value
        ctx.progress(100 * position / max(1, len(tenant_ids)))
    return totals


def report_silent_feeds(ctx, **_kwargs: Any) -> dict[str, Any]:
    """Periodic: the feeds that are silent for longer than their standard's maximum interval."""
    feeds = ctx.session.scalars(select(Feed)).all()
    silent = conformance.silent_feeds(feeds)
    return {
        "feeds": len(feeds),
        "silent": len(silent),
        "silent_feed_ids": [item["feed_id"] for item in silent],
    }


def push_tenant(
    ctx, *, broker_id: int, entity_type: str | None = None, batch_size: int = 100, **_kwargs: Any
) -> dict[str, Any]:
    """Push one tenant's NGSI-LD entities to one of its registered brokers, in batches with retries."""
    from smartregion.registry import Tenant

    from interoperability import brokers

    tenant = ctx.session.get(Tenant, ctx.tenant_id)
    # The address is read now, not when the push was asked: a broker taken off the list is not reached.
    broker = brokers.get_broker(ctx.session, ctx.tenant_id, broker_id)
    entities = list(export.iter_entities(ctx.session, entity_type=entity_type))
    total = max(1, len(entities))
    return export.push_to_broker(
        entities,
        broker.url,
        tenant=tenant.slug,
        batch_size=batch_size,
        progress=lambda sent: ctx.progress(100 * sent / total),
    )
