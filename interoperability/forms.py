"""The forms in which brokers and publishers send entities, told apart and brought to key-values.

Besides NGSI-LD (key-values or normalized, see ``ngsild``), two forms are read:

- NGSI-v2 normalized, the default output of Orion v2 and of the FIWARE IoT Agents: every attribute
  an object ``{"type": "Number", "value": 21.5, "metadata": {...}}`` whose type is a v2 attribute
  type (``Number``, ``Text``, ``DateTime``, ``geo:json``, ``geo:point``, ``StructuredValue``...);
- the GeoJSON Feature representation of the Smart Data Models: ``{"type": "Feature", "id": ...,
  "geometry": {...}, "properties": {"type": "Streetlight", ...}}``, and FeatureCollections of them.

Each converted entity keeps where its values came from, so an error points into the payload as sent.
"""

from __future__ import annotations

from typing import Any

from interoperability import ngsild

NGSI_V2 = "ngsiV2Normalized"
GEOJSON = "geojsonFeature"


def _is_v2_attribute(value: Any) -> bool:
    return (isinstance(value, dict) and "value" in value and isinstance(value.get("type"), str)
            and value["type"] not in ngsild.VALUE_MEMBER and set(value) <= {"type", "value", "metadata"})


def detect(entity: dict[str, Any]) -> str:
    """The form of one entity: NGSI-LD normalized or key-values, NGSI-v2 normalized, or a GeoJSON Feature."""
    if entity.get("type") == "Feature" and isinstance(entity.get("properties"), dict):
        return GEOJSON
    attributes = [v for k, v in entity.items() if k not in ngsild.CORE_MEMBERS]
    if any(ngsild.is_attribute(v) for v in attributes):
        return ngsild.NORMALIZED
    if attributes and any(_is_v2_attribute(v) for v in attributes) and "@context" not in entity:
        return NGSI_V2
    return ngsild.KEY_VALUES


def expand(payload: Any) -> list[Any]:
    """The entities of a payload: a list, a FeatureCollection's features, or one entity."""
    if isinstance(payload, dict) and payload.get("type") == "FeatureCollection" \
            and isinstance(payload.get("features"), list):
        return list(payload["features"])
    return payload if isinstance(payload, list) else [payload]


def _v2_value(attribute: dict[str, Any]) -> Any:
    value = attribute.get("value")
    if attribute.get("type") == "geo:point" and isinstance(value, str):
        # NGSI-v2 writes a point as "latitude, longitude"; GeoJSON wants [longitude, latitude].
        try:
            lat, lon = (float(part) for part in value.split(","))
        except ValueError:
            return value
        return {"type": "Point", "coordinates": [lon, lat]}
    return value


def to_key_values(entity: dict[str, Any], form: str) -> tuple[dict[str, Any], dict[str, str], list, str]:
    """Key-values copy, origin of each value, structure problems, and the pointer prefix of attributes."""
    if form == NGSI_V2:
        converted: dict[str, Any] = {}
        origin: dict[str, str] = {}
        problems = []
        for name, value in entity.items():
            if name in ("id", "type"):
                converted[name] = value
            elif _is_v2_attribute(value):
                converted[name] = _v2_value(value)
                origin[name] = "/value"
            elif isinstance(value, dict) and "value" in value:
                converted[name] = value["value"]
                origin[name] = "/value"
            else:
                problems.append(ngsild.StructureError(
                    "/" + name, f"'{name}' is not an NGSI-v2 attribute: in the normalized form every attribute is "
                                '{"type": ..., "value": ...} (or send the whole entity in key-values form)'))
        return converted, origin, problems, ""
    if form == GEOJSON:
        properties = dict(entity.get("properties") or {})
        converted = {"id": entity.get("id", properties.pop("id", None)), **properties}
        if entity.get("geometry") is not None:
            converted["location"] = entity["geometry"]
        return converted, {}, [], "/properties"
    converted, origin, problems = ngsild.to_key_values(entity, form)
    return converted, origin, problems, ""


def pointer_in_payload(pointer: str, form: str) -> str:
    """A pointer into the key-values copy, as a pointer into the payload as sent."""
    if form != GEOJSON or not pointer:
        return pointer
    if pointer == "/location" or pointer.startswith("/location/"):
        return "/geometry" + pointer[len("/location"):]
    if pointer == "/id":
        return "/id"
    return "/properties" + pointer
