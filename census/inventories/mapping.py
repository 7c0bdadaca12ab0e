"""Column mapping: which column of a file feeds which field of a kind, and values given for the whole file.

A mapping comes from the person uploading (``mapping``), from the import profile saved the last time
the same headers were imported, or from suggestions: header synonyms in Italian and English, then the
content (all-distinct columns are id candidates, number ranges tell projected metres from degrees).
Suggestions are applied only where they are unambiguous; the preview shows every one of them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .kinds import Kind, alias_table, match_header
from .values import ValueProblem, cell_text, fold, normalize_header, parse_float

COORDINATES = ("latitude", "longitude", "x", "y")
NOT_DEFAULTABLE = ("asset_id", "latitude", "longitude", "x", "y", "wkt")
# Projected metres in Italy (Gauss-Boaga, UTM 32N/33N, with or without false-easting prefix) and degrees.
EASTING = (100_000.0, 2_900_000.0)
NORTHING = (3_800_000.0, 5_300_000.0)
LON = (6.0, 19.0)
LAT = (35.0, 48.0)


class SettingsProblem(ValueError):
    """A mapping or a default that cannot be used: names the field ("mapping" or "defaults")."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Settings:
    """What the person chose for an upload besides the file: all of it decides what would be imported."""

    epsg: int | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)
    layer: str | None = None

    def key(self) -> str:
        """A digest of the settings: the same file with the same settings is the same import."""
        text = json.dumps({"crs": self.epsg, "defaults": self.defaults, "layer": self.layer,
                           "mapping": self.mapping}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pairs_without_repeats(pairs):
    seen: dict = {}
    for name, value in pairs:
        if name in seen:
            raise SettingsProblem(f"the field {name!r} is mapped twice", field="mapping")
        seen[name] = value
    return seen


def parse_object(text, *, field: str) -> dict:
    """A JSON object given in a form field (mapping or defaults); a repeated key is refused."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return {}
    if isinstance(text, dict):
        return dict(text)
    try:
        value = json.loads(text, object_pairs_hook=_pairs_without_repeats)
    except SettingsProblem as exc:
        raise SettingsProblem(str(exc), field=field) from None
    except ValueError as exc:
        raise SettingsProblem(f"{field} is not valid JSON: {exc}", field=field) from None
    if not isinstance(value, dict):
        raise SettingsProblem(f"{field} must be a JSON object (platform field -> "
                              f"{'file column' if field == 'mapping' else 'value'})", field=field)
    return value


def check_mapping(kind: Kind, mapping: dict) -> dict[str, str]:
    """The mapping with its field names checked against the kind (columns are checked against the file)."""
    names = {f.name for f in kind.fields}
    unknown = [name for name in mapping if name not in names]
    if unknown:
        raise SettingsProblem(f"the kind {kind.slug} has no field {', '.join(map(repr, unknown))}; its fields are: "
                              f"{', '.join(sorted(names))}", field="mapping")
    cleaned = {}
    for name, column in mapping.items():
        if column is None or column == "":
            continue
        if not isinstance(column, str):
            raise SettingsProblem(f"the column mapped to {name!r} must be given by its name as text",
                                  field="mapping")
        cleaned[name] = column
    return cleaned


def check_defaults(kind: Kind, defaults: dict) -> dict[str, object]:
    """Values for the whole file, each checked as its field checks a cell; returns them parsed."""
    from .validation import parse_cell

    checked: dict[str, object] = {}
    for name, raw in defaults.items():
        item = kind.field(name)
        if item is None:
            raise SettingsProblem(f"the kind {kind.slug} has no field {name!r}", field="defaults")
        if name in NOT_DEFAULTABLE:
            raise SettingsProblem(f"{name} differs for every row: it cannot have one value for the whole file",
                                  field="defaults")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if isinstance(raw, (dict, list)):
            raise SettingsProblem(f"the value for {name!r} must be a single value, not {type(raw).__name__}",
                                  field="defaults")
        try:
            checked[name] = parse_cell(item, raw)
        except ValueProblem as exc:
            raise SettingsProblem(f"the value {raw!r} for {name!r} is not a valid {item.type}: {exc}",
                                  field="defaults") from None
    return checked


def resolve_columns(headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Field -> column position for an explicit mapping; a column missing or mapped twice is refused."""
    exact = {str(h): i for i, h in enumerate(headers)}
    loose: dict[str, list[int]] = {}
    for i, h in enumerate(headers):
        loose.setdefault(normalize_header(str(h)), []).append(i)
    index: dict[str, int] = {}
    used: dict[int, str] = {}
    for name, column in mapping.items():
        position = exact.get(column)
        if position is None:
            found = loose.get(normalize_header(column), [])
            position = found[0] if len(found) == 1 else None
        if position is None:
            listed = ", ".join(str(h) for h in headers) or "none"
            raise SettingsProblem(f"the column {column!r} mapped to {name!r} is not in the file "
                                  f"(columns: {listed})", field="mapping")
        if position in used:
            raise SettingsProblem(f"the column {column!r} is mapped to both {used[position]!r} and {name!r}",
                                  field="mapping")
        used[position] = name
        index[name] = position
    return index


@dataclass
class Suggestion:
    """Suggested field -> column, the fields with several candidate columns, and why each was chosen."""

    mapping: dict[str, str]
    ambiguous: dict[str, list[str]]
    notes: list[str]


def _numbers(values: list) -> list[float]:
    """The numbers of a column's sample; empty when most cells are not numbers."""
    found = []
    texts = 0
    for value in values:
        text = cell_text(value)
        if not text:
            continue
        texts += 1
        try:
            found.append(parse_float(value if not isinstance(value, str) else text))
        except ValueProblem:
            continue
    return found if found and len(found) >= 0.8 * texts else []


def _within(numbers: list[float], bounds: tuple[float, float]) -> bool:
    """Most of the numbers (a few bad rows aside) lie within the bounds."""
    return bool(numbers) and sum(1 for n in numbers if bounds[0] <= n <= bounds[1]) >= 0.8 * len(numbers)


def suggest(kind: Kind, headers: list[str], sample: list[list], *, has_geometry: bool) -> Suggestion:
    """Suggest a mapping from header synonyms and the first rows' content."""
    table = alias_table(kind)
    candidates: dict[str, list[int]] = {}
    for position, header in enumerate(headers):
        name = match_header(kind, str(header), table)
        if name is not None:
            candidates.setdefault(name, []).append(position)
    columns = [[row[i] if i < len(row) else "" for row in sample] for i in range(len(headers))]
    notes: list[str] = []
    if not has_geometry and kind.geometry == "point":
        _coordinates_from_content(headers, columns, candidates, notes)
    if "asset_id" not in candidates:
        ids = _id_candidates(headers, columns, candidates)
        if ids:
            candidates["asset_id"] = ids
            notes.append("asset_id suggested from a column whose values are all distinct: "
                         + ", ".join(str(headers[i]) for i in ids))
    mapping: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    taken: set[int] = set()
    for name, positions in candidates.items():
        free = [p for p in positions if p not in taken]
        if len(free) == 1:
            mapping[name] = str(headers[free[0]])
            taken.add(free[0])
        elif len(free) > 1:
            ambiguous[name] = [str(headers[p]) for p in free]
    if has_geometry or kind.geometry != "point":
        for name in COORDINATES:
            mapping.pop(name, None)
            ambiguous.pop(name, None)
    return Suggestion(mapping, ambiguous, notes)


def _any_coordinate(numbers: list[float]) -> bool:
    return any(low <= n <= high for n in numbers for low, high in (EASTING, NORTHING, LON, LAT))


def _coordinates_from_content(headers, columns, candidates, notes) -> None:
    """Move coordinate columns between degrees and metres by their values; find unnamed ones."""
    for projected, geographic, bounds_m, bounds_deg in (("x", "longitude", EASTING, LON),
                                                        ("y", "latitude", NORTHING, LAT)):
        for name, other, bounds in ((projected, geographic, bounds_deg), (geographic, projected, bounds_m)):
            for position in list(candidates.get(name, [])):
                if _within(_numbers(columns[position]), bounds):
                    candidates[name].remove(position)
                    if not candidates[name]:
                        del candidates[name]
                    candidates.setdefault(other, []).append(position)
                    unit = "degrees" if other in ("longitude", "latitude") else "metres"
                    notes.append(f"column {headers[position]!r} holds {unit}: suggested as {other}")
    for name in COORDINATES:
        # A one-letter header is dropped when no value could be a coordinate: "N" may be a tree's number.
        kept = [p for p in candidates.get(name, []) if len(normalize_header(str(headers[p]))) > 1
                or not any(cell_text(v) for v in columns[p]) or _any_coordinate(_numbers(columns[p]))]
        if kept:
            candidates[name] = kept
        else:
            candidates.pop(name, None)
    have = set(candidates)
    if not ({"latitude", "longitude"} <= have or {"x", "y"} <= have):
        used = {p for positions in candidates.values() for p in positions}
        numeric = [i for i in range(len(headers)) if i not in used and _numbers(columns[i])]
        for name, bounds in (("x", EASTING), ("y", NORTHING), ("longitude", LON), ("latitude", LAT)):
            if name in candidates:
                continue
            found = [i for i in numeric if _within(_numbers(columns[i]), bounds)
                     and not any(i in candidates.get(n, []) for n in COORDINATES)]
            if len(found) == 1:
                candidates[name] = found
                notes.append(f"column {headers[found[0]]!r} suggested as {name} from its values")


def _id_candidates(headers, columns, candidates) -> list[int]:
    used = {p for positions in candidates.values() for p in positions}
    preferred = []
    for position, header in enumerate(headers):
        if position in used:
            continue
        values = [cell_text(v) for v in columns[position]]
        if not values or any(not v for v in values) or len(set(values)) != len(values):
            continue
        word = normalize_header(str(header))
        if word.startswith(("cod_", "codice", "id_", "matr")) or word.endswith(("_id", "_cod", "_code")) \
                or word in ("objectid", "fid", "gid", "ogc_fid", "progressivo", "numero", "n"):
            preferred.append(position)
    return preferred


def header_signature(headers: list[str]) -> str:
    """The headers' fingerprint for import profiles: order and spelling as written, case and accents aside."""
    text = "\x1f".join(fold(str(h)) for h in headers)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
