"""Map a file's columns onto an inventory kind and check each row: good rows and rejected rows.

A rejected row is reported with its line, field, a stable code and a reason; a good row is ready to
be written to the staging table. Checking is per row and keeps no state, so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from typing import NamedTuple

from . import geometry as geo
from .columns import HeaderMap
from .crs import CrsChoice, inside_italy, to_wgs84
from .geometry import GeometryProblem
from .values import ValueProblem, cell_text, fold, parse_bool, parse_date, parse_decimal, parse_float

MAX_TEXT = 200
MEMO_SIZE = 50_000  # distinct values remembered per column by the common path

_BAD = object()
_ABSENT = object()
_COPY_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escape(text: str) -> str:
    """A text value as PostgreSQL's COPY text format writes it."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_SPECIAL)
    return text


def _coordinate_text(raw: str) -> str:
    """A coordinate cell with its decimal comma made a point, as ``parse_float`` reads it (else ValueError)."""
    if "," in raw:
        if "." in raw or raw.count(",") != 1:
            raise ValueError(raw)
        return raw.replace(",", ".")
    return raw


def _plain(text: str) -> bool:
    """A plain ASCII decimal number with at most 7 decimal places."""
    whole, _, places = (text[1:] if text[:1] == "-" else text).partition(".")
    return (text.isascii() and whole.isdigit() and len(places) <= 7
            and (places.isdigit() or not places))


REASONS_IT = {
    "required": "valore obbligatorio mancante",
    "invalid_number": "non è un numero",
    "not_positive": "il valore deve essere positivo",
    "invalid_integer": "non è un numero intero",
    "invalid_choice": "valore non ammesso",
    "invalid_bool": "non è sì/no",
    "invalid_date": "non è una data (AAAA-MM-GG o GG/MM/AAAA)",
    "invalid_url": "non è un indirizzo http(s)",
    "invalid_istat": "codice ISTAT non valido (6 cifre)",
    "too_long": "testo troppo lungo",
    "outside_italy": "coordinate fuori dal territorio italiano",
    "outside_territory": "fuori dal territorio del comune (oltre la tolleranza ai confini)",
    "invalid_latitude": "latitudine non valida",
    "invalid_longitude": "longitudine non valida",
    "invalid_geometry": "geometria non valida",
    "wrong_geometry_type": "tipo di geometria non ammesso per questo inventario",
    "missing_location": "posizione mancante",
    "extra_fields": "la riga ha più campi dell'intestazione",
    "duplicate_asset_id": "codice asset ripetuto nel file",
}


class Rejection(NamedTuple):
    line: int
    field: str
    code: str
    reason: str
    value: str


class CleanRow(NamedTuple):
    line: int
    asset_id: str
    category: str
    operator: str | None
    longitude: float
    latitude: float
    length_m: float
    geometry: dict | None
    attributes: dict


def _number(raw) -> int | float:
    if isinstance(raw, str):
        text = raw.strip()
        if text.isdigit():
            return int(text)
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is not None and math.isfinite(value) and "e" not in text.lower():
            return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(raw, bool):
        raise ValueProblem(f"not a number: {raw!r}")
    number = Decimal(str(raw)) if isinstance(raw, (int, float)) else parse_decimal(cell_text(raw))
    return int(number) if number == number.to_integral_value() and abs(number) < 2**53 else float(number)


def _integer(raw) -> int:
    value = _number(raw)
    if not isinstance(value, int):
        raise ValueProblem(f"not a whole number: {raw!r}")
    return value


def _url(raw) -> str:
    text = cell_text(raw)
    if not text.lower().startswith(("http://", "https://")) or len(text) > 500 or " " in text:
        raise ValueProblem(f"not an http(s) address: {text!r}")
    return text


def _istat(raw) -> str:
    text = cell_text(raw)
    if text.isdigit() and 4 <= len(text) <= 6:
        return text.zfill(6)
    raise ValueProblem(f"not a six-digit ISTAT code: {text!r}")


def _text(raw) -> str:
    text = cell_text(raw)
    if len(text) > MAX_TEXT:
        raise ValueProblem(f"longer than {MAX_TEXT} characters")
    return text


def _date(raw) -> str:
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            pass
    return parse_date(raw).isoformat()


def parse_cell(item, raw):
    """A cell (or a value for the whole file) read as its field reads it; ValueProblem when it cannot be."""
    if item.type == "choice":
        value = item.choices.get(fold(cell_text(raw)))
        if value is None:
            raise ValueProblem(f"not one of {', '.join(dict.fromkeys(item.choices.values()))}")
        return value
    if item.type in ("latitude", "longitude", "x", "y", "id", "wkt"):
        return cell_text(raw)
    parser, _ = _PARSERS[item.type]
    value = parser(raw)
    if item.positive and value <= 0:
        raise ValueProblem("must be positive")
    return value


_PARSERS = {
    "text": (_text, "too_long"),
    "number": (_number, "invalid_number"),
    "integer": (_integer, "invalid_integer"),
    "bool": (parse_bool, "invalid_bool"),
    "date": (_date, "invalid_date"),
    "url": (_url, "invalid_url"),
    "istat": (_istat, "invalid_istat"),
}


class RowValidator:
    """Checks rows of one file against one kind, in the coordinate system chosen for the file."""

    def __init__(self, header_map: HeaderMap, crs: CrsChoice, *, has_geometry: bool,
                 header_count: int | None = None, territory=None) -> None:
        self.header_count = header_count
        self.territory = territory
        self._defaults = header_map.defaults
        self.kind = header_map.kind
        self.crs = crs
        self.has_geometry = has_geometry
        self.width = max(header_map.index.values(), default=-1) + 1
        index = header_map.index
        self._asset = index["asset_id"]
        self._operator = index.get("operator")
        self._default_operator = header_map.defaults.get("operator")
        self._category_field = self.kind.category_field
        self._checks = []
        skip = {"asset_id", "operator", "latitude", "longitude", "x", "y", "wkt"}
        for item in self.kind.fields:
            if item.name in skip or (item.name not in index and item.name not in self._defaults):
                continue
            if item.type == "choice":
                self._checks.append((item.name, index.get(item.name), item, None, "invalid_choice"))
            else:
                parser, code = _PARSERS[item.type]
                self._checks.append((item.name, index.get(item.name), item, parser, code))
        self._lat = index.get("latitude", index.get("y"))
        self._lon = index.get("longitude", index.get("x"))
        self._wkt = index.get("wkt")
        self._geographic = crs.geographic
        self._choice_memo: dict[tuple[str, str], str] = {}
        self._project = None if crs.epsg == 4326 else to_wgs84(crs.epsg)
        # The common path (point kinds with coordinate columns) is compiled: see copy_line.
        self._common = not has_geometry and self.kind.geometry == "point"
        self._common_checks = [(-1 if position is None else position, item, parser, {}, name == self._category_field,
                                self._default_fragment(item))
                               for name, position, item, parser, _ in self._checks]
        self._operator_memo: dict = {}

    def _default_fragment(self, item):
        if item.name not in self._defaults:
            return None
        value = self._defaults[item.name]
        return f"{json.dumps(item.name)}:{json.dumps(value, ensure_ascii=False)}", value

    def copy_line(self, line: int, cells: list) -> tuple[str, str, float, float] | None:
        """The row as (asset id, line of COPY text, longitude, latitude) when every cell takes the common path.

        The territory is not checked here: the batch checks its points at once.

        The common path gives exactly what ``check`` gives for the same row: each attribute cell is
        read by the same parser once per distinct value (remembered per column), coordinates are
        parsed and rounded the same way. Any cell it does not recognise at once (a bad value, a
        spreadsheet number, a projected coordinate that fails) returns None, and ``check`` then
        reports the row in full.
        """
        if not self._common:
            return None
        size = len(cells)
        if self.header_count is not None and size > self.header_count:
            return None
        raw_id = cells[self._asset] if self._asset < size else ""
        if type(raw_id) is not str:
            return None
        asset_id = raw_id.strip()
        if not asset_id or len(asset_id) > 100:
            return None
        parts = []
        category = self.kind.category
        for position, item, parser, memo, is_category, default in self._common_checks:
            raw = cells[position] if -1 < position < size else ""
            # Only text cells are remembered: True, 1 and 1.0 are one key to a dict.
            known = memo.get(raw) if type(raw) is str else None
            if known is None:
                known = self._learn(item, parser, raw, default)
                if type(raw) is str and len(memo) < MEMO_SIZE:
                    memo[raw] = known
            if known is _BAD:
                return None
            if known is not _ABSENT:
                fragment, value = known
                parts.append(fragment)
                if is_category:
                    category = value
        operator = "\\N"
        if self._operator is not None and self._operator < size:
            raw = cells[self._operator]
            operator = self._operator_memo.get(raw) if type(raw) is str else None
            if operator is None:
                text = cell_text(raw)[:MAX_TEXT] or self._default_operator
                operator = copy_escape(text) if text else "\\N"
                if type(raw) is str and len(self._operator_memo) < MEMO_SIZE:
                    self._operator_memo[raw] = operator
        elif self._default_operator:
            operator = copy_escape(self._default_operator)
        point = self._point(cells, size)
        if point is None:
            return None
        lon, lat, x, y = point
        return asset_id, (f"{line}\t{copy_escape(asset_id)}\t{copy_escape(category)}\t{operator}\t{lon}\t{lat}"
                          f"\t0.0\t\\N\t{{{copy_escape(','.join(parts))}}}\n"), x, y

    def _learn(self, item, parser, raw, default=None):
        """A cell's outcome on the common path: _ABSENT, _BAD or (JSON fragment, value)."""
        if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
            if default is not None:
                return default
            return _BAD if item.required else _ABSENT
        if parser is None:
            value = item.choices.get(fold(cell_text(raw)))
            if value is None:
                return _BAD
        else:
            try:
                value = parser(raw)
            except ValueProblem:
                return _BAD
            if item.positive and value <= 0:
                return _BAD
        return f"{json.dumps(item.name)}:{json.dumps(value, ensure_ascii=False)}", value

    def _point(self, cells: list, size: int) -> tuple[str, str, float, float] | None:
        """(lon, lat) as COPY text, rounded as ``_from_columns`` rounds them, and as the numbers that text
        reads back as (for the territory check, without parsing it again); None for anything unusual."""
        raw_lat = cells[self._lat] if self._lat < size else ""
        raw_lon = cells[self._lon] if self._lon < size else ""
        if type(raw_lat) is not str or type(raw_lon) is not str:
            return None
        try:
            lat_text, lon_text = _coordinate_text(raw_lat), _coordinate_text(raw_lon)
            y, x = float(lat_text), float(lon_text)
        except ValueError:
            return None
        if self._project is None:
            if not inside_italy(x, y):  # also rules out NaN and infinities
                return None
            # A plain decimal with at most 7 places is already rounded: PostgreSQL reads the same double.
            if not _plain(lon_text):
                x = round(x, 7)
                lon_text = repr(x)
            if not _plain(lat_text):
                y = round(y, 7)
                lat_text = repr(y)
            return lon_text, lat_text, x, y
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        if self._geographic and not (-90 <= y <= 90 and -180 <= x <= 180):
            return None
        try:
            lon, lat = self._project(x, y)
        except Exception:  # the full check reports it
            return None
        if not (math.isfinite(lon) and math.isfinite(lat)) or not inside_italy(lon, lat):
            return None
        lon, lat = round(lon, 7), round(lat, 7)
        return repr(lon), repr(lat), lon, lat

    def check(self, line: int, cells: list, geometry: dict | None) -> tuple[CleanRow | None, list[Rejection]]:
        """Validate one row: a clean row, or the list of its problems."""
        errors: list[Rejection] = []
        size = len(cells)
        if self.header_count is not None and size > self.header_count:
            errors.append(Rejection(line, "row", "extra_fields",
                                    f"the row has {size} fields but the header has {self.header_count}: "
                                    "a decimal comma in a comma-separated file must be quoted", ""))
        raw_id = cells[self._asset] if self._asset < size else ""
        asset_id = raw_id.strip() if isinstance(raw_id, str) else cell_text(raw_id)
        if not asset_id:
            errors.append(Rejection(line, "asset_id", "required", "asset_id is required", ""))
        elif len(asset_id) > 100:
            errors.append(Rejection(line, "asset_id", "too_long", "asset_id is longer than 100 characters",
                                    asset_id[:100]))
        attributes: dict = {}
        for name, position, item, parser, code in self._checks:
            raw = cells[position] if position is not None and position < size else ""
            if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
                if name in self._defaults:
                    attributes[name] = self._defaults[name]
                elif item.required:
                    errors.append(Rejection(line, name, "required", f"{name} is required", ""))
                continue
            if parser is None:
                value = self._choice_memo.get((name, raw)) if isinstance(raw, str) else None
                if value is None:
                    value = item.choices.get(fold(cell_text(raw)))
                    if value is not None and isinstance(raw, str) and len(self._choice_memo) < 10_000:
                        self._choice_memo[(name, raw)] = value
                if value is None:
                    allowed = ", ".join(dict.fromkeys(item.choices.values()))
                    errors.append(Rejection(line, name, code, f"{name} must be one of {allowed}",
                                            cell_text(raw)[:100]))
                    continue
            else:
                try:
                    value = parser(raw)
                except ValueProblem as exc:
                    errors.append(Rejection(line, name, code, f"{name}: {exc}", cell_text(raw)[:100]))
                    continue
                if item.positive and value <= 0:
                    errors.append(Rejection(line, name, "not_positive", f"{name} must be positive",
                                            cell_text(raw)[:100]))
                    continue
            attributes[name] = value
        operator = None
        if self._operator is not None and self._operator < size:
            operator = cell_text(cells[self._operator])[:MAX_TEXT] or None
        operator = operator or self._default_operator
        located = self._locate(line, cells, geometry, errors)
        if errors:
            return None, errors
        lon, lat, shape, length = located
        if self.territory is not None and not self._inside(lon, lat, shape):
            what = f"the point ({lat}, {lon})" if shape is None else f"the {shape['type']} starting at ({lat}, {lon})"
            errors.append(Rejection(line, "location", "outside_territory", self.territory.reason(what),
                                    f"{lat} {lon}"))
            return None, errors
        category = attributes[self._category_field] if self._category_field else self.kind.category
        return CleanRow(line, asset_id, category, operator, lon, lat, length, shape, attributes), errors

    def _inside(self, lon: float, lat: float, shape: dict | None) -> bool:
        if shape is None:
            return bool(self.territory.contains([lon], [lat])[0])
        return self.territory.covers(shape)

    def _locate(self, line, cells, geometry, errors):
        if self.has_geometry:
            return self._from_geometry(line, geometry, errors)
        if self.kind.geometry == "line":
            raw = cells[self._wkt] if self._wkt < len(cells) else ""
            if not cell_text(raw):
                errors.append(Rejection(line, "wkt", "required", "the line geometry (WKT) is required", ""))
                return None
            try:
                parsed = geo.from_wkt(cell_text(raw))
            except GeometryProblem as exc:
                errors.append(Rejection(line, "wkt", "invalid_geometry", str(exc), cell_text(raw)[:100]))
                return None
            return self._from_geometry(line, parsed, errors, field="wkt")
        return self._from_columns(line, cells, errors)

    def _from_columns(self, line, cells, errors):
        size = len(cells)
        geographic = self._geographic
        lat_name = "latitude" if geographic else "y"
        lon_name = "longitude" if geographic else "x"
        raw_lat = cells[self._lat] if self._lat < size else ""
        raw_lon = cells[self._lon] if self._lon < size else ""
        values = []
        for name, raw in ((lat_name, raw_lat), (lon_name, raw_lon)):
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                errors.append(Rejection(line, name, "required", f"{name} is required", ""))
                continue
            try:
                values.append(parse_float(raw))
            except ValueProblem:
                errors.append(Rejection(line, name, "invalid_number", f"{name} is not a number",
                                        cell_text(raw)[:100]))
        if len(values) != 2:
            return None
        y, x = values
        if self._project is None:
            lon, lat = x, y
        else:
            try:
                lon, lat = self._project(x, y)
            except Exception:  # pyproj raises ProjError or plain errors for impossible inputs
                lon = lat = math.nan
        if geographic and not (-90 <= y <= 90):
            errors.append(Rejection(line, lat_name, "invalid_latitude", "latitude must be between -90 and 90",
                                    cell_text(raw_lat)))
            return None
        if geographic and not (-180 <= x <= 180):
            errors.append(Rejection(line, lon_name, "invalid_longitude",
                                    "longitude must be between -180 and 180", cell_text(raw_lon)))
            return None
        if not (math.isfinite(lon) and math.isfinite(lat)) or not inside_italy(lon, lat):
            what = f"the point ({cell_text(raw_lat)}, {cell_text(raw_lon)}) in EPSG:{self.crs.epsg}"
            if self.territory is not None:
                errors.append(Rejection(line, "location", "outside_territory", self.territory.reason(what),
                                        f"{cell_text(raw_lat)} {cell_text(raw_lon)}"))
            else:
                errors.append(Rejection(line, "location", "outside_italy", f"{what} falls outside Italy", ""))
            return None
        return round(lon, 7), round(lat, 7), None, 0.0

    def _from_geometry(self, line, geometry, errors, field: str = "geometry"):
        if geometry is None:
            errors.append(Rejection(line, field, "missing_location", "the feature has no geometry", ""))
            return None
        try:
            shape = geo.check(geometry)
            wanted = geo.POINT_TYPES if self.kind.geometry == "point" else geo.LINE_TYPES
            if shape["type"] not in wanted:
                errors.append(Rejection(line, field, "wrong_geometry_type",
                                        f"{shape['type']} given, {' or '.join(wanted)} expected", ""))
                return None
            shape = geo.reproject(shape, self.crs.epsg)
        except GeometryProblem as exc:
            code = "outside_italy" if "outside Italy" in str(exc) else "invalid_geometry"
            reason = str(exc)
            if code == "outside_italy" and self.territory is not None:
                code, reason = "outside_territory", self.territory.reason(f"the geometry ({exc})")
            errors.append(Rejection(line, field, code, reason, ""))
            return None
        lon, lat = geo.anchor(shape)
        if shape["type"] == "Point":
            return lon, lat, None, 0.0
        return lon, lat, shape, geo.length_m(shape)
