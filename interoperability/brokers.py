"""The context brokers a tenant's NGSI-LD push may reach, registered by the secretariat.

A push names a registered broker, never an address: a municipality or utility cannot send the tenant's
data (or the platform's requests) anywhere else. The address is checked when it is registered and
again at each connection (``smartregion.outbound``).
"""

from __future__ import annotations

from smartregion import audit
from smartregion.errors import Conflict, NotFound, Unprocessable
from smartregion.outbound import AddressRefused, Policy, check_url
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from interoperability.models import ContextBroker


def brokers_query(tenant_id: int) -> Select:
    return select(ContextBroker).where(ContextBroker.tenant_id == tenant_id).order_by(ContextBroker.name)


def get_broker(session: Session, tenant_id: int, broker_id: int) -> ContextBroker:
    broker = session.scalar(select(ContextBroker).where(ContextBroker.tenant_id == tenant_id,
                                                        ContextBroker.id == broker_id))
    if broker is None:
        raise NotFound(f"Context broker {broker_id} is not registered for this tenant.")
    return broker


def _snapshot(broker: ContextBroker) -> dict:
    return {"id": broker.id, "name": broker.name, "url": broker.url}


def register(session: Session, tenant_id: int, *, name: str, url: str, policy: Policy, actor: str) -> ContextBroker:
    """Register a broker for a tenant, once its address is one outbound calls may reach."""
    name = name.strip()
    if not name:
        raise Unprocessable("The broker needs a name.", errors={"name": ["required"]})
    try:
        url = check_url(url, policy)
    except AddressRefused as exc:
        raise Unprocessable(f"The broker's address is refused: {exc}.", errors={"url": [str(exc)]}) from None
    if session.scalar(select(ContextBroker.id).where(ContextBroker.tenant_id == tenant_id,
                                                      ContextBroker.url == url)) is not None:
        raise Conflict("This broker is already registered for the tenant.", errors={"url": ["already registered"]})
    broker = ContextBroker(tenant_id=tenant_id, name=name, url=url, registered_by=actor)
    session.add(broker)
    session.flush()
    audit.record(session, action="interoperability.broker.register", entity_type="context_broker",
                 entity_id=broker.id, tenant_id=tenant_id, after=_snapshot(broker))
    return broker


def remove(session: Session, tenant_id: int, broker_id: int, *, actor: str) -> None:
    """Take a broker off the tenant's list; pushes already queued to it stop at their next batch."""
    broker = get_broker(session, tenant_id, broker_id)
    before = _snapshot(broker)
    session.delete(broker)
    session.flush()
    audit.record(session, action="interoperability.broker.remove", entity_type="context_broker",
                 entity_id=broker_id, tenant_id=tenant_id, before=before)
