"""Feeds, their pushed entities and the conformance of what they push."""


from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from smartregion import audit
from smartregion.errors import Conflict, Unprocessable, found, get_or_404
from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from interoperability.models import (
    Feed,
    FeedDay,
    FeedEntity,
    FeedKind,
    Standard,
    StandardVersion,
    VersionStatus,
    ViolationCount,
)
from interoperability.services.standards import compiled_for, get_version
from interoperability.standards import SEMVER
from interoperability.validation import Report

ROME = ZoneInfo("Europe/Rome")


# --- feeds ---------------------------------------------------------------------------------------


def feed_snapshot(feed: Feed) -> dict[str, Any]:
    return {"id": feed.id, "name": feed.name, "kind": feed.kind, "standard": feed.standard_version.label}


def feeds_query() -> Select:
    return select(Feed).order_by(Feed.id)


def get_feed(session: Session, feed_id: int) -> Feed:
    return found(session.scalar(select(Feed).where(Feed.id == feed_id)), f"Feed {feed_id} not found.")


def register_feed(
    session: Session,
    tenant_id: int,
    *,
    name: str,
    standard: str,
    version: str,
    sample: Any,
    kind: str = FeedKind.DATA_FEED,
    description: str | None = None,
    actor: str,
) -> Feed:
    """Register a sensor class or data feed; refused (422, with the report) if the sample does not conform."""
    row = get_version(session, standard, version)
    if row.status != VersionStatus.PUBLISHED:
        raise Unprocessable(
            f"{row.label} is {row.status}; feeds register against a published version.",
            errors={"version": [f"{row.label} is {row.status}"]},
        )
    if not isinstance(sample, dict):
        raise Unprocessable(
            "The sample must be one NGSI-LD entity (a JSON object).", errors={"sample": ["not a JSON object"]}
        )
    report = compiled_for(row).validate(sample)
    if not report.valid:
        errors = {f"sample{e.pointer}": [f"{e.rule}: {e.message}"] for e in report.results[0].errors}
        raise Unprocessable(f"The sample does not conform to {row.label}; fix it and register again.", errors=errors)
    if session.scalar(select(Feed).where(Feed.tenant_id == tenant_id, Feed.name == name)) is not None:
        raise Conflict(f"A feed named {name!r} already exists.", errors={"name": ["Already in use."]})
    feed = Feed(
        tenant_id=tenant_id,
        name=name,
        kind=kind,
        description=description,
        standard_version=row,
        sample=sample,
        created_by=actor,
        received=0,
        accepted=0,
        refused=0,
    )
    session.add(feed)
    session.flush()
    audit.record(
        session,
        action="interoperability.feed.register",
        entity_type="feed",
        entity_id=feed.id,
        tenant_id=tenant_id,
        after=feed_snapshot(feed),
    )
    return feed


def observation_time(value: Any) -> datetime | None:
    """The instant of an observation timestamp (end of an interval; local time read as Europe/Rome)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.split("/")[-1].replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ROME)


def push_entities(session: Session, tenant_id: int, feed_id: int, payload: Any, *, actor: str,
                  day: date | None = None) -> tuple[Report, int]:
    """Validate entities pushed to a feed; store the conforming ones, count and refuse the others.

    The counts are added to the feed's totals and to its ``day`` (today in Europe/Rome unless given).
    Returns the report and the number stored.
    """
    feed = get_feed(session, feed_id)
    row = feed.standard_version
    if row.status == VersionStatus.DEPRECATED and row.sunset_on and row.sunset_on < date.today():
        raise Conflict(
            f"{row.label} reached its sunset on {row.sunset_on}; register the feed against "
            f"{row.successor.label if row.successor else 'a published version'}."
        )
    compiled = compiled_for(row)
    report = compiled.validate(payload)
    now = datetime.now(UTC)
    observed_attr = compiled.definition.observed_at
    stored, latest = 0, feed.last_observed_at
    rows: dict[str, dict[str, Any]] = {}
    for result in report.results:
        if not result.valid:
            continue
        key_values = result.key_values or {}
        observed = observation_time(key_values.get(observed_attr)) if observed_attr else None
        # the last state of an entity sent twice in one batch wins, as it would over two requests
        rows[result.id] = {
            "tenant_id": tenant_id,
            "feed_id": feed.id,
            "entity_id": result.id,
            "entity_type": result.type,
            "key_values": key_values,
            "observed_at": observed,
            "updated_at": now,
            "updates": 1,
        }
        stored += 1
        if observed and (latest is None or observed > latest):
            latest = observed
    if rows:
        statement = insert(FeedEntity)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["tenant_id", "entity_id"],
                set_={
                    "feed_id": statement.excluded.feed_id,
                    "entity_type": statement.excluded.entity_type,
                    "key_values": statement.excluded.key_values,
                    "observed_at": statement.excluded.observed_at,
                    "updated_at": statement.excluded.updated_at,
                    "updates": FeedEntity.updates + 1,
                },
            ),
            list(rows.values()),
        )
    refused = len(report.results) - stored
    _count_violations(session, tenant_id, feed.id, report, now)
    day = day or now.astimezone(ROME).date()
    if report.results:
        _count_day(session, tenant_id, feed.id, day, len(report.results), stored)
    feed.received += len(report.results)
    feed.accepted += stored
    feed.refused += refused
    feed.last_received_at = now
    feed.last_observed_at = latest or (now if stored else feed.last_observed_at)
    session.flush()
    audit.record(
        session,
        action="interoperability.feed.push",
        entity_type="feed",
        entity_id=feed.id,
        tenant_id=tenant_id,
        after={"received": len(report.results), "stored": stored, "refused": refused, "day": day.isoformat()},
    )
    return report, stored


def _count_violations(session: Session, tenant_id: int, feed_id: int, report: Report, now: datetime) -> None:
    counts: dict[tuple[str, str], list[Any]] = {}
    for result in report.results:
        for error in result.errors:
            key = (error.rule, error.attribute or "")
            entry = counts.setdefault(key, [0, error.message])
            entry[0] += 1
            entry[1] = error.message
    for (rule, attribute), (count, message) in counts.items():
        statement = insert(ViolationCount).values(
            tenant_id=tenant_id,
            feed_id=feed_id,
            rule=rule,
            attribute=attribute,
            count=count,
            last_message=message,
            last_seen_at=now,
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["tenant_id", "feed_id", "rule", "attribute"],
                set_={"count": ViolationCount.count + count, "last_message": message, "last_seen_at": now},
            )
        )


def _count_day(session: Session, tenant_id: int, feed_id: int, day: date, received: int, accepted: int) -> None:
    statement = insert(FeedDay).values(tenant_id=tenant_id, feed_id=feed_id, day=day, received=received,
                                       accepted=accepted, refused=received - accepted)
    session.execute(statement.on_conflict_do_update(
        index_elements=["tenant_id", "feed_id", "day"],
        set_={"received": FeedDay.received + received, "accepted": FeedDay.accepted + accepted,
              "refused": FeedDay.refused + received - accepted},
    ))


def standard_of_version(session: Session, version_id: int) -> StandardVersion:
    return get_or_404(session, StandardVersion, version_id, f"Standard version {version_id} not found.")


def latest_published(session: Session, code: str) -> StandardVersion | None:
    rows = session.scalars(
        select(StandardVersion)
        .join(StandardVersion.standard)
        .where(Standard.code == code, StandardVersion.status == VersionStatus.PUBLISHED)
    ).all()
    if not rows:
        return None
    return max(rows, key=lambda r: tuple(int(p) for p in SEMVER.match(r.version).groups()))


def conformance(session: Session, **options) -> dict[str, Any]:
    """Share of conforming entities per tenant, standard and feed (`interoperability.conformance`)."""
    from interoperability import conformance as reading  # it reads this module's definitions

    return reading.conformance(session, **options)
