"""A file's columns mapped onto an inventory kind's fields, and the coordinate system of its coordinates."""

from __future__ import annotations

from dataclasses import dataclass, field

from smartregion.i18n import translate

from .crs import SUPPORTED, CrsChoice, CrsProblem, resolve
from .kinds import Kind, alias_table, match_header
from .readers import FileProblem


@dataclass
class HeaderMap:
    """Which column holds which field, and values for the whole file; unknown columns are listed and ignored."""

    kind: Kind
    index: dict[str, int]
    unknown: list[str]
    defaults: dict[str, object] = field(default_factory=dict)


def map_headers(kind: Kind, headers: list[str], *, has_geometry: bool, mapping: dict[str, str] | None = None,
                defaults: dict[str, object] | None = None, suggestion=None) -> HeaderMap:
    """Match the file's columns to the kind's fields; raise for missing ones.

    An explicit ``mapping`` (field -> column) wins; the remaining fields take the column their header
    names in English or Italian (or the ``suggestion``, which also reads the content), when exactly one
    column stands for them.
    """
    from .mapping import SettingsProblem, resolve_columns

    table = alias_table(kind)
    defaults = defaults or {}
    try:
        index = resolve_columns(headers, mapping or {})
    except SettingsProblem as exc:
        raise FileProblem(str(exc), field=exc.field) from None
    used = set(index.values())
    matched: dict[str, list[int]] = {}
    for position, header in enumerate(headers):
        if position in used:
            continue
        name = match_header(kind, str(header), table)
        if name is not None and name not in index:
            matched.setdefault(name, []).append(position)
    if suggestion is not None:
        # The suggestion already weighed synonyms against the content: it replaces the plain synonyms.
        matched = {}
        for name, column in suggestion.mapping.items():
            position = next((i for i, h in enumerate(headers) if str(h) == column), None)
            if name not in index and position is not None and position not in used:
                matched[name] = [position]
                used.add(position)
        for name, columns in suggestion.ambiguous.items():
            if name not in index and name not in matched and name not in defaults:
                matched[name] = [i for i, h in enumerate(headers) if str(h) in columns]
    for name in defaults:
        # A value given for the whole file wins over a column only guessed for that field.
        matched.pop(name, None)
    for name, positions in matched.items():
        if len(positions) > 1:
            columns = " and ".join(repr(str(headers[p])) for p in positions)
            raise FileProblem(f"two columns stand for {name!r}: {columns}; choose one in the mapping", field=name)
        index[name] = positions[0]
    if has_geometry or kind.geometry != "point":
        for name in ("latitude", "longitude", "x", "y"):
            index.pop(name, None)
    used = set(index.values())
    unknown = [str(h) for i, h in enumerate(headers) if i not in used and str(h).strip()]
    missing = [f.name for f in kind.fields if f.required and f.name not in index and f.name not in defaults]
    if not has_geometry:
        if kind.geometry == "point":
            if not ({"latitude", "longitude"} <= index.keys() or {"x", "y"} <= index.keys()):
                missing.append("latitude, longitude (or x, y)")
        elif "wkt" not in index:
            missing.append("wkt")
    if missing:
        found = ", ".join(str(h) for h in headers) or "none"
        raise FileProblem(f"missing required columns: {', '.join(missing)} (columns found: {found})",
                          field="columns")
    return HeaderMap(kind, index, unknown, dict(defaults))


def choose_crs(reader, header_map: HeaderMap, form_epsg: int | None) -> CrsChoice:
    """The coordinate system of the file's coordinates, from the file or the form, never guessed."""
    try:
        if reader.has_geometry:
            default = 4326 if reader.format == "geojson" and not getattr(reader, "declares_crs", False) else None
            return resolve(reader.epsg, form_epsg, default=default)
        if "latitude" in header_map.index and "longitude" in header_map.index:
            choice = resolve(None, form_epsg, default=4326)
            if not choice.geographic:
                raise CrsProblem(f"the file has latitude/longitude columns but the form says EPSG:{choice.epsg}, "
                                 "a projected system: use x/y columns or a geographic system")
            return choice
        choice = resolve(None, form_epsg)
        if "x" in header_map.index and choice.geographic:
            raise CrsProblem(f"the file has x/y columns but EPSG:{choice.epsg} is geographic: "
                             "choose the projected system of the coordinates")
        return choice
    except CrsProblem as exc:
        raise FileProblem(str(exc), field="crs") from None


def crs_labels() -> list[dict]:
    """The accepted coordinate systems, for forms and documentation."""
    return [{"epsg": code, "label_en": name, "label_it": translate(name, "it")} for code, name in SUPPORTED.items()]
