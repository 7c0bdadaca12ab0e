"""NGSI-LD export of a tenant's conforming feed entities and every cadastre asset, and pushes to a context broker."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
from flask import current_app, has_app_context
from smartregion import tenancy
from smartregion.outbound import AddressRefused, OutboundSession, Policy, check_url
from sqlalchemy import select
from sqlalchemy.orm import Session

from interoperability import assets, ngsild
from interoperability.models import FeedEntity
from interoperability.services import definition_of

log = logging.getLogger(__name__)

LD_JSON = "application/ld+json"
UPSERT_PATH = "/ngsi-ld/v1/entityOperations/upsert"


def _normalize(key_values: dict[str, Any], units: dict[str, str], timestamps: set[str]) -> dict[str, Any]:
    return ngsild.to_normalized(key_values, units=units, datetimes=timestamps)


def iter_entities(
    session: Session, *, entity_type: str | None = None, key_values: bool = False, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """The tenant's entities (session scope) as NGSI-LD bodies with ``@context``, normalized by default:
    the conforming entities of its feeds, then every asset of its network cadastre, typed by kind."""
    statement = select(FeedEntity).order_by(FeedEntity.entity_id)
    if entity_type:
        statement = statement.where(FeedEntity.entity_type == entity_type)
    profiles: dict[int, tuple[dict[str, str], set[str]]] = {}
    for row in session.scalars(statement.execution_options(yield_per=batch)):
        yield ngsild.with_context(
            row.key_values if key_values else _normalize(row.key_values, *_profile(session, row.feed_id, profiles))
        )
    yield from assets.entities(_cadastre(session, entity_type), key_values=key_values, entity_type=entity_type)


def _cadastre(session: Session, entity_type: str | None) -> Iterator[dict[str, Any]]:
    """The tenant's cadastre assets, read through the census (only the kinds of one type when asked)."""
    from census.services import features

    tenant_id = tenancy.current_tenant_id()
    kinds = [None] if not entity_type else [k for k, t in assets.ASSET_TYPES.items() if t.entity_type == entity_type]
    for kind in kinds:
        yield from features.iter_assets(session, tenant_id, kind=kind)


def _profile(
    session: Session, feed_id: int, cache: dict[int, tuple[dict[str, str], set[str]]]
) -> tuple[dict[str, str], set[str]]:
    if feed_id not in cache:
        from interoperability.models import Feed

        feed = session.scalar(select(Feed).where(Feed.id == feed_id))
        definition = definition_of(feed.standard_version)
        cache[feed_id] = (definition.units, set(definition.timestamps))
    return cache[feed_id]


class BrokerError(RuntimeError):
    """The broker refused a batch after every retry."""


def _refused_entity(entry: Any) -> dict[str, Any]:
    """A broker's per-entity refusal, reduced to the entity and the error's type and title (bounded)."""
    entry = entry if isinstance(entry, dict) else {}
    error = entry.get("error") if isinstance(entry.get("error"), dict) else {}
    kept = {key: str(error[key])[:200] for key in ("type", "title") if error.get(key) is not None}
    return {"entityId": str(entry.get("entityId"))[:300], "error": kept}


def push_to_broker(
    entities: Iterator[dict[str, Any]] | list[dict[str, Any]],
    broker_url: str,
    *,
    tenant: str,
    batch_size: int = 100,
    retries: int = 3,
    backoff_s: float = 0.5,
    timeout_s: float = 30,
    progress: Callable[[int], None] | None = None,
    session: requests.Session | None = None,
    policy: Policy | None = None,
) -> dict[str, Any]:
    """POST the entities to ``<broker>/ngsi-ld/v1/entityOperations/upsert`` in batches, retrying failures.

    A batch is retried on connection errors and 5xx/429 answers, with exponential backoff; a 207 answer
    lists the entities the broker refused, which are reported without retrying the batch. The broker's
    address must be one outbound calls may reach (``policy``, from the configuration by default);
    redirects are not followed and the broker's answers are logged, never put in the error.
    """
    if policy is None:
        policy = Policy.from_config(current_app.config) if has_app_context() else Policy()
    try:
        base = check_url(broker_url, policy)
    except AddressRefused as exc:
        raise BrokerError(f"the broker's address is refused: {exc}") from None
    own_session = session is None
    http = session or OutboundSession(policy, timeout=timeout_s)
    url = base + UPSERT_PATH
    headers = {"Content-Type": LD_JSON, "Accept": "application/json", "NGSILD-Tenant": tenant}
    sent = batches = attempts = 0
    refused: list[dict[str, Any]] = []
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal sent, batches, attempts
        if not chunk:
            return
        for attempt in range(1, retries + 2):
            attempts += 1
            try:
                response = http.post(url, json=chunk, headers=headers, timeout=timeout_s)
            except requests.RequestException as exc:
                log.warning("broker push batch %s attempt %s: %s", batches + 1, attempt, exc)
                failure = f"{type(exc).__name__} (the broker could not be reached)"
            else:
                if response.status_code in (200, 201, 204):
                    break
                if response.status_code == 207:
                    try:
                        body = response.json() if response.content else {}
                    except ValueError:
                        body = {}
                    errors = body.get("errors", []) if isinstance(body, dict) else []
                    refused.extend(_refused_entity(entry) for entry in errors[:len(chunk)])
                    break
                log.warning("broker answered batch %s with HTTP %s: %.300s", batches + 1, response.status_code,
                            response.text)
                failure = f"HTTP {response.status_code}"
                if 300 <= response.status_code < 400:
                    raise BrokerError(f"the broker answered batch {batches + 1} with a redirect ({failure}), "
                                      "which is not followed: register the broker's final address")
                if response.status_code < 500 and response.status_code != 429:
                    raise BrokerError(f"the broker refused batch {batches + 1}: {failure}")
            if attempt > retries:
                raise BrokerError(f"batch {batches + 1} failed after {attempt} attempts: {failure}")
            time.sleep(backoff_s * 2 ** (attempt - 1))
        sent += len(chunk)
        batches += 1
        chunk.clear()
        if progress:
            progress(sent)

    try:
        for entity in entities:
            chunk.append(entity)
            if len(chunk) >= batch_size:
                flush()
        flush()
    finally:
        if own_session:
            http.close()
    return {
        "sent": sent,
        "batches": batches,
        "attempts": attempts,
        "refused": refused,
        "tenant": tenant,
        "broker": base,
    }


