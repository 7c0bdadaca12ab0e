"""Well-known binary (ISO, EWKB) and GeoPackage binary geometries, decoded to GeoJSON-like dicts."""

from __future__ import annotations

import math
import struct

_TYPES = {1: "Point", 2: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
          6: "MultiPolygon", 7: "GeometryCollection"}
_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


class GeometryProblem(ValueError):
    """A geometry that cannot be decoded or is not valid."""


class _Cursor:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def take(self, fmt: str):
        try:
            values = struct.unpack_from(fmt, self.data, self.pos)
        except struct.error:
            raise GeometryProblem("truncated geometry") from None
        self.pos += struct.calcsize(fmt)
        return values


def _read(cur: _Cursor) -> dict | None:
    (order,) = cur.take("B")
    if order not in (0, 1):
        raise GeometryProblem("bad byte order in geometry")
    end = "<" if order == 1 else ">"
    (code,) = cur.take(end + "I")
    has_z = bool(code & 0x80000000)
    has_m = bool(code & 0x40000000)
    if code & 0x20000000:
        cur.take(end + "I")
    code &= 0x0FFFFFFF
    dims_flag, base = divmod(code, 1000)
    if dims_flag in (1, 3):
        has_z = True
    if dims_flag in (2, 3):
        has_m = True
    kind = _TYPES.get(base)
    if kind is None:
        raise GeometryProblem(f"unsupported geometry type {code}")
    dims = 2 + has_z + has_m
    point_fmt = end + "d" * dims

    def point() -> list[float]:
        values = cur.take(point_fmt)
        return [values[0], values[1]]

    def points() -> list[list[float]]:
        (count,) = cur.take(end + "I")
        return [point() for _ in range(count)]

    if kind == "Point":
        coords = point()
        if math.isnan(coords[0]) and math.isnan(coords[1]):
            return None
        return {"type": "Point", "coordinates": coords}
    if kind == "LineString":
        return {"type": "LineString", "coordinates": points()}
    if kind == "Polygon":
        (rings,) = cur.take(end + "I")
        return {"type": "Polygon", "coordinates": [points() for _ in range(rings)]}
    (count,) = cur.take(end + "I")
    parts = [_read(cur) for _ in range(count)]
    if kind == "GeometryCollection":
        return {"type": kind, "geometries": [p for p in parts if p is not None]}
    return {"type": kind, "coordinates": [p["coordinates"] for p in parts if p is not None]}


def decode_wkb(data: bytes) -> dict | None:
    """Decode WKB (ISO or EWKB); None for an empty point."""
    return _read(_Cursor(bytes(data)))


def decode_gpkg(blob: bytes | None) -> tuple[dict | None, int | None]:
    """Decode a GeoPackage binary geometry: (geometry or None when empty, srs_id from its header)."""
    if blob is None:
        return None, None
    data = bytes(blob)
    if len(data) < 8 or data[:2] != b"GP":
        raise GeometryProblem("not a GeoPackage geometry")
    flags = data[3]
    end = "<" if flags & 1 else ">"
    (srs_id,) = struct.unpack_from(end + "i", data, 4)
    envelope = (flags >> 1) & 0b111
    if envelope not in _ENVELOPE_DOUBLES:
        raise GeometryProblem("bad GeoPackage envelope")
    if flags & 0b10000:
        return None, srs_id
    offset = 8 + 8 * _ENVELOPE_DOUBLES[envelope]
    return _read(_Cursor(data, offset)), srs_id


def encode_point_gpkg(x: float, y: float, srs_id: int) -> bytes:
    """A GeoPackage point blob (little-endian, no envelope): used to build test and demo files."""
    return b"GP\x00\x01" + struct.pack("<i", srs_id) + struct.pack("<BIdd", 1, 1, x, y)


def encode_linestring_gpkg(coords: list[tuple[float, float]], srs_id: int) -> bytes:
    """A GeoPackage line blob (little-endian, no envelope)."""
    body = struct.pack("<BII", 1, 2, len(coords)) + b"".join(struct.pack("<dd", x, y) for x, y in coords)
    return b"GP\x00\x01" + struct.pack("<i", srs_id) + body
