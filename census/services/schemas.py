"""Survey schemas: drafts, approval by the secretariat (who and when), retirement; approved is immutable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from smartregion import audit
from smartregion.errors import Conflict, Unprocessable, found
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from census.models import SchemaStatus, SurveySchema
from census.surveys import DefinitionError, SchemaDefinition, parse_definition, shipped_definitions

# Keyed by id and approval time: ids start again when a database is recreated, approval times do not.
_parsed: dict[tuple[int, object], SchemaDefinition] = {}


def schema_snapshot(schema: SurveySchema) -> dict:
    return {"id": schema.id, "key": schema.key, "version": schema.version, "status": schema.status,
            "approved_by": schema.approved_by, "approved_at": schema.approved_at}


def definition_of(schema: SurveySchema) -> SchemaDefinition:
    """The parsed definition of a stored schema (approved ones are parsed once: they never change)."""
    cache_key = (schema.id, schema.approved_at)
    if schema.status != SchemaStatus.DRAFT and cache_key in _parsed:
        return _parsed[cache_key]
    definition = parse_definition(schema.definition)
    if schema.status != SchemaStatus.DRAFT:
        _parsed[cache_key] = definition
    return definition


def schemas_query(*, key: str | None = None, status: str | None = None) -> Select:
    statement = select(SurveySchema).order_by(SurveySchema.key, SurveySchema.version)
    if key:
        statement = statement.where(SurveySchema.key == key)
    if status:
        statement = statement.where(SurveySchema.status == status)
    return statement


def get_schema(session: Session, key: str, version: int, *, for_update: bool = False) -> SurveySchema:
    statement = select(SurveySchema).where(SurveySchema.key == key, SurveySchema.version == version)
    return found(session.scalar(statement.with_for_update() if for_update else statement),
                 f"Survey schema {key} version {version} not found.")


def _parse(definition: Any) -> SchemaDefinition:
    try:
        return parse_definition(definition)
    except DefinitionError as exc:
        raise Unprocessable("The survey-schema definition is not valid.",
                            errors={f"definition{path}": msgs for path, msgs in exc.errors.items()}) from exc


def create_schema(session: Session, definition: dict, *, actor: str) -> SurveySchema:
    """Create a draft; without a `version` in the definition it becomes the key's next version."""
    if isinstance(definition, dict) and "version" not in definition \
            and isinstance(definition.get("key"), str):
        latest = session.scalar(select(func.max(SurveySchema.version))
                                .where(SurveySchema.key == definition["key"]))
        definition = {**definition, "version": (latest or 0) + 1}
    parsed = _parse(definition)
    existing = session.scalar(select(SurveySchema).where(SurveySchema.key == parsed.key,
                                                         SurveySchema.version == parsed.version))
    if existing is not None:
        raise Conflict(f"Survey schema {parsed.key} version {parsed.version} already exists "
                       f"({existing.status}).",
                       errors={"definition/version": ["Already exists: a change needs a new version."]})
    schema = SurveySchema(key=parsed.key, version=parsed.version, status=SchemaStatus.DRAFT,
                          title_it=parsed.title.it, title_en=parsed.title.en, definition=parsed.to_dict(),
                          created_by=actor)
    session.add(schema)
    session.flush()
    audit.record(session, action="census.schema.create", entity_type="survey_schema", entity_id=schema.id,
                 after=schema_snapshot(schema), actor=actor)
    return schema


def update_schema(session: Session, key: str, version: int, definition: dict, *, actor: str) -> SurveySchema:
    """Replace a draft's definition; an approved or retired version is immutable (409)."""
    schema = get_schema(session, key, version, for_update=True)
    if schema.status != SchemaStatus.DRAFT:
        raise Conflict(f"Survey schema {key} version {version} is {schema.status} and cannot change: "
                       "create a new version instead.")
    if isinstance(definition, dict):
        definition = {**definition, "key": definition.get("key", key),
                      "version": definition.get("version", version)}
    parsed = _parse(definition)
    if (parsed.key, parsed.version) != (key, version):
        raise Unprocessable("The definition's key and version must match the address.",
                            errors={"definition/key": [f"Expected {key} version {version}."]})
    before = schema_snapshot(schema)
    schema.definition, schema.title_it, schema.title_en = parsed.to_dict(), parsed.title.it, parsed.title.en
    session.flush()
    audit.record(session, action="census.schema.update", entity_type="survey_schema", entity_id=schema.id,
                 before=before, after=schema_snapshot(schema) | {"definition": schema.definition},
                 actor=actor)
    return schema


def approve_schema(session: Session, key: str, version: int, *, actor: str) -> SurveySchema:
    """Approve a draft (secretariat, for the working table): records who and when."""
    schema = get_schema(session, key, version, for_update=True)
    if schema.status != SchemaStatus.DRAFT:
        raise Conflict(f"Survey schema {key} version {version} is {schema.status}: "
                       "only a draft can be approved.")
    before = schema_snapshot(schema)
    schema.status, schema.approved_by, schema.approved_at = SchemaStatus.APPROVED, actor, datetime.now(UTC)
    session.flush()
    audit.record(session, action="census.schema.approve", entity_type="survey_schema", entity_id=schema.id,
                 before=before, after=schema_snapshot(schema), actor=actor)
    return schema


def retire_schema(session: Session, key: str, version: int, *, actor: str) -> SurveySchema:
    """Retire an approved version: kept for the submissions that answer it, closed to new ones."""
    schema = get_schema(session, key, version, for_update=True)
    if schema.status != SchemaStatus.APPROVED:
        raise Conflict(f"Survey schema {key} version {version} is {schema.status}: "
                       "only an approved one can be retired.")
    before = schema_snapshot(schema)
    schema.status, schema.retired_by, schema.retired_at = SchemaStatus.RETIRED, actor, datetime.now(UTC)
    session.flush()
    audit.record(session, action="census.schema.retire", entity_type="survey_schema", entity_id=schema.id,
                 before=before, after=schema_snapshot(schema), actor=actor)
    return schema


def install_shipped_schemas(session: Session, *, actor: str, approve: bool = True) -> list[SurveySchema]:
    """Load the shipped schemas that are not stored yet (idempotent), approved unless told otherwise."""
    out = []
    for shipped in shipped_definitions():
        existing = session.scalar(select(SurveySchema).where(SurveySchema.key == shipped.key,
                                                             SurveySchema.version == shipped.version))
        if existing is None:
            existing = create_schema(session, shipped.to_dict(), actor=actor)
            if approve:
                approve_schema(session, shipped.key, shipped.version, actor=actor)
        out.append(existing)
    return out
