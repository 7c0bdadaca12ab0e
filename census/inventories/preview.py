"""The preview of an inventory file before its import: columns, first rows, suggested mapping, CRS candidates.

Nothing is imported and nothing is written: the person sees what the platform understood, changes
the mapping or the coordinate system, and confirms.
"""

from __future__ import annotations

import os

from smartregion.i18n import translate
from sqlalchemy.orm import Session

from . import profiles, territory
from .columns import choose_crs, map_headers
from .crs import SUPPORTED, CrsProblem, inside_italy, is_geographic, to_wgs84
from .kinds import alias_table, match_header
from .mapping import EASTING, LAT, LON, NORTHING, suggest
from .pipeline import sample
from .readers import FileProblem, open_upload
from .values import ValueProblem, cell_text, parse_float

SAMPLE_ROWS = 20
CRS_SAMPLE = 200
PROJECTED = (3003, 3004, 6707, 6708, 25832, 25833, 32632, 32633)
GEOGRAPHIC = (4326, 4258, 6706)


def preview(session: Session, tenant_id: int, path: str | os.PathLike, *, filename: str, spec, settings) -> dict:
    """What the platform reads in a file with the given settings; FileProblem when it cannot read it at all."""
    table = alias_table(spec)
    opened = open_upload(path, filename, layer=settings.layer,
                         known_header=lambda header: match_header(spec, header, table) is not None)
    try:
        return _preview(session, tenant_id, opened, path, spec, settings)
    finally:
        opened.close()


def _preview(session, tenant_id, opened, path, spec, settings) -> dict:
    reader = opened.reader
    problems: list[str] = []
    if getattr(reader, "layer_problem", None):
        problems.append(reader.layer_problem)
    headers = [str(h) for h in reader.headers]
    rows = sample(reader, CRS_SAMPLE)
    cells = [row[1] for row in rows]
    suggestion = suggest(spec, headers, cells, has_geometry=reader.has_geometry)
    saved = profiles.find(session, tenant_id, spec.slug, headers)
    suggested = dict(suggestion.mapping)
    if saved is not None:
        suggested = {name: column for name, column in suggested.items() if column not in saved.mapping.values()}
        suggested.update({name: column for name, column in saved.mapping.items() if column in headers})
    suggested.update(settings.mapping)
    for name, columns in suggestion.ambiguous.items():
        if name not in suggested:
            problems.append(f"several columns could be {name}: {', '.join(columns)}; choose one")
    header_map = None
    try:
        header_map = map_headers(spec, headers, has_geometry=reader.has_geometry, mapping=suggested,
                                 defaults=settings.defaults)
    except FileProblem as exc:
        problems.append(str(exc))
    area = territory.for_tenant(session, tenant_id)
    crs = _crs(reader, header_map, settings, rows, area, problems)
    return {
        "format": reader.format,
        "member": opened.inner,
        "layers": list(getattr(reader, "layers", []) or []) if len(getattr(reader, "layers", []) or []) > 1 else [],
        "layer": getattr(reader, "layer", None),
        "columns": headers,
        "sample_rows": [[cell_text(c) for c in row[1]] for row in rows[:SAMPLE_ROWS]],
        "sample_geometries": [_geometry_text(row[2]) for row in rows[:SAMPLE_ROWS]] if reader.has_geometry else [],
        "rows_estimate": _estimate(reader, path, len(rows)),
        "suggested_mapping": suggested,
        "suggestion_notes": suggestion.notes,
        "profile": profiles.as_dict(saved) if saved is not None else None,
        "defaults": dict(settings.defaults or (saved.defaults if saved is not None else {})),
        "fields": [{"name": f.name, "label_en": f.label_en, "label_it": f.label_it, "type": f.type,
                    "required": f.required, "choices": sorted(set(f.choices.values()))} for f in spec.fields
                   if not (reader.has_geometry and f.name in ("latitude", "longitude", "x", "y", "wkt"))],
        "territory": {"istat_code": area.istat_code, "name": area.name, "buffer_m": area.buffer_m} if area else None,
        "crs": crs,
        "problems": problems,
    }


def _geometry_text(geometry: dict | None) -> str:
    if not geometry:
        return ""
    if "invalid" in geometry:
        return str(geometry["invalid"])
    first = _first_position(geometry.get("coordinates"))
    return f"{geometry.get('type')} {first[0]:.6g} {first[1]:.6g}" if first else str(geometry.get("type"))


def _first_position(coords):
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    if isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2]):
        return coords[0], coords[1]
    return None


def _estimate(reader, path, sampled: int) -> int:
    features = getattr(reader, "features", None)
    if features is not None and features >= 0:
        return int(features)
    if reader.format == "csv":
        with open(reader.path, "rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        return max(lines - 1, sampled)
    if reader.format == "geojson":
        return len(reader._features)
    height = getattr(getattr(reader, "_sheet", None), "height", None)
    if height:
        return max(int(height) - 1, sampled)
    return sampled


def _points(reader, header_map, rows) -> list[tuple[float, float]]:
    """(x, y) of the first rows, in the file's own units."""
    found = []
    if reader.has_geometry:
        for _, _, geometry in rows:
            position = _first_position((geometry or {}).get("coordinates")) if isinstance(geometry, dict) else None
            if position:
                found.append(position)
        return found
    if header_map is None:
        return found
    index = header_map.index
    x_at, y_at = index.get("x", index.get("longitude")), index.get("y", index.get("latitude"))
    if x_at is None or y_at is None:
        return found
    for _, cells, _ in rows:
        try:
            found.append((parse_float(cells[x_at]), parse_float(cells[y_at])))
        except (ValueProblem, IndexError):
            continue
    return found


def _share(epsg: int, points, area) -> float:
    project = to_wgs84(epsg)
    lons, lats = [], []
    for x, y in points:
        try:
            lon, lat = project(x, y)
        except Exception:  # pyproj refuses impossible inputs: the point is simply not inside
            continue
        lons.append(lon)
        lats.append(lat)
    if not points:
        return 0.0
    if area is None:
        return round(sum(1 for lon, lat in zip(lons, lats, strict=True) if inside_italy(lon, lat)) / len(points), 3)
    return round(float(area.contains(lons, lats).sum()) / len(points), 3) if lons else 0.0


def _crs(reader, header_map, settings, rows, area, problems: list[str]) -> dict:
    declared, source = None, None
    try:
        choice = choose_crs(reader, header_map, settings.epsg) if header_map is not None or reader.has_geometry \
            else None
        if choice is not None:
            # GeoJSON without a crs member is WGS84 by its specification (RFC 7946): the file says it.
            # Latitude/longitude columns are WGS84 by their names: assumed, shown without a source.
            declared = choice.epsg
            source = {"file": "file", "form": "form"}.get(choice.source)
            if choice.source == "format" and reader.format == "geojson":
                source = "file"
    except FileProblem as exc:
        if not ("does not declare its coordinate system" in str(exc) and _points(reader, header_map, rows)):
            problems.append(str(exc))
    points = _points(reader, header_map, rows)
    metres = bool(points) and all(EASTING[0] <= abs(x) <= EASTING[1] and NORTHING[0] <= abs(y) <= NORTHING[1]
                                  for x, y in points)
    degrees = bool(points) and all(LON[0] <= x <= LON[1] and LAT[0] <= y <= LAT[1] for x, y in points)
    codes = PROJECTED if metres else GEOGRAPHIC if degrees else (*GEOGRAPHIC, *PROJECTED)
    if declared is not None and declared not in codes:
        codes = (declared, *codes)
    candidates = [{"epsg": code, "label": SUPPORTED[code], "label_it": translate(SUPPORTED[code], "it"),
                   "inside_territory": _share(code, points, area)} for code in codes if code in SUPPORTED]
    candidates.sort(key=lambda c: -c["inside_territory"])
    where = area.label if area is not None else "Italy"
    if declared is not None and source is not None and points:
        inside = next((c["inside_territory"] for c in candidates if c["epsg"] == declared), 0.0)
        if inside == 0.0:
            problems.append(f"with EPSG:{declared} none of the first {len(points)} points falls inside {where}: "
                            "check the coordinate system; the rows would be rejected as outside the territory")
    elif (declared is None or source is None) and points:
        best = candidates[0] if candidates else None
        if best and best["inside_territory"] > 0:
            problems.append(f"the file does not declare its coordinate system: EPSG:{best['epsg']} "
                            f"({best['label']}) puts {round(best['inside_territory'] * 100)}% of the first points "
                            f"inside {where}; confirm it before importing")
    geographic = None
    if declared is not None:
        try:
            geographic = is_geographic(declared)
        except CrsProblem:
            geographic = None
    return {"epsg": declared, "source": source, "geographic": geographic, "candidates": candidates}
