"""Census inventory assets checked against the regional standard of their kind."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from interoperability import ngsild
from interoperability.models import InventoryCheck, StandardVersion
from interoperability.services import compiled_for, latest_published

# inventory kind (and sensor type for the sensor inventory) -> regional standard code
KIND_STANDARDS = {
    ("public-lighting", None): "TOS-STREETLIGHT",
    ("sensors", "air-quality"): "TOS-AIRQUALITY",
    ("sensors", "traffic"): "TOS-TRAFFICFLOW",
    ("sensors", "parking"): "TOS-PARKINGSPOT",
    ("sensors", "weather"): "TOS-WEATHER",
    ("sensors", "waste-fill"): "TOS-WASTECONTAINER",
}


def standard_code_for(kind: str, row: dict[str, Any]) -> str | None:
    return KIND_STANDARDS.get((kind, row.get("sensor_type"))) or KIND_STANDARDS.get((kind, None))


def asset_entity(kind: str, row: dict[str, Any], entity_type: str) -> dict[str, Any]:
    """The key-values NGSI-LD entity of an inventory row (WGS84 coordinates as a GeoJSON Point)."""
    entity: dict[str, Any] = {
        "id": ngsild.ngsi_ld_id(entity_type, str(row.get("asset_id"))),
        "type": entity_type,
    }
    lat, lon = row.get("latitude"), row.get("longitude")
    if lat is not None and lon is not None:
        entity["location"] = {"type": "Point", "coordinates": [float(lon), float(lat)]}
    if row.get("street"):
        entity["address"] = {"streetAddress": str(row["street"])}
    if row.get("operator"):
        entity["dataProvider"] = str(row["operator"])
    if kind == "public-lighting" and row.get("power_w") is not None:
        entity["powerRating"] = float(row["power_w"])
    if row.get("installed_on"):
        entity["dateServiceStarted"] = f"{row['installed_on']}T00:00:00Z"
    for name, value in (row.get("attributes") or {}).items():
        entity.setdefault(name, value)
    return entity


def check_rows(session: Session, tenant_id: int, kind: str, rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Check inventory rows of one tenant and kind; store one verdict per asset. Returns counters."""
    now = datetime.now(UTC)
    counters = {"checked": 0, "conforming": 0, "skipped": 0}
    versions: dict[str, StandardVersion | None] = {}
    for row in rows:
        code = standard_code_for(kind, row)
        if code is None:
            counters["skipped"] += 1
            continue
        if code not in versions:
            versions[code] = latest_published(session, code)
        version = versions[code]
        if version is None:
            counters["skipped"] += 1
            continue
        compiled = compiled_for(version)
        entity = asset_entity(kind, row, compiled.definition.entity_type)
        errors = [e for e in compiled.check(entity).errors if not _observation_only(e, compiled.definition)]
        statement = insert(InventoryCheck).values(
            tenant_id=tenant_id,
            inventory_kind=kind,
            asset_id=str(row.get("asset_id")),
            standard_version_id=version.id,
            valid=not errors,
            entity=entity,
            errors=[e.to_dict() for e in errors],
            checked_at=now,
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["tenant_id", "inventory_kind", "asset_id"],
                set_={
                    "standard_version_id": version.id,
                    "valid": not errors,
                    "entity": entity,
                    "errors": [e.to_dict() for e in errors],
                    "checked_at": now,
                },
            )
        )
        counters["checked"] += 1
        counters["conforming"] += int(not errors)
    session.flush()
    return counters


def _observation_only(error: Any, definition: Any) -> bool:
    """An inventory row describes the asset, not a reading: of the required attributes it must carry
    its identity and a WGS84 location; status, measures and timestamps come with the feed's readings.
    Every attribute the row does carry is checked in full."""
    return error.rule.endswith(".required") and error.attribute not in ("id", "type", "location")
