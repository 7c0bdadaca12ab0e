"""Standards and their lifecycle: drafts, publication, deprecation, validation of a payload."""


from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from smartregion import audit
from smartregion.errors import Conflict, NotFound, Unprocessable, found
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from interoperability.models import (
    Standard,
    StandardVersion,
    VersionStatus,
)
from interoperability.registry import SchemaRegistry, SchemaRegistryError
from interoperability.standards import DefinitionError, StandardDefinition
from interoperability.validation import CompiledStandard, Report, compile_standard


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


