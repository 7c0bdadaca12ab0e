"""The territory of each Italian municipality, from the shipped ISTAT generalised boundaries.

``data/municipalities.geojsonl.gz`` holds one simplified boundary per municipality (see
``scripts/derive_municipal_boundaries.py`` and ``data/BOUNDARIES.md``); a municipality is read from it
when first asked for and kept. An asset belongs to a tenant when it lies inside the municipality's
boundary widened by ``BUFFER_M`` metres: networks cross borders, and the boundaries are simplified.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).parent / "data"
BOUNDARIES = DATA_DIR / "municipalities.geojsonl.gz"
BUFFER_M = 300


@dataclass(frozen=True)
class Territory:
    """A municipality's boundary widened by the tolerance, ready for point and line checks (WGS84)."""

    istat_code: str
    name: str
    province: str
    region: str
    area: object
    buffer_m: int

    @property
    def label(self) -> str:
        return f"{self.name} (ISTAT {self.istat_code})"

    def contains(self, lons, lats) -> np.ndarray:
        """Which of the points (arrays of longitudes and latitudes) lie inside."""
        import shapely

        return shapely.contains_xy(self.area, np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))

    def covers(self, geometry: dict) -> bool:
        """Whether every vertex of a GeoJSON geometry (WGS84) lies inside."""
        lons, lats = _vertices(geometry["coordinates"])
        return bool(self.contains(lons, lats).all())

    def share_inside(self, lons, lats) -> float:
        """The share of the points inside, 0 to 1."""
        if len(lons) == 0:
            return 0.0
        return round(float(self.contains(lons, lats).mean()), 3)

    def reason(self, what: str) -> str:
        return (f"{what} lies outside the territory of {self.label}, beyond the {self.buffer_m} m tolerance "
                "for assets near the border")


def _vertices(coords) -> tuple[list[float], list[float]]:
    lons: list[float] = []
    lats: list[float] = []
    stack = [coords]
    while stack:
        item = stack.pop()
        if item and isinstance(item[0], (int, float)):
            lons.append(float(item[0]))
            lats.append(float(item[1]))
        else:
            stack.extend(item)
    return lons, lats


@lru_cache(maxsize=1)
def _index() -> dict[str, int]:
    """ISTAT code -> line number in the boundaries file (the file is read once, lines parsed on demand)."""
    index = {}
    with gzip.open(BOUNDARIES, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            start = line.find('"istat_code":"') + 14
            index[line[start:start + 6]] = number
    return index


@lru_cache(maxsize=256)
def _feature(istat_code: str) -> dict | None:
    number = _index().get(istat_code)
    if number is None:
        return None
    with gzip.open(BOUNDARIES, "rt", encoding="utf-8") as handle:
        for position, line in enumerate(handle):
            if position == number:
                return json.loads(line)
    return None


def _metric_crs(lon: float) -> int:
    """RDN2008 / UTM 32N west of 12°E, 33N east of it: metres with little distortion anywhere in Italy."""
    return 6707 if lon < 12 else 6708


@lru_cache(maxsize=256)
def territory(istat_code: str, buffer_m: int = BUFFER_M) -> Territory | None:
    """The territory of a municipality by ISTAT code, or None when the code is not a municipality today."""
    import shapely
    from pyproj import Transformer

    feature = _feature(istat_code)
    if feature is None:
        return None
    shape = shapely.geometry.shape(feature["geometry"])
    epsg = _metric_crs(shape.centroid.x)
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    back = Transformer.from_crs(epsg, 4326, always_xy=True)
    metric = shapely.transform(shape, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))
    widened = shapely.transform(metric.buffer(buffer_m),
                                lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
    shapely.prepare(widened)
    properties = feature["properties"]
    return Territory(istat_code, properties["name"], properties["province"], properties["region"], widened,
                     buffer_m)


def known_codes() -> frozenset[str]:
    """The ISTAT codes the boundaries file covers (every municipality today)."""
    return frozenset(_index())


def for_tenant(session, tenant_id: int) -> Territory | None:
    """The territory of the tenant's municipality, or None for a tenant without one (e.g. a union)."""
    from smartregion.registry import Organization, Tenant
    from sqlalchemy import select

    code = session.scalar(select(Organization.istat_code).join(Tenant, Tenant.municipality_id == Organization.id)
                          .where(Tenant.id == tenant_id))
    return territory(code) if code else None


@lru_cache(maxsize=4)
def region_outlines(region: str, tolerance: float = 0.002) -> dict:
    """The region's municipal boundaries for a map in the browser: simplified (``tolerance`` in degrees,
    about 200 m), coordinates rounded to 4 decimals (about 10 m); properties ``istat_code`` and ``name``."""
    import shapely
    from shapely.geometry import mapping, shape

    features = []
    with gzip.open(BOUNDARIES, "rt", encoding="utf-8") as handle:
        for line in handle:
            if f'"region":"{region}"' not in line and f'"region": "{region}"' not in line:
                continue
            feature = json.loads(line)
            geometry = shapely.set_precision(
                shape(feature["geometry"]).simplify(tolerance, preserve_topology=True), 0.0001)
            if geometry.is_empty:
                continue
            features.append({"type": "Feature", "id": feature["properties"]["istat_code"],
                             "properties": {"istat_code": feature["properties"]["istat_code"],
                                            "name": feature["properties"]["name"]},
                             "geometry": mapping(geometry)})
    return {"type": "FeatureCollection", "features": features}


def boundary(istat_code: str) -> dict | None:
    """The municipality's boundary as a GeoJSON Feature (as shipped, not widened)."""
    return _feature(istat_code)
