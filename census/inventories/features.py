"""Reads of the network cadastre for those outside the platform: pages of assets by kind, bounding box and
installation date, their extent, and every asset of a tenant as plain dicts (NGSI-LD, OGC API, open data).

Points are filtered on their coordinates; lines on the envelope of their vertices, computed from the stored
GeoJSON (the platform keeps no PostGIS), so a line crossing the box with no vertex inside still matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Float, and_, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from .models import InventoryAsset

# The envelope of a line's vertices: every [x, y] pair under "coordinates", whatever the nesting.
_ENVELOPE = text("""
    SELECT min((p->>0)::float8) AS minx, min((p->>1)::float8) AS miny,
           max((p->>0)::float8) AS maxx, max((p->>1)::float8) AS maxy
    FROM jsonb_path_query(inventory_assets.geometry, 'strict $.coordinates.**') AS p
    WHERE jsonb_typeof(p) = 'array' AND jsonb_typeof(p->0) = 'number'""")


@dataclass(frozen=True)
class AssetQuery:
    """Which assets: a tenant's of one kind, optionally inside a WGS84 box and installed in a date range."""

    tenant_id: int
    kind: str
    bbox: tuple[float, float, float, float] | None = None
    installed_from: date | None = None
    installed_to: date | None = None
    category: str | None = None
    lines: bool = True  # whether the kind may hold lines (a point kind skips the envelope test)


def _conditions(query: AssetQuery) -> list:
    conditions = [InventoryAsset.tenant_id == query.tenant_id, InventoryAsset.kind == query.kind]
    if query.category:
        conditions.append(InventoryAsset.category == query.category)
    if query.bbox is not None:
        minx, miny, maxx, maxy = query.bbox
        point = and_(InventoryAsset.geometry.is_(None),
                     InventoryAsset.longitude.between(minx, maxx), InventoryAsset.latitude.between(miny, maxy))
        envelope = _ENVELOPE.columns(literal_column("minx", Float), literal_column("miny", Float),
                                     literal_column("maxx", Float), literal_column("maxy", Float)).subquery()
        line = and_(InventoryAsset.geometry.is_not(None), select(1).select_from(envelope).where(
            envelope.c.minx <= maxx, envelope.c.maxx >= minx,
            envelope.c.miny <= maxy, envelope.c.maxy >= miny).exists())
        conditions.append(or_(point, line) if query.lines else point)
    installed = InventoryAsset.attributes["installed_on"].astext
    # Dates are stored as ISO text by the import, so they compare as strings.
    if query.installed_from is not None:
        conditions.append(installed >= query.installed_from.isoformat())
    if query.installed_to is not None:
        conditions.append(installed <= query.installed_to.isoformat())
    if query.installed_from is not None or query.installed_to is not None:
        conditions.append(installed.is_not(None))
    return conditions


def as_dict(asset: InventoryAsset) -> dict:
    """An asset as a plain dict: id, kind, category, operator, WGS84 point, geometry, length and attributes."""
    return {"asset_id": asset.asset_id, "kind": asset.kind, "category": asset.category,
            "operator": asset.operator, "longitude": asset.longitude, "latitude": asset.latitude,
            "length_m": asset.length_m,
            "geometry": asset.geometry or {"type": "Point", "coordinates": [asset.longitude, asset.latitude]},
            "attributes": dict(asset.attributes or {}),
            "updated_at": asset.updated_at}


def page(session: Session, query: AssetQuery, *, limit: int, offset: int) -> list[dict]:
    """One page of matching assets, in a stable order (by the operator's asset id)."""
    statement = (select(InventoryAsset).where(*_conditions(query))
                 .order_by(InventoryAsset.asset_id).limit(limit).offset(offset))
    return [as_dict(asset) for asset in session.scalars(statement)]


def count(session: Session, query: AssetQuery, *, at_least_one: bool = False) -> int:
    """How many assets match (with ``at_least_one``, 1 or 0: whether any does, without counting them)."""
    if at_least_one:
        return int(bool(session.scalar(select(select(InventoryAsset.id).where(*_conditions(query)).exists()))))
    return session.scalar(select(func.count()).select_from(InventoryAsset).where(*_conditions(query)))


def one(session: Session, tenant_id: int, kind: str, asset_id: str) -> dict | None:
    """One asset by the operator's id, or None."""
    asset = session.scalar(select(InventoryAsset).where(
        InventoryAsset.tenant_id == tenant_id, InventoryAsset.kind == kind, InventoryAsset.asset_id == asset_id))
    return as_dict(asset) if asset is not None else None


def kinds_summary(session: Session, tenant_ids: list[int], *, kind: str | None = None) -> list[dict]:
    """Per tenant and kind (or the one kind given): assets, the WGS84 extent of their points, the range of
    installation dates and the last update; one query for all the tenants given."""
    installed = InventoryAsset.attributes["installed_on"].astext
    conditions = [InventoryAsset.tenant_id.in_(tenant_ids)] + ([InventoryAsset.kind == kind] if kind else [])
    rows = session.execute(
        select(InventoryAsset.tenant_id, InventoryAsset.kind, func.count(),
               func.min(InventoryAsset.longitude), func.min(InventoryAsset.latitude),
               func.max(InventoryAsset.longitude), func.max(InventoryAsset.latitude),
               func.min(installed), func.max(installed), func.max(InventoryAsset.updated_at),
               func.array_agg(func.distinct(InventoryAsset.category)))
        .where(*conditions)
        .group_by(InventoryAsset.tenant_id, InventoryAsset.kind)
        .order_by(InventoryAsset.tenant_id, InventoryAsset.kind)).all()
    return [{"tenant_id": t, "kind": k, "assets": n, "bbox": [x0, y0, x1, y1],
             "installed": [first, last] if first else None, "updated_at": updated,
             "categories": sorted(categories or [])}
            for t, k, n, x0, y0, x1, y1, first, last, updated, categories in rows]


def line_extent(session: Session, tenant_id: int, kind: str) -> list[float] | None:
    """The WGS84 extent of a kind's line vertices (points are covered by ``kinds_summary``)."""
    envelope = session.execute(text("""
        SELECT min((p->>0)::float8), min((p->>1)::float8), max((p->>0)::float8), max((p->>1)::float8)
        FROM inventory_assets a, jsonb_path_query(a.geometry, 'strict $.coordinates.**') AS p
        WHERE a.tenant_id = :tenant_id AND a.kind = :kind AND a.geometry IS NOT NULL
          AND jsonb_typeof(p) = 'array' AND jsonb_typeof(p->0) = 'number'"""),
        {"tenant_id": tenant_id, "kind": kind}).one()
    return None if envelope[0] is None else [float(v) for v in envelope]


def iter_assets(session: Session, tenant_id: int, *, kind: str | None = None,
                category: str | None = None, batch: int = 2000) -> Iterator[dict]:
    """Every asset of a tenant (one kind or category if given), streamed in batches."""
    statement = select(InventoryAsset).where(InventoryAsset.tenant_id == tenant_id)
    if kind:
        statement = statement.where(InventoryAsset.kind == kind)
    if category:
        statement = statement.where(InventoryAsset.category == category)
    statement = statement.order_by(InventoryAsset.kind, InventoryAsset.asset_id)
    for asset in session.scalars(statement.execution_options(yield_per=batch)):
        yield as_dict(asset)


__all__ = ["AssetQuery", "as_dict", "count", "iter_assets", "kinds_summary", "line_extent", "one", "page"]
