"""The ``smartregion ngsi-ld`` commands: export a tenant's entities and push them to a context broker."""

from __future__ import annotations

import json
import sys

import click


@click.group("ngsi-ld")
def ngsi_ld() -> None:
    """NGSI-LD export of the tenants' conforming entities."""


def _app():
    from smartregion.app import create_app

    return create_app()


@ngsi_ld.command("export")
@click.option("--tenant", "slug", required=True, help="Tenant slug, e.g. firenze.")
@click.option("--type", "entity_type", default=None, help="Only entities of this type.")
@click.option("--key-values", is_flag=True, help="Key-values instead of normalized.")
def export_command(slug: str, entity_type: str | None, key_values: bool) -> None:
    """Print the tenant's entities as an NGSI-LD JSON array."""
    from interoperability import export

    app = _app()
    with app.app_context():
        session, tenant_id = _enter(slug)
        entities = list(export.iter_entities(session, entity_type=entity_type, key_values=key_values))
    json.dump(entities, sys.stdout, default=str, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


@ngsi_ld.command("push")
@click.option("--tenant", "slug", required=True, help="Tenant slug, e.g. firenze.")
@click.option("--broker", "broker_url", required=True, help="Broker base URL, e.g. http://orion-ld:1026.")
@click.option("--type", "entity_type", default=None, help="Only entities of this type.")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 1000))
@click.option("--retries", default=3, show_default=True, type=click.IntRange(0, 10))
def push_command(slug: str, broker_url: str, entity_type: str | None, batch_size: int, retries: int) -> None:
    """Upsert the tenant's entities into a broker (NGSILD-Tenant: the tenant), in batches with retries."""
    from interoperability import export

    app = _app()
    with app.app_context():
        session, _tenant_id = _enter(slug)
        entities = list(export.iter_entities(session, entity_type=entity_type))
        try:
            result = export.push_to_broker(entities, broker_url, tenant=slug, batch_size=batch_size, retries=retries)
        except export.BrokerError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        f"Pushed {result['sent']} entities of {slug} in {result['batches']} batches "
        f"({result['attempts']} requests, {len(result['refused'])} refused by the broker)."
    )


def _enter(slug: str):
    from smartregion import tenancy
    from smartregion.db import db
    from smartregion.registry import Tenant
    from sqlalchemy import select

    session = db.session()
    with tenancy.regional_scope():
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"No tenant {slug!r}.")
    session.rollback()
    tenancy.set_tenant(tenant.id)
    return session, tenant.id


commands = [ngsi_ld]
