"""NGSI-LD entities for every asset of the network cadastre, by inventory kind, from one table.

Each inventory kind names its NGSI-LD type: the Smart Data Models type where one exists (street lights as
``Streetlight``, EV charging points as ``EVChargingStation``, public transport stops as ``GtfsStop``,
sensors as ``Device``), otherwise a plain term (``UrbanTree``, ``NetworkSegment``, ...) that a broker expands
with the NGSI-LD default context. A row of the table maps the kind's inventory fields to the model's
attributes, so a kind added to the census plugs in with one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from interoperability import ngsild


@dataclass(frozen=True)
class AssetType:
    """How the assets of one inventory kind become NGSI-LD entities."""

    kind: str
    entity_type: str
    data_model: str | None = None
    standard: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    convert: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _date_time(value: Any) -> str:
    text = str(value)
    return text if "T" in text else f"{text}T00:00:00Z"


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return [part.strip() for part in str(value).replace(";", ",").split(",") if part.strip()]


# The sensor types of the census as the properties a Smart Data Models Device controls.
SENSOR_PROPERTIES = {
    "air-quality": ["airQuality"], "noise": ["noiseLevel"], "traffic": ["trafficFlow"],
    "parking": ["occupancy"], "weather": ["temperature", "humidity", "precipitation"],
    "water-level": ["waterLevel"], "water-meter": ["waterConsumption"], "energy-meter": ["electricityConsumption"],
    "waste-fill": ["fillingLevel"], "people-counter": ["peopleCount"],
}

COMMON = {"street": "address", "operator": "dataProvider", "installed_on": "dateServiceStarted"}
COMMON_CONVERT: dict[str, Callable[[Any], Any]] = {
    "street": lambda value: {"streetAddress": str(value)}, "operator": str, "installed_on": _date_time,
}

ASSET_TYPES: dict[str, AssetType] = {t.kind: t for t in (
    AssetType("public-lighting", "Streetlight",
              "https://smart-data-models.github.io/dataModel.Streetlighting/Streetlight/schema.json",
              standard="TOS-STREETLIGHT",
              attributes={"power_w": "powerRating", "lamp_technology": "lampTechnology"},
              convert={"power_w": _number}, units={"powerRating": "WTT"}),
    AssetType("ev-charging", "EVChargingStation",
              "https://smart-data-models.github.io/dataModel.Transportation/EVChargingStation/schema.json",
              attributes={"name": "name", "connectors": "capacity", "sockets": "capacity", "capacity": "capacity",
                          "socket_type": "socketType", "socket_types": "socketType",
                          "charge_type": "chargeType", "power_kw": "power", "max_power_kw": "power",
                          "network": "network", "opening_hours": "openingHours"},
              convert={"connectors": _integer, "sockets": _integer, "capacity": _integer,
                       "socket_type": _as_list, "socket_types": _as_list, "charge_type": _as_list,
                       "power_kw": _number, "max_power_kw": _number},
              units={"power": "KWT"}),
    AssetType("transit-stops", "GtfsStop",
              "https://smart-data-models.github.io/dataModel.UrbanMobility/GtfsStop/schema.json",
              attributes={"name": "name", "stop_name": "name", "code": "code", "stop_code": "code",
                          "wheelchair_boarding": "wheelChairAccessible", "zone": "zoneCode", "zone_id": "zoneCode"}),
    # Smart Data Models have no type for a single tree (ParksAndGardens models flower beds and gardens).
    AssetType("urban-trees", "UrbanTree",
              attributes={"species": "species", "genus": "genus", "common_name": "name", "height_m": "height",
                          "trunk_circumference_cm": "trunkCircumference", "crown_diameter_m": "crownDiameter",
                          "planted_on": "datePlanted", "health": "health"},
              convert={"height_m": _number, "trunk_circumference_cm": _number, "crown_diameter_m": _number,
                       "planted_on": _date_time},
              units={"height": "MTR", "trunkCircumference": "CMT", "crownDiameter": "MTR"}),
    AssetType("sensors", "Device",
              "https://smart-data-models.github.io/dataModel.Device/Device/schema.json",
              attributes={"sensor_type": "controlledProperty", "connectivity": "supportedProtocol",
                          "data_feed_url": "source", "model": "modelName"},
              convert={"sensor_type": lambda value: SENSOR_PROPERTIES.get(str(value), [str(value)]),
                       "connectivity": _as_list},
              fixed={"category": ["sensor"]}),
    AssetType("network-segments", "NetworkSegment",
              attributes={"network": "network", "material": "material", "diameter_mm": "diameter",
                          "depth_m": "depth", "status": "status"},
              convert={"diameter_mm": _number, "depth_m": _number},
              units={"diameter": "MMT", "depth": "MTR", "length": "MTR"}),
    AssetType("broadband-coverage", "BroadbandCoverageUnit",
              attributes={"istat_code": "municipalityCode", "technology": "accessTechnology",
                          "download_mbps": "downloadSpeed", "housing_units": "housingUnits"},
              convert={"download_mbps": _number, "housing_units": _integer},
              units={"downloadSpeed": "E20"}),
)}


def asset_type(kind: str) -> AssetType:
    """The mapping of a kind; a kind not in the table is exported under its own name in CamelCase."""
    if kind in ASSET_TYPES:
        return ASSET_TYPES[kind]
    return AssetType(kind, "".join(part.capitalize() for part in kind.split("-")))


def entity(asset: dict[str, Any]) -> dict[str, Any]:
    """The key-values NGSI-LD entity of one cadastre asset (as ``census.inventories.features.as_dict``)."""
    mapping = asset_type(asset["kind"])
    body: dict[str, Any] = {"id": ngsild.ngsi_ld_id(mapping.entity_type, str(asset["asset_id"])),
                            "type": mapping.entity_type,
                            "location": asset.get("geometry") or {"type": "Point",
                                                                   "coordinates": [asset["longitude"],
                                                                                   asset["latitude"]]}}
    if asset.get("operator"):
        body["dataProvider"] = str(asset["operator"])
    if asset.get("length_m") and mapping.kind == "network-segments":
        body["length"] = round(float(asset["length_m"]), 3)
    attributes = asset.get("attributes") or {}
    for name, value in attributes.items():
        if value is None or value == "":
            continue
        target = mapping.attributes.get(name) or COMMON.get(name)
        if target is None or target in body:
            continue
        convert = mapping.convert.get(name) or COMMON_CONVERT.get(name)
        converted = convert(value) if convert else value
        if converted is not None and converted != []:
            body[target] = converted
    for name, value in mapping.fixed.items():
        body.setdefault(name, value)
    return body


def normalized(asset: dict[str, Any]) -> dict[str, Any]:
    """The normalized NGSI-LD entity of one asset, units and dates as NGSI-LD expects them."""
    mapping = asset_type(asset["kind"])
    body = entity(asset)
    datetimes = {name for name in ("dateServiceStarted", "datePlanted") if name in body}
    return ngsild.to_normalized(body, units=mapping.units, datetimes=datetimes)


def entities(assets: Iterable[dict[str, Any]], *, key_values: bool = False,
             entity_type: str | None = None) -> Iterator[dict[str, Any]]:
    """The assets as NGSI-LD bodies with ``@context``, optionally only one entity type."""
    for asset in assets:
        if entity_type and asset_type(asset["kind"]).entity_type != entity_type:
            continue
        yield ngsild.with_context(entity(asset) if key_values else normalized(asset))
