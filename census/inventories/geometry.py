"""Checking, reprojecting and measuring geometries (GeoJSON-like dicts)."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from pyproj import Geod
from pyproj.exceptions import ProjError

from .crs import inside_italy, to_wgs84


class GeometryProblem(ValueError):
    """A geometry that cannot be read or is not valid."""


_GEOD = Geod(ellps="WGS84")
POINT_TYPES = ("Point",)
LINE_TYPES = ("LineString", "MultiLineString")
AREA_TYPES = ("Polygon", "MultiPolygon")


def _position(value) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise GeometryProblem("a position must have at least two numbers")
    x, y = value[0], value[1]
    if isinstance(x, bool) or isinstance(y, bool) or not isinstance(x, (int, float)) \
            or not isinstance(y, (int, float)):
        raise GeometryProblem("coordinates must be numbers")
    if not (math.isfinite(x) and math.isfinite(y)):
        raise GeometryProblem("coordinates must be finite numbers")
    return float(x), float(y)


def _line(value, *, ring: bool = False) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise GeometryProblem("a line must be a list of positions")
    points = [_position(p) for p in value]
    if ring:
        if len(points) < 4:
            raise GeometryProblem("a polygon ring needs at least four positions")
        if points[0] != points[-1]:
            raise GeometryProblem("a polygon ring must be closed (first and last positions equal)")
    elif len(points) < 2:
        raise GeometryProblem("a line needs at least two positions")
    elif all(p == points[0] for p in points):
        raise GeometryProblem("a line must not have zero length")
    return points


def check(geometry) -> dict:
    """Validate a GeoJSON geometry's structure; returns it with plain float coordinates."""
    if not isinstance(geometry, dict):
        raise GeometryProblem("geometry is missing")
    if "invalid" in geometry:
        raise GeometryProblem(str(geometry["invalid"]))
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Point":
        return {"type": kind, "coordinates": list(_position(coords))}
    if kind == "LineString":
        return {"type": kind, "coordinates": [list(p) for p in _line(coords)]}
    if kind == "MultiLineString":
        if not isinstance(coords, list) or not coords:
            raise GeometryProblem("a MultiLineString needs at least one line")
        return {"type": kind, "coordinates": [[list(p) for p in _line(part)] for part in coords]}
    if kind == "Polygon":
        if not isinstance(coords, list) or not coords:
            raise GeometryProblem("a Polygon needs at least one ring")
        return {"type": kind, "coordinates": [[list(p) for p in _line(r, ring=True)] for r in coords]}
    if kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise GeometryProblem("a MultiPolygon needs at least one polygon")
        return {"type": kind, "coordinates": [
            [[list(p) for p in _line(r, ring=True)] for r in polygon] for polygon in coords]}
    if kind == "MultiPoint":
        if not isinstance(coords, list) or len(coords) != 1:
            raise GeometryProblem("a MultiPoint is accepted only with exactly one point")
        return {"type": "Point", "coordinates": list(_position(coords[0]))}
    raise GeometryProblem(f"unsupported geometry type {kind!r}")


def _map(coords, fn):
    if coords and isinstance(coords[0], (int, float)):
        return list(fn(coords[0], coords[1]))
    return [_map(c, fn) for c in coords]


@lru_cache(maxsize=16)
def _projector(epsg: int):
    return to_wgs84(epsg)


def reproject(geometry: dict, epsg: int) -> dict:
    """The geometry in WGS84, rounded to 7 decimals (about 1 cm), every vertex inside Italy."""
    transform = _projector(epsg)

    def one(x: float, y: float) -> tuple[float, float]:
        try:
            lon, lat = transform(x, y)
        except ProjError:
            raise GeometryProblem(f"coordinates ({x}, {y}) cannot be converted from EPSG:{epsg}") from None
        if not (math.isfinite(lon) and math.isfinite(lat)) or not inside_italy(lon, lat):
            raise GeometryProblem(f"coordinates ({x}, {y}) in EPSG:{epsg} fall outside Italy")
        return round(lon, 7), round(lat, 7)

    return {"type": geometry["type"], "coordinates": _map(geometry["coordinates"], one)}


def length_m(geometry: dict) -> float:
    """Geodesic length in metres of a WGS84 line (0 for points and areas)."""
    if geometry["type"] == "LineString":
        parts = [geometry["coordinates"]]
    elif geometry["type"] == "MultiLineString":
        parts = geometry["coordinates"]
    else:
        return 0.0
    total = 0.0
    for part in parts:
        lons = [p[0] for p in part]
        lats = [p[1] for p in part]
        total += _GEOD.line_length(lons, lats)
    return round(total, 2)


def anchor(geometry: dict) -> tuple[float, float]:
    """A representative (lon, lat): the point itself, or the first vertex of a line or area."""
    coords = geometry["coordinates"]
    while coords and not isinstance(coords[0], (int, float)):
        coords = coords[0]
    return coords[0], coords[1]


_WKT = re.compile(r"^\s*(POINT|LINESTRING|MULTILINESTRING|POLYGON)\s*(Z|M|ZM)?\s*(\(.*\))\s*$", re.I | re.S)


def from_wkt(text: str) -> dict:
    """Parse WKT POINT, LINESTRING, MULTILINESTRING or POLYGON (as written in a CSV column)."""
    match = _WKT.match(text or "")
    if not match:
        raise GeometryProblem("not a WKT POINT, LINESTRING, MULTILINESTRING or POLYGON")
    kind = {"point": "Point", "linestring": "LineString", "multilinestring": "MultiLineString",
            "polygon": "Polygon"}[match.group(1).lower()]
    body = match.group(3)
    nested = body.replace("(", "[").replace(")", "]")
    nested = re.sub(r"(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)(?:\s+-?[\d.eE+-]+)*", r"[\1,\2]", nested)
    try:
        import json

        coords = json.loads(nested)
    except ValueError:
        raise GeometryProblem("the WKT coordinates cannot be read") from None
    if kind == "Point":
        coords = coords[0]
    return check({"type": kind, "coordinates": coords})
