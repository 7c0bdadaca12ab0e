"""Conformance of NGSI-LD entities to a regional standard version (verifica di conformità).

A standard version is compiled once (``compile_standard``) into a jsonschema-rs validator over the
bundled, offline schema. Valid entities take the fast path (one ``is_valid`` call); only failing ones
are walked again to explain every error with a JSON pointer into the payload as sent, the rule broken
(``upstream.<keyword>``, ``regional.<keyword>`` or ``ngsi-ld.<check>``) and a message a utility can act on.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs

from interoperability import forms, ngsild
from interoperability.registry import SchemaRegistry, resolve_pointer
from interoperability.standards import UNIT_CODES, StandardDefinition

MAX_ERRORS_PER_ENTITY = 50
TIMESTAMP_ADVICE = {
    "instant": "an ISO 8601 date-time with its UTC offset, e.g. 2024-05-01T10:00:00Z",
    "instant-or-interval": (
        "an ISO 8601 date-time with its UTC offset, or an interval of two such instants separated by '/'"
    ),
    "iso8601": "an ISO 8601 date-time or interval, e.g. 2024-05-01T10:00:00+02:00/2024-05-01T10:15:00+02:00",
}
FORMAT_ADVICE = {
    "date-time": "write it as an ISO 8601 date-time with its UTC offset, e.g. 2024-05-01T10:00:00Z",
    "uri": "write an absolute URI such as urn:ngsi-ld:Device:001 or https://...",
}


@dataclass(frozen=True)
class Violation:
    """One broken rule in one entity."""

    pointer: str
    rule: str
    message: str
    attribute: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "rule": self.rule,
            "message": self.message,
            "attribute": self.attribute,
        }


@dataclass
class EntityResult:
    """The verdict on one entity of a payload."""

    index: int
    id: str | None
    type: str | None
    form: str | None
    errors: list[Violation] = field(default_factory=list)
    key_values: dict[str, Any] | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "id": self.id,
            "type": self.type,
            "form": self.form,
            "valid": self.valid,
            "errors": [error.to_dict() for error in self.errors],
        }


@dataclass
class Report:
    """A conformance report: ``valid`` overall and one result per entity, in order."""

    standard: str
    version: str
    results: list[EntityResult]

    @property
    def valid(self) -> bool:
        return all(result.valid for result in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "version": self.version,
            "valid": self.valid,
            "entities": len(self.results),
            "conforming": sum(1 for r in self.results if r.valid),
            "results": [result.to_dict() for result in self.results],
        }


def _pointer_token(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


class CompiledStandard:
    """A standard version ready to validate: composed schema bundled and compiled once."""

    def __init__(
        self,
        definition: StandardDefinition,
        registry: SchemaRegistry | None = None,
        schema: dict[str, Any] | None = None,
    ):
        self.definition = definition
        self.registry = registry or SchemaRegistry.shipped()
        self.schema = self.registry.bundle(schema or definition.json_schema())
        self.validator = jsonschema_rs.Draft7Validator(self.schema, validate_formats=True)
        self._units = dict(definition.units)

    # -- fast path -------------------------------------------------------------------------------
    def check(self, entity: Any, index: int = 0) -> EntityResult:
        """Validate one entity (key-values or normalized)."""
        if not isinstance(entity, dict):
            return EntityResult(
                index,
                None,
                None,
                None,
                [
                    Violation(
                        f"/{index}" if index else "",
                        "ngsi-ld.entity",
                        f"entity {index} is a JSON {type(entity).__name__}; each entity must be a JSON "
                        "object with 'id' and 'type'",
                    )
                ],
            )
        form = forms.detect(entity)
        key_values, origin, problems, _ = forms.to_key_values(entity, form)
        entity_id = key_values.get("id") if isinstance(key_values.get("id"), str) else None
        entity_type = key_values.get("type") if isinstance(key_values.get("type"), str) else None
        result = EntityResult(index, entity_id, entity_type, form, key_values=key_values)
        if problems:
            rule = "ngsi-v2.structure" if form == forms.NGSI_V2 else "ngsi-ld.structure"
            result.errors.extend(
                Violation(p.pointer, rule, p.message, p.pointer.lstrip("/").split("/")[0])
                for p in problems
            )
        if form == ngsild.NORMALIZED and self._units:
            result.errors.extend(self._unit_errors(entity))
        if not self.validator.is_valid(key_values):
            result.errors.extend(self._explain(key_values, origin))
        if form == forms.GEOJSON:
            result.errors = [Violation(forms.pointer_in_payload(v.pointer, form), v.rule, v.message, v.attribute)
                             for v in result.errors]
        del result.errors[MAX_ERRORS_PER_ENTITY:]
        return result

    def validate(self, payload: Any) -> Report:
        """Validate one entity, a list of entities or a GeoJSON FeatureCollection; the report keeps their order."""
        entities = forms.expand(payload)
        results = [self.check(entity, index) for index, entity in enumerate(entities)]
        return Report(self.definition.code, self.definition.version, results)

    # -- explanations ----------------------------------------------------------------------------
    def _unit_errors(self, entity: dict[str, Any]) -> list[Violation]:
        errors = []
        for attribute, (unit, pointer) in ngsild.unit_codes(entity, self._units).items():
            expected = self._units.get(attribute)
            if expected and unit != expected:
                info = UNIT_CODES[expected]
                errors.append(
                    Violation(
                        pointer,
                        "regional.unit",
                        f"'{attribute}' must be expressed in {info['en']} ({info['symbol']}, UN/CEFACT "
                        f"code {expected}) under {self.definition.label}; the payload says unitCode "
                        f"'{unit}'. Convert the value and send unitCode \"{expected}\"",
                        attribute,
                    )
                )
        return errors

    def _explain(self, key_values: dict[str, Any], origin: dict[str, str]) -> list[Violation]:
        out: list[Violation] = []
        seen: set[tuple[str, str]] = set()
        for error in self.validator.iter_errors(key_values):
            for violation in self._describe(error, key_values, origin):
                key = (violation.pointer, violation.rule)
                if key not in seen:
                    seen.add(key)
                    out.append(violation)
        if not out:
            out.append(Violation("", "upstream.schema", "the entity does not conform to the schema"))
        regional = {v.pointer for v in out if v.rule.startswith("regional")}
        out = [v for v in out if v.rule.startswith("regional") or v.pointer not in regional]
        out.sort(key=lambda v: (not v.rule.startswith("regional"), v.pointer))
        return out

    def _source(self, schema_path: list[Any]) -> str:
        if len(schema_path) >= 2 and schema_path[0] == "allOf" and str(schema_path[1]) != "0":
            return "regional"
        return "upstream"

    def _pointer(self, instance_path: list[Any], origin: dict[str, str]) -> tuple[str, str | None]:
        if not instance_path:
            return "", None
        attribute = str(instance_path[0])
        head = "/" + _pointer_token(attribute) + origin.get(attribute, "")
        rest = "".join("/" + _pointer_token(token) for token in instance_path[1:])
        return head + rest, attribute

    def _schema_node(self, schema_path: list[Any]) -> Any:
        node: Any = self.schema
        for token in schema_path:
            if isinstance(node, dict) and "$ref" in node and token not in node:
                node = resolve_pointer(self.schema, node["$ref"][1:])
            if isinstance(node, list):
                node = node[int(token)]
            elif isinstance(node, dict):
                node = node.get(token if not isinstance(token, int) else str(token), node.get(token))
            if node is None:
                return None
        return node

    def _describe(self, error: Any, instance: dict[str, Any], origin: dict[str, str]) -> list[Violation]:
        schema_path = list(error.schema_path)
        instance_path = list(error.instance_path)
        source = self._source(schema_path)
        keyword = str(schema_path[-1]) if schema_path else "schema"
        kind = error.kind
        pointer, attribute = self._pointer(instance_path, origin)
        where = f"'{'.'.join(str(t) for t in instance_path)}'" if instance_path else "the entity"
        label = self.definition.label
        hint = self.definition.hints.get(attribute or "", "")

        if keyword == "required":
            missing = getattr(kind, "property", None) or str(error.message).split('"')[1]
            pointer = (pointer + "/" + _pointer_token(missing)) if instance_path else "/" + _pointer_token(missing)
            attribute = attribute or missing
            hint = self.definition.hints.get(missing, "")
            who = "the regional standard" if source == "regional" else "the Smart Data Models schema"
            message = f"'{missing}' is missing from {where}: it is required by {who} ({label})"
            if missing == "crs":
                message = f"'{missing}' is required"
            return [Violation(pointer, f"{source}.required", _with_hint(message, hint), attribute)]
        if keyword == "not" and instance_path and instance_path[0] == "location":
            return [
                Violation(
                    pointer + "/crs",
                    f"{source}.crs",
                    "location must be GeoJSON in WGS84 longitude/latitude (RFC 7946) without a 'crs' "
                    "member; reproject the coordinates to EPSG:4326 and drop 'crs'",
                    attribute,
                )
            ]
        if keyword == "enum":
            node = self._schema_node(schema_path) or []
            allowed = ", ".join(json.dumps(v, ensure_ascii=False) for v in node[:30]) if isinstance(node, list) else ""
            value = _value_at(instance, instance_path)
            rule = f"{source}.code-list" if source == "regional" else f"{source}.enum"
            message = _enum_message(where, value, node if isinstance(node, list) else [], allowed)
            if instance_path[-1:] == ["type"] and instance_path[:1] == ["location"]:
                message = (
                    f"location is a GeoJSON {value}; {label} accepts {' or '.join(self.definition.geometry_types)}"
                )
                rule = f"{source}.geometry"
            elif instance_path == ["type"]:
                message = (
                    f"entity type is '{value}', but {label} profiles '{self.definition.entity_type}'; "
                    "validate it against the standard of its own type"
                )
            return [Violation(pointer, rule, _with_hint(message, hint), attribute)]
        if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            value = _value_at(instance, instance_path)
            limit = self._schema_node(schema_path)
            if instance_path[:2] == ["location", "coordinates"] or (instance_path[:1] == ["location"]):
                axis = "longitude" if instance_path[-1] == 0 else "latitude"
                message = (
                    f"{axis} {value} is outside WGS84 range; coordinates are [longitude, latitude] in "
                    "decimal degrees (EPSG:4326)"
                )
                return [Violation(pointer, f"{source}.wgs84", message, attribute)]
            relation = "at least" if "inimum" in keyword else "at most"
            message = f"{where} is {value}, but must be {relation} {limit}"
            return [Violation(pointer, f"{source}.{keyword}", _with_hint(message, hint), attribute)]
        if keyword == "pattern" and attribute in self.definition.timestamps:
            value = _value_at(instance, instance_path)
            form = self.definition.timestamps[attribute]
            accepted = TIMESTAMP_ADVICE.get(form, TIMESTAMP_ADVICE["iso8601"])
            message = f"{where} is '{value}'; {label} requires {accepted}"
            return [Violation(pointer, f"{source}.timestamp", _with_hint(message, hint), attribute)]
        if keyword == "format":
            value = _value_at(instance, instance_path)
            fmt = getattr(kind, "format", None) or self._schema_node(schema_path)
            advice = FORMAT_ADVICE.get(str(fmt), "")
            message = f"{where} is '{value}', which is not a valid {fmt}" + (f"; {advice}" if advice else "")
            return [Violation(pointer, f"{source}.format", _with_hint(message, hint), attribute)]
        if keyword in ("anyOf", "oneOf"):
            nested = _best_branch(kind)
            detail = "; ".join(str(e.message) for e in nested[:3])
            if instance_path[:1] == ["location"]:
                message = f"location is not a valid GeoJSON geometry: {detail}"
            else:
                message = f"{where} does not match any accepted shape" + (f": {detail}" if detail else "")
            return [Violation(pointer, f"{source}.{keyword}", _with_hint(message, hint), attribute)]
        if keyword == "type":
            value = _value_at(instance, instance_path)
            expected = self._schema_node(schema_path)
            message = f"{where} is {_json_kind(value)} {_short(value)}, but must be {expected}"
            return [Violation(pointer, f"{source}.type", _with_hint(message, hint), attribute)]
        return [Violation(pointer, f"{source}.{keyword}", _with_hint(f"{where}: {error.message}", hint), attribute)]


def _enum_message(where: str, value: Any, allowed_values: list[Any], allowed: str) -> str:
    """Why a value is not in a list, saying what it really is when it looks like an allowed one."""
    shown = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value != value.strip() and value.strip() in allowed_values:
        return f"{where} is {shown}, with spaces around it; send {json.dumps(value.strip())} exactly"
    if isinstance(value, str) and value not in allowed_values and \
            value.casefold() in {str(a).casefold() for a in allowed_values}:
        return f"{where} is {shown}; the allowed values are case-sensitive: {allowed}"
    if not isinstance(value, str) and any(str(a) == str(value) for a in allowed_values):
        return f"{where} is {_json_kind(value)} {shown}, but the allowed values are strings: {allowed}"
    if isinstance(value, (list, dict)):
        return f"{where} is {_json_kind(value)} {shown}, but must be one of: {allowed}"
    return f"{where} is {shown}, which is not in the allowed list: {allowed}"


def _with_hint(message: str, hint: str) -> str:
    return f"{message}. {hint}" if hint else message


def _value_at(instance: Any, path: list[Any]) -> Any:
    node = instance
    for token in path:
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _best_branch(kind: Any) -> list[Any]:
    context = getattr(kind, "context", None) or []
    branches = [branch for branch in context if branch]
    if not branches:
        return []
    return min(branches, key=len)


_CACHE: dict[tuple[str, str, str], CompiledStandard] = {}
_LOCK = threading.Lock()


def compile_standard(definition: StandardDefinition, registry: SchemaRegistry | None = None) -> CompiledStandard:
    """The compiled validator of a standard version, built once per process and definition."""
    key = (definition.code, definition.version, definition.digest())
    compiled = _CACHE.get(key)
    if compiled is None:
        with _LOCK:
            compiled = _CACHE.get(key)
            if compiled is None:
                compiled = CompiledStandard(definition, registry)
                _CACHE[key] = compiled
    return compiled


def validate_against_upstream(
    entity: dict[str, Any], schema_url: str, registry: SchemaRegistry | None = None
) -> list[str]:
    """Messages of the upstream schema alone for one entity (after key-values conversion)."""
    registry = registry or SchemaRegistry.shipped()
    validator = _upstream_validator(schema_url, registry)
    key_values, _origin, problems = ngsild.to_key_values(entity)
    messages = [p.message for p in problems]
    messages.extend(
        f"/{'/'.join(str(t) for t in e.instance_path)}: {e.message}" for e in validator.iter_errors(key_values)
    )
    return messages


_UPSTREAM: dict[str, Any] = {}


def _upstream_validator(schema_url: str, registry: SchemaRegistry) -> Any:
    if schema_url not in _UPSTREAM:
        _UPSTREAM[schema_url] = jsonschema_rs.Draft7Validator(
            registry.bundle({"$ref": schema_url}), validate_formats=True
        )
    return _UPSTREAM[schema_url]
