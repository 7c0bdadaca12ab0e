"""Standards, their lifecycle, feeds, pushed entities and conformance: the behaviour of the module."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from smartregion import audit
from smartregion.errors import Conflict, NotFound, Unprocessable, found, get_or_404
from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from interoperability.models import (
    Feed,
    FeedEntity,
    FeedKind,
    Standard,
    StandardVersion,
    VersionStatus,
    ViolationCount,
)
from interoperability.registry import SchemaRegistry, SchemaRegistryError
from interoperability.standards import SEMVER, DefinitionError, StandardDefinition
from interoperability.validation import CompiledStandard, Report, compile_standard

ROME = ZoneInfo("Europe/Rome")


def version_snapshot(version: StandardVersion) -> dict[str, Any]:
    return {
        "code": version.standard.code,
        "version": version.version,
        "status": version.status,
        "digest": version.digest,
        "sunset_on": version.sunset_on,
        "successor_id": version.successor_id,
    }


def _digest(stored: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(stored, sort_keys=True, default=str).encode()).hexdigest()


# --- standards -----------------------------------------------------------------------------------


def standards_query() -> Select:
    return select(Standard).order_by(Standard.code)


def get_standard(session: Session, code: str) -> Standard:
    return found(session.scalar(select(Standard).where(Standard.code == code)), f"Standard {code!r} does not exist.")


def get_version(session: Session, code: str, version: str) -> StandardVersion:
    row = session.scalar(
        select(StandardVersion)
        .join(StandardVersion.standard)
        .where(Standard.code == code, StandardVersion.version == version)
    )
    if row is None:
        known = session.scalars(
            select(StandardVersion.version).join(StandardVersion.standard).where(Standard.code == code)
        ).all()
        hint = f" Known versions: {', '.join(known)}." if known else f" Standard {code!r} has no versions."
        raise NotFound(f"Version {version!r} of standard {code!r} does not exist.{hint}")
    return row


def _checked_definition(
    data: dict[str, Any], registry: SchemaRegistry | None = None
) -> tuple[StandardDefinition, dict[str, Any]]:
    """Validate a definition and its schema references; returns it with its composed JSON Schema."""
    try:
        definition = StandardDefinition.from_dict(data)
    except DefinitionError as exc:
        raise Unprocessable("The standard definition is not valid.", errors=exc.errors) from None
    schema = definition.json_schema()
    custom = data.get("extra_schema")
    if custom is not None:
        if not isinstance(custom, dict):
            raise Unprocessable(
                "extra_schema must be a JSON Schema object.", errors={"extra_schema": ["not a JSON object"]}
            )
        schema["allOf"].append(custom)
    try:
        (registry or SchemaRegistry.shipped()).bundle(schema)
    except SchemaRegistryError as exc:
        field = "extra_schema" if custom is not None and exc.pointer.startswith("/allOf/2") else "upstream_schema"
        raise Unprocessable(
            f"The schema cannot be resolved offline: {exc.message}",
            errors={field: [f"{exc.rule} at {exc.pointer or '/'}: {exc.message}"]},
        ) from None
    return definition, schema


def create_standard(session: Session, definition: dict[str, Any], *, actor: str) -> StandardVersion:
    """Create a standard with its first draft version (secretariat)."""
    checked, schema = _checked_definition(definition)
    if session.scalar(select(Standard).where(Standard.code == checked.code)) is not None:
        raise Conflict(
            f"Standard {checked.code} already exists; add a version to it instead.",
            errors={"code": ["Already in use."]},
        )
    standard = Standard(
        code=checked.code,
        entity_type=checked.entity_type,
        title_it=checked.title["it"],
        title_en=checked.title["en"],
    )
    session.add(standard)
    session.flush()
    audit.record(
        session,
        action="interoperability.standard.create",
        entity_type="standard",
        entity_id=standard.code,
        after={"code": standard.code, "entity_type": standard.entity_type},
    )
    return _add_version(session, standard, checked, schema, definition, actor=actor)


def create_version(session: Session, code: str, definition: dict[str, Any], *, actor: str) -> StandardVersion:
    """Add a draft version to an existing standard."""
    standard = get_standard(session, code)
    definition = {**definition, "code": code}
    checked, schema = _checked_definition(definition)
    if checked.entity_type != standard.entity_type:
        raise Unprocessable(
            f"{code} profiles {standard.entity_type}; a version cannot change the entity type.",
            errors={"entity_type": [f"must be {standard.entity_type}"]},
        )
    if any(v.version == checked.version for v in standard.versions):
        raise Conflict(f"{code} {checked.version} already exists.", errors={"version": ["Already in use."]})
    return _add_version(session, standard, checked, schema, definition, actor=actor)


def _add_version(
    session: Session,
    standard: Standard,
    checked: StandardDefinition,
    schema: dict[str, Any],
    raw: dict[str, Any],
    *,
    actor: str,
) -> StandardVersion:
    stored = checked.to_dict()
    if raw.get("extra_schema") is not None:
        stored["extra_schema"] = raw["extra_schema"]
    version = StandardVersion(
        standard=standard,
        version=checked.version,
        status=VersionStatus.DRAFT,
        definition=stored,
        json_schema=schema,
        digest=_digest(stored),
        created_by=actor,
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        action="interoperability.version.create",
        entity_type="standard_version",
        entity_id=version.label,
        after=version_snapshot(version),
    )
    return version


def update_draft(session: Session, code: str, version: str, changes: dict[str, Any], *, actor: str) -> StandardVersion:
    """Edit a draft; a published or deprecated version is immutable (409)."""
    row = get_version(session, code, version)
    if row.status != VersionStatus.DRAFT:
        raise Conflict(
            f"{row.label} is {row.status}: a published standard is immutable. Create a new version to change it."
        )
    if "version" in changes and changes["version"] != version:
        raise Unprocessable(
            "The version number of a draft cannot be edited.",
            errors={"version": ["create a new version instead"]},
        )
    merged = {**row.definition, **changes, "code": code, "version": version}
    checked, schema = _checked_definition(merged)
    before = version_snapshot(row)
    stored = checked.to_dict()
    if merged.get("extra_schema") is not None:
        stored["extra_schema"] = merged["extra_schema"]
    row.definition, row.json_schema, row.digest = stored, schema, _digest(stored)
    row.standard.title_it, row.standard.title_en = checked.title["it"], checked.title["en"]
    session.flush()
    audit.record(
        session,
        action="interoperability.version.update",
        entity_type="standard_version",
        entity_id=row.label,
        before=before,
        after=version_snapshot(row),
    )
    return row


def publish(session: Session, code: str, version: str, *, actor: str) -> StandardVersion:
    """Publish a draft (secretariat): it becomes immutable and usable by feeds."""
    row = get_version(session, code, version)
    if row.status != VersionStatus.DRAFT:
        raise Conflict(f"{row.label} is already {row.status}.")
    compiled_for(row)
    before = version_snapshot(row)
    row.status, row.published_at, row.published_by = VersionStatus.PUBLISHED, datetime.now(UTC), actor
    session.flush()
    audit.record(
        session,
        action="interoperability.version.publish",
        entity_type="standard_version",
        entity_id=row.label,
        before=before,
        after=version_snapshot(row),
    )
    return row


def deprecate(
    session: Session, code: str, version: str, *, sunset_on: date, successor: str | None, actor: str,
    today: date | None = None,
) -> StandardVersion:
    """Deprecate a published version, with its sunset date and (optionally) its published successor.

    The sunset is a future day: feeds on the version keep working until then, and the deprecation can
    be withdrawn before it (a past sunset would refuse every feed at once, with no way back).
    """
    row = get_version(session, code, version)
    if row.status != VersionStatus.PUBLISHED:
        raise Conflict(f"Only a published version can be deprecated; {row.label} is {row.status}.")
    today = today or date.today()
    if sunset_on <= today:
        raise Unprocessable(
            f"The sunset must be a future day (after {today.isoformat()}): until then the feeds on "
            f"{row.label} keep working and the deprecation can be withdrawn.",
            errors={"sunset_on": [f"must be after {today.isoformat()}"]},
        )
    successor_row = None
    if successor:
        successor_row = get_version(session, code, successor)
        if successor_row.status != VersionStatus.PUBLISHED or successor_row.id == row.id:
            raise Unprocessable(
                "The successor must be another published version of the same standard.",
                errors={"successor": [f"{code} {successor} is {successor_row.status}"]},
            )
    before = version_snapshot(row)
    row.status, row.deprecated_at, row.sunset_on = VersionStatus.DEPRECATED, datetime.now(UTC), sunset_on
    row.successor_id = successor_row.id if successor_row else None
    session.flush()
    audit.record(
        session,
        action="interoperability.version.deprecate",
        entity_type="standard_version",
        entity_id=row.label,
        before=before,
        after=version_snapshot(row),
    )
    return row


def withdraw_deprecation(session: Session, code: str, version: str, *, actor: str,
                         today: date | None = None) -> StandardVersion:
    """Take a deprecation back before its sunset: the version is published again, as it was."""
    row = get_version(session, code, version)
    if row.status != VersionStatus.DEPRECATED:
        raise Conflict(f"{row.label} is {row.status}, not deprecated: there is nothing to withdraw.")
    today = today or date.today()
    if row.sunset_on is not None and row.sunset_on <= today:
        raise Conflict(f"{row.label} reached its sunset on {row.sunset_on.isoformat()}: the deprecation can no "
                       "longer be withdrawn; publish a new version instead.")
    before = version_snapshot(row)
    row.status, row.deprecated_at, row.sunset_on, row.successor_id = VersionStatus.PUBLISHED, None, None, None
    session.flush()
    audit.record(session, action="interoperability.version.withdraw_deprecation", entity_type="standard_version",
                 entity_id=row.label, before=before, after=version_snapshot(row))
    return row


def definition_of(row: StandardVersion) -> StandardDefinition:
    data = {key: value for key, value in row.definition.items() if key != "extra_schema"}
    return StandardDefinition.from_dict(data)


def compiled_for(row: StandardVersion) -> CompiledStandard:
    """The compiled validator of a stored version (cached by code, version and digest)."""
    definition = definition_of(row)
    if row.definition.get("extra_schema") is None:
        return compile_standard(definition)
    cached = _EXTRA.get(row.digest)
    if cached is None:
        cached = _EXTRA[row.digest] = CompiledStandard(definition, schema=row.json_schema)
    return cached


_EXTRA: dict[str, CompiledStandard] = {}


def validate_payload(session: Session, code: str, version: str, payload: Any) -> Report:
    """Conformance report of one entity or a list against a standard version (any status but draft
    is usable by everyone; drafts are validated too, so the secretariat can try them)."""
    row = get_version(session, code, version)
    return compiled_for(row).validate(payload)


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


def push_entities(session: Session, tenant_id: int, feed_id: int, payload: Any, *, actor: str) -> tuple[Report, int]:
    """Validate entities pushed to a feed; store the conforming ones, count and refuse the others.

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
        after={"received": len(report.results), "stored": stored, "refused": refused},
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
