"""Conformance (conformità): share of conforming entities, frequent violations, silent feeds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from interoperability.models import Feed, FeedDay, FeedEntity, ViolationCount
from interoperability.services import definition_of


def _share(accepted: int, received: int) -> float | None:
    return round(accepted / received, 4) if received else None


def feed_days_query(feed_id: int) -> Select:
    """A feed's days with what it received, the latest first."""
    return select(FeedDay).where(FeedDay.feed_id == feed_id).order_by(FeedDay.day.desc())


def feed_history(session: Session, feed: Feed, *, days: int = 60) -> list[dict[str, Any]]:
    """The feed's latest ``days`` days with entities received, oldest first: its conformance over time."""
    rows = session.scalars(feed_days_query(feed.id).limit(days)).all()
    return [{"day": row.day, "received": row.received, "accepted": row.accepted, "refused": row.refused,
             "share": row.share} for row in reversed(rows)]


def silent_feeds(feeds: Iterable[Feed], now: datetime | None = None) -> list[dict[str, Any]]:
    """Feeds whose last observation is older than their standard's maximum interval."""
    now = now or datetime.now(UTC)
    out = []
    for feed in feeds:
        interval = definition_of(feed.standard_version).max_interval
        if interval is None:
            continue
        last = feed.last_observed_at or feed.last_received_at
        reference = last or feed.created_at
        if reference is not None and now - reference > interval:
            out.append(
                {
                    "feed_id": feed.id,
                    "tenant_id": feed.tenant_id,
                    "name": feed.name,
                    "standard": feed.standard_version.label,
                    "last_observed_at": last,
                    "max_interval": definition_of(feed.standard_version).max_observation_interval,
                    "silent_for_s": int((now - reference).total_seconds()),
                }
            )
    return out


def conformance(session: Session, *, now: datetime | None = None, top: int = 10) -> dict[str, Any]:
    """Share of conforming entities per tenant, standard and feed, frequent violations, silent feeds.

    Reads what the session's scope allows: one tenant, or the region for the secretariat and auditors.
    """
    from smartregion.registry import Tenant

    feeds = session.scalars(select(Feed).order_by(Feed.tenant_id, Feed.id)).all()
    slugs = dict(session.execute(select(Tenant.id, Tenant.slug)).all())
    per_feed, per_tenant, per_standard = [], {}, {}
    for feed in feeds:
        label = feed.standard_version.label
        per_feed.append(
            {
                "feed_id": feed.id,
                "tenant": slugs.get(feed.tenant_id),
                "name": feed.name,
                "standard": label,
                "received": feed.received,
                "accepted": feed.accepted,
                "refused": feed.refused,
                "share": _share(feed.accepted, feed.received),
                "last_observed_at": feed.last_observed_at,
            }
        )
        for bucket, key in ((per_tenant, slugs.get(feed.tenant_id)), (per_standard, label)):
            entry = bucket.setdefault(key, {"received": 0, "accepted": 0, "refused": 0, "feeds": 0})
            entry["received"] += feed.received
            entry["accepted"] += feed.accepted
            entry["refused"] += feed.refused
            entry["feeds"] += 1
    for bucket in (per_tenant, per_standard):
        for entry in bucket.values():
            entry["share"] = _share(entry["accepted"], entry["received"])
    violations = session.execute(
        select(
            ViolationCount.rule,
            ViolationCount.attribute,
            func.sum(ViolationCount.count).label("count"),
            func.max(ViolationCount.last_message).label("message"),
        )
        .group_by(ViolationCount.rule, ViolationCount.attribute)
        .order_by(func.sum(ViolationCount.count).desc(), ViolationCount.rule)
        .limit(top)
    ).all()
    return {
        "tenants": [{"tenant": key, **value} for key, value in sorted(per_tenant.items(), key=lambda i: str(i[0]))],
        "standards": [{"standard": key, **value} for key, value in sorted(per_standard.items())],
        "feeds": per_feed,
        "top_violations": [
            {"rule": r.rule, "attribute": r.attribute or None, "count": int(r.count), "example": r.message}
            for r in violations
        ],
        "silent_feeds": [{**item, "tenant": slugs.get(item["tenant_id"])} for item in silent_feeds(feeds, now)],
    }


def feed_conformance(session: Session, feed: Feed, *, now: datetime | None = None, recent: int = 10) -> dict[str, Any]:
    """One feed's conformance: share, silence, its violations (most frequent first), its latest stored entities."""
    violations = session.scalars(
        select(ViolationCount)
        .where(ViolationCount.feed_id == feed.id)
        .order_by(ViolationCount.count.desc(), ViolationCount.rule, ViolationCount.attribute)
    ).all()
    stored = session.scalar(select(func.count()).select_from(FeedEntity).where(FeedEntity.feed_id == feed.id))
    latest = session.scalars(
        select(FeedEntity)
        .where(FeedEntity.feed_id == feed.id)
        .order_by(FeedEntity.updated_at.desc(), FeedEntity.entity_id)
        .limit(recent)
    ).all()
    silent = silent_feeds([feed], now)
    return {
        "share": _share(feed.accepted, feed.received),
        "silent": silent[0] if silent else None,
        "violations": [
            {"rule": v.rule, "attribute": v.attribute or None, "count": v.count, "message": v.last_message,
             "last_seen_at": v.last_seen_at}
            for v in violations
        ],
        "stored": stored or 0,
        "latest": [
            {"entity_id": e.entity_id, "entity_type": e.entity_type, "observed_at": e.observed_at,
             "updated_at": e.updated_at, "updates": e.updates}
            for e in latest
        ],
    }
