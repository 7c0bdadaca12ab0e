"""Regional standards (standard regionale): a Smart Data Model profiled with regional constraints.

A standard version is a plain, JSON-serialisable definition: the upstream schema it profiles and the
regional layer on top (required attributes, UN/CEFACT units, WGS84 GeoJSON geometry, code lists,
timestamp forms, maximum interval between observations). ``json_schema()`` turns the layer into a
draft-07 schema composed with the upstream one; published versions store that composed schema.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from interoperability.registry import DATA_DIR

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
ISO_DURATION = re.compile(
    r"^P(?!$)(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
INSTANT = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"
INSTANT_PATTERN = f"^{INSTANT}$"
INSTANT_OR_INTERVAL_PATTERN = f"^{INSTANT}(?:/{INSTANT})?$"
LOCAL = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?"
ISO8601_PATTERN = f"^{LOCAL}(?:/{LOCAL})?$"
TIMESTAMP_PATTERNS = {
    "instant": INSTANT_PATTERN,
    "instant-or-interval": INSTANT_OR_INTERVAL_PATTERN,
    "iso8601": ISO8601_PATTERN,
}
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")

# UN/CEFACT Recommendation 20 common codes used by the regional standards, with their meaning.
UNIT_CODES: dict[str, dict[str, str]] = {
    "A97": {"symbol": "hPa", "en": "hectopascal", "it": "ettopascal"},
    "AMP": {"symbol": "A", "en": "ampere", "it": "ampere"},
    "C62": {"symbol": "1", "en": "one (ratio between 0 and 1)", "it": "uno (rapporto tra 0 e 1)"},
    "CEL": {"symbol": "°C", "en": "degree Celsius", "it": "grado Celsius"},
    "CMT": {"symbol": "cm", "en": "centimetre", "it": "centimetro"},
    "D10": {"symbol": "S/m", "en": "siemens per metre", "it": "siemens al metro"},
    "D54": {"symbol": "W/m²", "en": "watt per square metre", "it": "watt al metro quadrato"},
    "DD": {"symbol": "°", "en": "degree (angle)", "it": "grado (angolo)"},
    "GP": {"symbol": "mg/m³", "en": "milligram per cubic metre", "it": "milligrammo al metro cubo"},
    "GQ": {"symbol": "µg/m³", "en": "microgram per cubic metre", "it": "microgrammo al metro cubo"},
    "KGM": {"symbol": "kg", "en": "kilogram", "it": "chilogrammo"},
    "KMH": {"symbol": "km/h", "en": "kilometre per hour", "it": "chilometro orario"},
    "LTR": {"symbol": "l", "en": "litre", "it": "litro"},
    "LUX": {"symbol": "lx", "en": "lux", "it": "lux"},
    "M1": {"symbol": "mg/l", "en": "milligram per litre", "it": "milligrammo al litro"},
    "MMT": {"symbol": "mm", "en": "millimetre", "it": "millimetro"},
    "MTR": {"symbol": "m", "en": "metre", "it": "metro"},
    "MTS": {"symbol": "m/s", "en": "metre per second", "it": "metro al secondo"},
    "SEC": {"symbol": "s", "en": "second", "it": "secondo"},
    "VLT": {"symbol": "V", "en": "volt", "it": "volt"},
    "WTT": {"symbol": "W", "en": "watt", "it": "watt"},
}


class DefinitionError(ValueError):
    """A standard definition that cannot be used; ``errors`` maps fields to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]]):
        super().__init__(message)
        self.errors = errors


def parse_duration(value: str) -> timedelta:
    """An ISO 8601 duration of days, hours, minutes and seconds (``PT15M``, ``P1D``)."""
    match = ISO_DURATION.match(value or "")
    if not match:
        raise ValueError(f"'{value}' is not an ISO 8601 duration such as PT15M, PT1H or P1D")
    parts = {key: int(number) for key, number in match.groupdict().items() if number}
    return timedelta(**parts)


@dataclass(frozen=True)
class StandardDefinition:
    """One version of a regional standard, as published."""

    code: str
    version: str
    entity_type: str
    upstream_schema: str
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    units: dict[str, str] = field(default_factory=dict)
    geometry_types: tuple[str, ...] = ("Point",)
    code_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    timestamps: dict[str, str] = field(default_factory=dict)
    bounds: dict[str, dict[str, float]] = field(default_factory=dict)
    observed_at: str | None = None
    max_observation_interval: str | None = None
    hints: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.code} {self.version}"

    @property
    def max_interval(self) -> timedelta | None:
        return parse_duration(self.max_observation_interval) if self.max_observation_interval else None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StandardDefinition:
        """Build and check a definition; raises ``DefinitionError`` with a field map."""
        errors: dict[str, list[str]] = {}

        def bad(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        if not isinstance(data, dict):
            raise DefinitionError("a standard definition must be a JSON object", {"_schema": ["not an object"]})
        code = data.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            bad("code", "use upper-case words joined by '-', for example TOS-STREETLIGHT")
        version = data.get("version")
        if not isinstance(version, str) or not SEMVER.match(version):
            bad("version", "use a semantic version MAJOR.MINOR.PATCH, for example 1.0.0")
        for name in ("entity_type", "upstream_schema"):
            if not isinstance(data.get(name), str) or not data.get(name):
                bad(name, "required")
        title = data.get("title") or {}
        if not isinstance(title, dict) or not title.get("it") or not title.get("en"):
            bad("title", 'give the title in Italian and English: {"it": ..., "en": ...}')
        units = data.get("units") or {}
        for attribute, unit in units.items() if isinstance(units, dict) else []:
            if unit not in UNIT_CODES:
                bad(
                    "units",
                    f"'{unit}' for '{attribute}' is not a UN/CEFACT code known to the platform "
                    f"({', '.join(sorted(UNIT_CODES))})",
                )
        geometry = tuple(data.get("geometry_types") or ("Point",))
        for kind in geometry:
            if kind not in GEOMETRY_TYPES:
                bad("geometry_types", f"'{kind}' is not a GeoJSON geometry type")
        code_lists = {}
        for attribute, values in (data.get("code_lists") or {}).items():
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                bad("code_lists", f"'{attribute}' needs a non-empty list of strings")
            else:
                code_lists[attribute] = tuple(values)
        timestamps = dict(data.get("timestamps") or {})
        for attribute, form in timestamps.items():
            if form not in TIMESTAMP_PATTERNS:
                bad("timestamps", f"'{attribute}': use one of {', '.join(TIMESTAMP_PATTERNS)}")
        interval = data.get("max_observation_interval")
        if interval is not None:
            try:
                parse_duration(interval)
            except ValueError as exc:
                bad("max_observation_interval", str(exc))
        bounds = data.get("bounds") or {}
        for attribute, limits in bounds.items():
            if not isinstance(limits, dict) or not set(limits) <= {"minimum", "maximum"}:
                bad("bounds", f"'{attribute}': give minimum and/or maximum")
        if errors:
            raise DefinitionError("the standard definition is not valid", errors)
        return cls(
            code=code,
            version=version,
            entity_type=data["entity_type"],
            upstream_schema=data["upstream_schema"],
            title=dict(title),
            description=dict(data.get("description") or {}),
            required=tuple(data.get("required") or ()),
            units=dict(units),
            geometry_types=geometry,
            code_lists=code_lists,
            timestamps=timestamps,
            bounds={k: dict(v) for k, v in bounds.items()},
            observed_at=data.get("observed_at"),
            max_observation_interval=interval,
            hints=dict(data.get("hints") or {}),
            notes=dict(data.get("notes") or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "entity_type": self.entity_type,
            "upstream_schema": self.upstream_schema,
            "title": self.title,
            "description": self.description,
            "required": list(self.required),
            "units": self.units,
            "geometry_types": list(self.geometry_types),
            "code_lists": {k: list(v) for k, v in self.code_lists.items()},
            "timestamps": self.timestamps,
            "bounds": self.bounds,
            "observed_at": self.observed_at,
            "max_observation_interval": self.max_observation_interval,
            "hints": self.hints,
            "notes": self.notes,
        }

    def digest(self) -> str:
        """A stable fingerprint of the definition (compiled validators are cached by it)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def regional_schema(self) -> dict[str, Any]:
        """The regional layer alone, as a draft-07 schema."""
        properties: dict[str, Any] = {"location": wgs84_geometry_schema(self.geometry_types)}
        for attribute, form in self.timestamps.items():
            properties[attribute] = {"type": "string", "pattern": TIMESTAMP_PATTERNS[form]}
        for attribute, values in self.code_lists.items():
            allowed = {"enum": list(values)}
            properties[attribute] = {
                "if": {"type": "array"},
                "then": {"items": allowed},
                "else": allowed,
            }
        for attribute, limits in self.bounds.items():
            properties.setdefault(attribute, {}).update({"type": "number", **limits})
        return {"type": "object", "required": list(self.required), "properties": properties}

    def json_schema(self) -> dict[str, Any]:
        """Upstream schema and regional layer, composed (``allOf[0]`` upstream, ``allOf[1]`` regional)."""
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": f"{self.label} ({self.entity_type})",
            "allOf": [{"$ref": self.upstream_schema}, self.regional_schema()],
        }


def wgs84_geometry_schema(types: tuple[str, ...]) -> dict[str, Any]:
    """GeoJSON geometry in WGS84 longitude/latitude (RFC 7946), limited to ``types``."""
    position = {
        "type": "array",
        "minItems": 2,
        "maxItems": 3,
        "items": [
            {"type": "number", "minimum": -180, "maximum": 180},
            {"type": "number", "minimum": -90, "maximum": 90},
            {"type": "number"},
        ],
    }
    line = {"type": "array", "minItems": 2, "items": position}
    ring = {"type": "array", "minItems": 4, "items": position}
    coordinates = {
        "Point": position,
        "LineString": line,
        "Polygon": {"type": "array", "minItems": 1, "items": ring},
        "MultiPoint": {"type": "array", "minItems": 1, "items": position},
        "MultiLineString": {"type": "array", "minItems": 1, "items": line},
        "MultiPolygon": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "array", "minItems": 1, "items": ring},
        },
    }
    return {
        "type": "object",
        "required": ["type", "coordinates"],
        "not": {"required": ["crs"]},
        "properties": {"type": {"enum": list(types)}},
        "allOf": [
            {
                "if": {"properties": {"type": {"const": kind}}},
                "then": {"properties": {"coordinates": coordinates[kind]}},
            }
            for kind in types
        ],
    }


@cache
def shipped_definitions() -> tuple[StandardDefinition, ...]:
    """The regional standards shipped with the platform (first published set, version 1.0.0)."""
    folder = DATA_DIR / "standards"
    return tuple(
        StandardDefinition.from_dict(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*.json"))
    )


def shipped_definition(code: str, version: str) -> StandardDefinition:
    for definition in shipped_definitions():
        if definition.code == code and definition.version == version:
            return definition
    raise KeyError(f"{code} {version}")
