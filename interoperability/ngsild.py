"""NGSI-LD entity forms: detection, normalized to key-values, and back for export.

NGSI-LD carries an entity either *normalized* (every attribute an object with ``type`` Property,
GeoProperty, Relationship, ...) or *key-values* (simplified: attribute name to plain value). Smart Data
Models schemas describe the key-values shape, so normalized entities are converted before JSON Schema
validation, remembering where each value came from so that an error points into the payload as sent.
A DateTime in NGSI-LD is the JSON-LD value object ``{"@type": "DateTime", "@value": "..."}`` in both
forms; it is unwrapped to its string.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

NGSI_LD_CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
SMART_DATA_MODELS_CONTEXT = "https://smartdatamodels.org/context.jsonld"

KEY_VALUES = "keyValues"
NORMALIZED = "normalized"

# attribute type -> the member that carries its value
VALUE_MEMBER = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
    "VocabProperty": "vocab",
    "JsonProperty": "json",
    "ListProperty": "valueList",
    "ListRelationship": "objectList",
}
MEMBER_SUFFIX = {member: "/" + member for member in VALUE_MEMBER.values()}
CORE_MEMBERS = frozenset({"id", "type", "@context", "scope"})
TEMPORAL_MEMBERS = frozenset({"createdAt", "modifiedAt", "observedAt", "deletedAt"})


def is_attribute(value: Any) -> bool:
    """Whether ``value`` is a normalized NGSI-LD attribute object."""
    return isinstance(value, dict) and value.get("type") in VALUE_MEMBER and VALUE_MEMBER[value["type"]] in value


def _is_attribute_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(is_attribute(item) for item in value)


def detect_form(entity: dict[str, Any]) -> str:
    """``normalized`` when any attribute is an NGSI-LD attribute object, else ``keyValues``."""
    for name, value in entity.items():
        if name in CORE_MEMBERS:
            continue
        if is_attribute(value) or _is_attribute_list(value):
            return NORMALIZED
    return KEY_VALUES


def unwrap_typed_value(value: Any) -> Any:
    """The plain value of a JSON-LD value object (``{"@type": ..., "@value": v}`` -> ``v``)."""
    if type(value) is dict and "@value" in value and len(value) <= 2 and ("@type" in value or len(value) == 1):
        return value["@value"]
    return value


def _escape(name: str) -> str:
    if "~" in name or "/" in name:
        return "/" + name.replace("~", "~0").replace("/", "~1")
    return "/" + name


class StructureError(ValueError):
    """A normalized attribute that is not a well-formed NGSI-LD attribute."""

    def __init__(self, pointer: str, message: str):
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def _default_instance(name: str, value: list[dict[str, Any]]) -> tuple[dict[str, Any], int]:
    for index, item in enumerate(value):
        if "datasetId" not in item:
            return item, index
    return value[0], 0


def to_key_values(
    entity: dict[str, Any], form: str | None = None
) -> tuple[dict[str, Any], dict[str, str], list[StructureError]]:
    """Key-values copy of ``entity``, where each converted value sat in the original, and problems.

    The second element maps an attribute name to the path of its value below the attribute in the
    original payload (``/value`` for a normalized Property, ``/1/value`` for the second instance of a
    multi-attribute; absent for key-values), so that errors found on the converted copy are reported
    where the sender will look.
    """
    form = form or detect_form(entity)
    origin: dict[str, str] = {}
    problems: list[StructureError] = []
    if form == KEY_VALUES:
        # pointers of key-values attributes are their names: no origin entries needed
        converted = {name: unwrap_typed_value(value) for name, value in entity.items() if name != "@context"}
        return converted, origin, problems
    converted = {}
    for name, value in entity.items():
        if name == "@context" or name in TEMPORAL_MEMBERS:
            continue
        if name in CORE_MEMBERS:
            converted[name] = unwrap_typed_value(value)
            continue
        pointer = None
        if type(value) is list and _is_attribute_list(value):
            value, index = _default_instance(name, value)
            pointer = f"/{index}"
        member = VALUE_MEMBER.get(value.get("type")) if type(value) is dict else None
        if member is not None and member in value:
            converted[name] = unwrap_typed_value(value[member])
            origin[name] = MEMBER_SUFFIX[member] if pointer is None else f"{pointer}/{member}"
        elif member is not None:
            problems.append(
                StructureError(
                    _escape(name),
                    f"'{name}' is a {value['type']} without its '{member}' member; "
                    f'send {{"type": "{value["type"]}", "{member}": ...}}',
                )
            )
        else:
            problems.append(
                StructureError(
                    _escape(name),
                    f"'{name}' is not an NGSI-LD attribute: in the normalized form every attribute is an "
                    'object with "type" Property, GeoProperty or Relationship and its "value" or '
                    '"object" (or send the whole entity in key-values form)',
                )
            )
    return converted, origin, problems


def unit_codes(entity: dict[str, Any], attributes: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """``attribute -> (unitCode, pointer)`` for normalized Properties that declare a unit.

    ``attributes`` limits the search to those names (the ones a standard gives a unit).
    """
    found: dict[str, tuple[str, str]] = {}
    names = entity.keys() if attributes is None else attributes
    for name in names:
        if name in CORE_MEMBERS or name not in entity:
            continue
        value = entity[name]
        pointer = _escape(name)
        if type(value) is list and _is_attribute_list(value):
            value, index = _default_instance(name, value)
            pointer = f"{pointer}/{index}"
        if type(value) is dict and value.get("type") == "Property" and "unitCode" in value:
            found[name] = (value["unitCode"], pointer + "/unitCode")
    return found


def to_normalized(
    entity: dict[str, Any],
    *,
    relationships: frozenset[str] | set[str] = frozenset(),
    units: dict[str, str] | None = None,
    datetimes: frozenset[str] | set[str] = frozenset(),
    observed_at: str | None = None,
) -> dict[str, Any]:
    """Normalized NGSI-LD copy of a key-values entity (without ``@context``).

    ``relationships`` names the attributes that reference other entities; ``units`` adds ``unitCode``
    to numeric Properties; ``datetimes`` names attributes carried as ``DateTime`` value objects;
    ``observed_at`` adds ``observedAt`` to every Property from that timestamp.
    """
    units = units or {}
    out: dict[str, Any] = {"id": entity["id"], "type": entity["type"]}
    for name, value in entity.items():
        if name in CORE_MEMBERS:
            continue
        if is_attribute(value):
            out[name] = value
            continue
        if name == "location" or (isinstance(value, dict) and "coordinates" in value and "type" in value):
            attribute: dict[str, Any] = {"type": "GeoProperty", "value": value}
        elif name in relationships or (name.startswith("ref") and _looks_like_reference(value)):
            attribute = {"type": "Relationship", "object": value}
        elif name in datetimes:
            attribute = {"type": "Property", "value": {"@type": "DateTime", "@value": value}}
        else:
            attribute = {"type": "Property", "value": value}
            if name in units and isinstance(value, (int, float)) and not isinstance(value, bool):
                attribute["unitCode"] = units[name]
        if observed_at and attribute["type"] == "Property":
            attribute["observedAt"] = observed_at
        out[name] = attribute
    return out


def _looks_like_reference(value: Any) -> bool:
    if isinstance(value, str):
        return ":" in value
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and ":" in v for v in value)


def ngsi_ld_id(entity_type: str, identifier: str) -> str:
    """An NGSI-LD URN for ``identifier``; kept as it is when it already is a URI."""
    if ":" in identifier and identifier.split(":", 1)[0].isalpha():
        return identifier
    return f"urn:ngsi-ld:{entity_type}:{identifier}"


def with_context(entity: dict[str, Any], context: list[str] | None = None) -> dict[str, Any]:
    """The entity with an ``@context`` as the last member, as brokers expect for ``application/ld+json``."""
    body = {key: value for key, value in entity.items() if key != "@context"}
    body["@context"] = context or [SMART_DATA_MODELS_CONTEXT, NGSI_LD_CORE_CONTEXT]
    return body
