"""The survey-schema definition format (schema di rilevazione): sections, fields, rules.

A definition is plain JSON, so it can be stored as it is, shown to people and diffed between versions:

    {"key": "networks", "version": 1, "title": {"it": ..., "en": ...}, "description": {...},
     "sections": [{"key": "general", "title": {...}, "fields": [FIELD, ...]}, ...]}

A field has a `key` (unique in the whole schema, or within its group), a `type`, a bilingual `label`,
optional `help`, a `required` flag and the rules its type allows:

    text          min_length, max_length, pattern, multiline,
                  format (email, url, vat_it, fiscal_code_it, cup, istat_code)
    integer       min, max, min_field, max_field
    decimal       unit (required), min, max, decimal_places, min_field, max_field
    money         currency (EUR only), min, max, min_field, max_field; at most two decimal places
    boolean, date (min, max as ISO dates, min_field, max_field)
    choice        choices [{"code", "label"}] or code_list (a name from `codelists`)
    multi_choice  as choice, plus min_items, max_items
    geometry      geometry_types (GeoJSON geometry types)
    group         fields (the item's fields), min_items, max_items: a repeatable group

Answers are one JSON object keyed by field key across all sections; a group's answer is a list of
objects keyed by its fields' keys. `parse_definition` checks a definition and resolves each
`code_list` into explicit `choices`, so a stored definition never changes when a code list does.
`min_field` / `max_field` name a sibling field of the same type that bounds this one (an end date not
before the start date, a funded amount not above the budget).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from census.surveys.codelists import CODE_LISTS, CodeList

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
SCHEMA_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
TEXT_FORMATS = ("email", "url", "vat_it", "fiscal_code_it", "cup", "istat_code")


class FieldType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    BOOLEAN = "boolean"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    GEOMETRY = "geometry"
    GROUP = "group"


# Attributes each type accepts besides key, type, label, help and required.
_ALLOWED: dict[FieldType, frozenset[str]] = {
    FieldType.TEXT: frozenset({"min_length", "max_length", "pattern", "format", "multiline"}),
    FieldType.INTEGER: frozenset({"min", "max", "min_field", "max_field"}),
    FieldType.DECIMAL: frozenset({"unit", "min", "max", "decimal_places", "min_field", "max_field"}),
    FieldType.MONEY: frozenset({"currency", "min", "max", "min_field", "max_field"}),
    FieldType.BOOLEAN: frozenset(),
    FieldType.DATE: frozenset({"min", "max", "min_field", "max_field"}),
    FieldType.CHOICE: frozenset({"choices", "code_list"}),
    FieldType.MULTI_CHOICE: frozenset({"choices", "code_list", "min_items", "max_items"}),
    FieldType.GEOMETRY: frozenset({"geometry_types"}),
    FieldType.GROUP: frozenset({"fields", "min_items", "max_items"}),
}
_COMMON = frozenset({"key", "type", "label", "help", "required"})


@dataclass(frozen=True)
class Label:
    it: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"it": self.it, "en": self.en}


@dataclass(frozen=True)
class Choice:
    code: str
    label: Label

    def to_dict(self) -> dict:
        return {"code": self.code, "label": self.label.to_dict()}


@dataclass(frozen=True)
class Field:
    """One question of a survey schema (campo)."""

    key: str
    type: FieldType
    label: Label
    help: Label | None = None
    required: bool = False
    min: Any = None
    max: Any = None
    min_field: str | None = None
    max_field: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    format: str | None = None
    multiline: bool = False
    unit: str | None = None
    decimal_places: int | None = None
    currency: str | None = None
    choices: tuple[Choice, ...] = ()
    code_list: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    geometry_types: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def choice_label(self, code: str) -> Label | None:
        return next((c.label for c in self.choices if c.code == code), None)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"key": self.key, "type": self.type.value, "label": self.label.to_dict()}
        if self.help is not None:
            out["help"] = self.help.to_dict()
        if self.required:
            out["required"] = True
        for name in ("min_length", "max_length", "pattern", "format", "unit", "decimal_places", "currency",
                     "code_list", "min_items", "max_items", "min_field", "max_field"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.multiline:
            out["multiline"] = True
        for name in ("min", "max"):
            value = getattr(self, name)
            if value is not None:
                out[name] = _bound_to_json(value)
        if self.choices:
            out["choices"] = [c.to_dict() for c in self.choices]
        if self.geometry_types:
            out["geometry_types"] = list(self.geometry_types)
        if self.fields:
            out["fields"] = [f.to_dict() for f in self.fields]
        return out


@dataclass(frozen=True)
class Section:
    key: str
    title: Label
    fields: tuple[Field, ...]
    description: Label | None = None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"key": self.key, "title": self.title.to_dict()}
        if self.description is not None:
            out["description"] = self.description.to_dict()
        out["fields"] = [f.to_dict() for f in self.fields]
        return out


@dataclass(frozen=True)
class SchemaDefinition:
    """A parsed, checked survey schema of one version."""

    key: str
    version: int
    title: Label
    sections: tuple[Section, ...]
    description: Label | None = None
    _index: dict[str, Field] = dataclass_field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({f.key: f for s in self.sections for f in s.fields})

    @property
    def fields(self) -> tuple[Field, ...]:
        """Top-level fields in order, across sections."""
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, key: str) -> Field | None:
        return self._index.get(key)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"key": self.key, "version": self.version, "title": self.title.to_dict()}
        if self.description is not None:
            out["description"] = self.description.to_dict()
        out["sections"] = [s.to_dict() for s in self.sections]
        return out


class DefinitionError(ValueError):
    """A survey-schema definition that does not follow the format; `errors` maps paths to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("Invalid survey-schema definition: " + "; ".join(
            f"{path}: {', '.join(msgs)}" for path, msgs in sorted(errors.items())))
        self.errors = errors


def iter_fields(fields: tuple[Field, ...], prefix: str = "") -> Iterator[tuple[str, Field]]:
    """Every field with its path template (`/group/*/field`), groups before their fields."""
    for f in fields:
        path = f"{prefix}/{f.key}"
        yield path, f
        if f.type is FieldType.GROUP:
            yield from iter_fields(f.fields, f"{path}/*")


def _bound_to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class _Parser:
    def __init__(self, code_lists: Mapping[str, CodeList]):
        self.code_lists = code_lists
        self.errors: dict[str, list[str]] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.setdefault(path or "/", []).append(message)

    def label(self, value: Any, path: str, *, required: bool = True) -> Label | None:
        if value is None and not required:
            return None
        if not isinstance(value, Mapping) or set(value) != {"it", "en"} or not all(
                isinstance(v, str) and v.strip() for v in value.values()):
            self.error(path, "Must be an object with non-empty Italian and English texts: {\"it\", \"en\"}.")
            return None
        return Label(it=value["it"], en=value["en"])

    def int_attr(self, raw: Mapping, name: str, path: str, *, minimum: int = 0) -> int | None:
        value = raw.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.error(f"{path}/{name}", f"Must be an integer >= {minimum}.")
            return None
        return value

    def bound(self, raw: Mapping, name: str, ftype: FieldType, path: str) -> Any:
        value = raw.get(name)
        if value is None:
            return None
        if ftype is FieldType.INTEGER:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            self.error(f"{path}/{name}", "Must be an integer.")
            return None
        if ftype is FieldType.DATE:
            try:
                return dt.date.fromisoformat(value) if isinstance(value, str) else _raise()
            except ValueError:
                self.error(f"{path}/{name}", "Must be an ISO date (YYYY-MM-DD).")
                return None
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise InvalidOperation
            number = Decimal(str(value))
            if not number.is_finite():
                raise InvalidOperation
            return number
        except InvalidOperation:
            self.error(f"{path}/{name}", "Must be a number.")
            return None

    def choices(self, raw: Mapping, path: str) -> tuple[tuple[Choice, ...], str | None]:
        code_list = raw.get("code_list")
        if code_list is not None and not isinstance(code_list, str):
            self.error(f"{path}/code_list", "Must be the name of a code list.")
            return (), None
        given = raw.get("choices")
        if given is not None:
            if not isinstance(given, list) or not given:
                self.error(f"{path}/choices", "Must be a non-empty list of {\"code\", \"label\"}.")
                return (), code_list
            out: list[Choice] = []
            for i, item in enumerate(given):
                ipath = f"{path}/choices/{i}"
                if not isinstance(item, Mapping) or not isinstance(item.get("code"), str) or not item["code"]:
                    self.error(ipath, "Must be an object with a non-empty string `code` and a `label`.")
                    continue
                label = self.label(item.get("label"), f"{ipath}/label")
                if label is not None:
                    out.append(Choice(item["code"], label))
            codes = [c.code for c in out]
            if len(codes) != len(set(codes)):
                self.error(f"{path}/choices", "Codes must be unique.")
            return tuple(out), code_list
        if code_list is None:
            self.error(path, "A choice field needs `choices` or a `code_list`.")
            return (), None
        if code_list not in self.code_lists:
            self.error(f"{path}/code_list", f"Unknown code list {code_list!r}.")
            return (), code_list
        resolved = self.code_lists[code_list].codes
        return tuple(Choice(c.code, Label(c.it, c.en)) for c in resolved), code_list

    def fields(self, raw: Any, path: str, *, in_group: bool = False) -> tuple[Field, ...]:
        if not isinstance(raw, list) or not raw:
            self.error(path, "Must be a non-empty list of fields.")
            return ()
        return tuple(f for i, item in enumerate(raw) if (f := self.field(item, f"{path}/{i}", in_group)))

    def field(self, raw: Any, path: str, in_group: bool) -> Field | None:
        if not isinstance(raw, Mapping):
            self.error(path, "Must be an object.")
            return None
        key = raw.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            self.error(f"{path}/key", "Must be lower-case letters, digits and underscores, "
                                      "starting with a letter.")
            key = None
        try:
            ftype = FieldType(raw.get("type"))
        except ValueError:
            self.error(f"{path}/type", "Must be one of: " + ", ".join(t.value for t in FieldType) + ".")
            return None
        unknown = set(raw) - _COMMON - _ALLOWED[ftype]
        for name in sorted(unknown):
            self.error(f"{path}/{name}", f"Not an attribute of a {ftype.value} field.")
        label = self.label(raw.get("label"), f"{path}/label")
        help_text = self.label(raw.get("help"), f"{path}/help", required=False)
        required = raw.get("required", False)
        if not isinstance(required, bool):
            self.error(f"{path}/required", "Must be true or false.")
            required = False
        attrs: dict[str, Any] = {}
        if ftype is FieldType.TEXT:
            attrs["min_length"] = self.int_attr(raw, "min_length", path)
            attrs["max_length"] = self.int_attr(raw, "max_length", path, minimum=1)
            pattern = raw.get("pattern")
            if pattern is not None:
                try:
                    re.compile(pattern) if isinstance(pattern, str) else _raise()
                    attrs["pattern"] = pattern
                except (re.error, ValueError):
                    self.error(f"{path}/pattern", "Must be a valid regular expression.")
            fmt = raw.get("format")
            if fmt is not None and fmt not in TEXT_FORMATS:
                self.error(f"{path}/format", "Must be one of: " + ", ".join(TEXT_FORMATS) + ".")
            else:
                attrs["format"] = fmt
            multiline = raw.get("multiline", False)
            attrs["multiline"] = multiline if isinstance(multiline, bool) else False
            self._ordered(attrs.get("min_length"), attrs.get("max_length"), f"{path}/max_length")
        elif ftype in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY, FieldType.DATE):
            attrs["min"] = self.bound(raw, "min", ftype, path)
            attrs["max"] = self.bound(raw, "max", ftype, path)
            self._ordered(attrs["min"], attrs["max"], f"{path}/max")
            for name in ("min_field", "max_field"):
                ref = raw.get(name)
                if ref is not None and not (isinstance(ref, str) and KEY_PATTERN.match(ref)):
                    self.error(f"{path}/{name}", "Must be the key of a sibling field.")
                elif ref is not None:
                    attrs[name] = ref
            if ftype is FieldType.DECIMAL:
                unit = raw.get("unit")
                if not isinstance(unit, str) or not unit.strip():
                    self.error(f"{path}/unit", "A decimal field needs its unit of measure.")
                attrs["unit"] = unit if isinstance(unit, str) else None
                attrs["decimal_places"] = self.int_attr(raw, "decimal_places", path)
            if ftype is FieldType.MONEY:
                currency = raw.get("currency", "EUR")
                if currency != "EUR":
                    self.error(f"{path}/currency", "Money is in euro: currency must be EUR.")
                attrs["currency"] = "EUR"
        elif ftype in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            attrs["choices"], attrs["code_list"] = self.choices(raw, path)
            if ftype is FieldType.MULTI_CHOICE:
                attrs["min_items"] = self.int_attr(raw, "min_items", path)
                attrs["max_items"] = self.int_attr(raw, "max_items", path, minimum=1)
                self._ordered(attrs["min_items"], attrs["max_items"], f"{path}/max_items")
        elif ftype is FieldType.GEOMETRY:
            types = raw.get("geometry_types", list(GEOMETRY_TYPES))
            if not isinstance(types, list) or not types or any(t not in GEOMETRY_TYPES for t in types):
                self.error(f"{path}/geometry_types",
                           "Must be a non-empty list of: " + ", ".join(GEOMETRY_TYPES) + ".")
                types = []
            attrs["geometry_types"] = tuple(types)
        elif ftype is FieldType.GROUP:
            if in_group:
                self.error(f"{path}/type", "Groups cannot be nested inside groups.")
            attrs["fields"] = self.fields(raw.get("fields"), f"{path}/fields", in_group=True)
            self._unique(attrs["fields"], f"{path}/fields")
            attrs["min_items"] = self.int_attr(raw, "min_items", path)
            attrs["max_items"] = self.int_attr(raw, "max_items", path, minimum=1)
            self._ordered(attrs["min_items"], attrs["max_items"], f"{path}/max_items")
        if key is None or label is None:
            return None
        return Field(key=key, type=ftype, label=label, help=help_text, required=required, **attrs)

    def _ordered(self, low: Any, high: Any, path: str) -> None:
        if low is not None and high is not None and low > high:
            self.error(path, "Must not be lower than the minimum.")

    def _unique(self, fields: tuple[Field, ...], path: str) -> None:
        seen: set[str] = set()
        for f in fields:
            if f.key in seen:
                self.error(path, f"Field key {f.key!r} is used twice.")
            seen.add(f.key)
        siblings = {f.key: f for f in fields}
        for f in fields:
            for name in ("min_field", "max_field"):
                ref = getattr(f, name)
                if ref is None:
                    continue
                other = siblings.get(ref)
                if other is None or other is f or other.type is not f.type:
                    self.error(path, f"{f.key}.{name}: {ref!r} is not another {f.type.value} field "
                                     "at the same level.")


def _raise() -> Any:
    raise ValueError


def parse_definition(data: Any, *, code_lists: Mapping[str, CodeList] = CODE_LISTS) -> SchemaDefinition:
    """Check a JSON definition and return it parsed, with code lists resolved; raise DefinitionError."""
    parser = _Parser(code_lists)
    if not isinstance(data, Mapping):
        raise DefinitionError({"/": ["A survey-schema definition must be a JSON object."]})
    for name in sorted(set(data) - {"key", "version", "title", "description", "sections"}):
        parser.error(f"/{name}", "Not an attribute of a survey schema.")
    key = data.get("key")
    if not isinstance(key, str) or not SCHEMA_KEY_PATTERN.match(key):
        parser.error("/key", "Must be lower-case letters, digits and dashes, starting with a letter.")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        parser.error("/version", "Must be a positive integer.")
    title = parser.label(data.get("title"), "/title")
    description = parser.label(data.get("description"), "/description", required=False)
    sections: list[Section] = []
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        parser.error("/sections", "Must be a non-empty list of sections.")
        raw_sections = []
    section_keys: set[str] = set()
    for i, raw in enumerate(raw_sections):
        path = f"/sections/{i}"
        if not isinstance(raw, Mapping):
            parser.error(path, "Must be an object.")
            continue
        for name in sorted(set(raw) - {"key", "title", "description", "fields"}):
            parser.error(f"{path}/{name}", "Not an attribute of a section.")
        skey = raw.get("key")
        if not isinstance(skey, str) or not KEY_PATTERN.match(skey):
            parser.error(f"{path}/key", "Must be lower-case letters, digits and underscores.")
        elif skey in section_keys:
            parser.error(f"{path}/key", f"Section key {skey!r} is used twice.")
        section_keys.add(skey if isinstance(skey, str) else "")
        stitle = parser.label(raw.get("title"), f"{path}/title")
        sdesc = parser.label(raw.get("description"), f"{path}/description", required=False)
        fields = parser.fields(raw.get("fields"), f"{path}/fields")
        if isinstance(skey, str) and stitle is not None:
            sections.append(Section(key=skey, title=stitle, fields=fields, description=sdesc))
    parser._unique(tuple(f for s in sections for f in s.fields), "/sections")
    if parser.errors:
        raise DefinitionError(parser.errors)
    assert title is not None
    return SchemaDefinition(key=key, version=version, title=title, sections=tuple(sections),
                            description=description)
