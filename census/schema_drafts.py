"""Drafting a survey schema as people do it: the sections as JSON text, errors placed where they were made.

The secretariat's drafting page shows the header fields and the sections as JSON; the schema
services' errors (`definition/sections/0/fields/1/type`) come back beside the line and column that
caused them, with the path told in the keys people wrote.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from smartregion.web import page_language

from census.models import SurveySchema
from census.surveys import DefinitionError, parse_definition
from census.surveys.definition import _ALLOWED as ALLOWED_ATTRIBUTES
from census.surveys.definition import FieldType

TYPE_HELP = {
    FieldType.TEXT: _l("text, on one line or several (multiline)"),
    FieldType.INTEGER: _l("whole number"),
    FieldType.DECIMAL: _l("decimal number with its unit of measure (unit required)"),
    FieldType.MONEY: _l("amount in euro, at most two decimals"),
    FieldType.BOOLEAN: _l("yes / no"),
    FieldType.DATE: _l("ISO date (YYYY-MM-DD)"),
    FieldType.CHOICE: _l("one entry of choices or of a code_list"),
    FieldType.MULTI_CHOICE: _l("several entries of choices or of a code_list"),
    FieldType.GEOMETRY: _l("GeoJSON geometry in WGS84"),
    FieldType.GROUP: _l("repeatable group of fields (groups do not nest)"),
}

STARTER_SECTIONS = [
    {"key": "respondent", "title": {"it": "Ente e referente", "en": "Body and contact person"}, "fields": [
        {"key": "respondent_name", "type": "text", "required": True, "max_length": 200,
         "label": {"it": "Referente della compilazione", "en": "Contact person"}},
        {"key": "respondent_email", "type": "text", "required": True, "format": "email",
         "label": {"it": "E-mail del referente", "en": "Contact e-mail"}}]},
]


def type_help() -> list[dict]:
    return [{"type": ftype.value, "text": str(TYPE_HELP[ftype]),
             "attributes": sorted(ALLOWED_ATTRIBUTES[ftype])} for ftype in FieldType]


def pretty_json(value: Any, level: int = 0, width: int = 100) -> str:
    """JSON for people: a container short enough stays on one line, longer ones have one item a line."""
    compact = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, dict | list) or not value or len(compact) + 2 * level <= width:
        return compact
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {pretty_json(v, level + 1, width)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    return "[\n" + ",\n".join(inner + pretty_json(v, level + 1, width) for v in value) + "\n" + pad + "]"


_FIRST = ("key", "version", "code", "type", "required", "title", "label", "help", "description", "it", "en")
_LAST = ("choices", "fields", "sections")


def canonical_order(value: Any) -> Any:
    """A stored definition (JSONB sorts object keys) in the order people write it: key, type, label... fields."""
    if isinstance(value, list):
        return [canonical_order(v) for v in value]
    if not isinstance(value, dict):
        return value
    rank = {name: i for i, name in enumerate(_FIRST)} | {name: 100 + i for i, name in enumerate(_LAST)}
    return {k: canonical_order(value[k]) for k in sorted(value, key=lambda k: rank.get(k, 50))}


def editable_sections(sections: Any) -> Any:
    """Stored sections as people edit them: a field with a `code_list` without the choices it resolved to.

    The services resolve the list again when the draft is saved, so editing `code_list` takes effect.
    """
    if isinstance(sections, list):
        return [editable_sections(v) for v in sections]
    if not isinstance(sections, dict):
        return sections
    return {k: editable_sections(v) for k, v in sections.items()
            if not (k == "choices" and isinstance(sections.get("code_list"), str))}


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")


class JsonPositions:
    """Where each value of a (valid) JSON text starts, by JSON pointer, and the names repeated in an object."""

    def __init__(self, text: str):
        self.text = text
        self.offsets: dict[str, int] = {}
        self.duplicates: list[tuple[str, str, int]] = []
        self._line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        try:
            self._value(0, "")
        except (IndexError, ValueError, RecursionError):  # not valid JSON: positions are best effort
            pass

    def _skip(self, i: int) -> int:
        return _WHITESPACE.match(self.text, i).end()

    def _value(self, i: int, pointer: str) -> int:
        text = self.text
        i = self._skip(i)
        self.offsets[pointer] = i
        char = text[i]
        if char in "{[":
            closing, index, names = ("}" if char == "{" else "]"), 0, set()
            i = self._skip(i + 1)
            if text[i] == closing:
                return i + 1
            while True:
                i = self._skip(i)
                if char == "{":
                    name_at = i
                    name, i = json.decoder.scanstring(text, i + 1)
                    if name in names:
                        self.duplicates.append((pointer, name, name_at))
                    names.add(name)
                    i = self._skip(i) + 1  # the colon
                    child = pointer + "/" + name.replace("~", "~0").replace("/", "~1")
                else:
                    child, index = f"{pointer}/{index}", index + 1
                i = self._skip(self._value(i, child))
                if text[i] != ",":
                    return i + 1
                i += 1
        if char == '"':
            return json.decoder.scanstring(text, i + 1)[1]
        for literal in ("true", "false", "null"):
            if text.startswith(literal, i):
                return i + len(literal)
        match = _NUMBER.match(text, i)
        if match is None:
            raise ValueError(f"no JSON value at {i}")
        return match.end()

    def line_column(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def locate(self, pointer: str) -> tuple[int, int]:
        """The line and column of the value at `pointer`, or of its nearest ancestor that exists."""
        while pointer and pointer not in self.offsets:
            pointer = pointer.rsplit("/", 1)[0]
        return self.line_column(self.offsets.get(pointer, 0))


_USED_TWICE = re.compile(r"Field key '([^']+)' is used twice")
_BOUND_BY = re.compile(r"^([a-z][a-z0-9_]*)\.(min_field|max_field):")
_HEADER_PARTS = ("key", "version", "title", "description")


def _node(document: Any, pointer: str) -> Any:
    for part in [p for p in pointer.split("/") if p]:
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


def _precise(path: str, message: str, document: dict) -> str:
    """The parser reports a repeated key or a wrong `min_field` on the list: point at the field itself."""
    match = _USED_TWICE.search(message) or _BOUND_BY.match(message)
    if match is None:
        return path
    if path == "/sections":
        candidates = [(f"/sections/{s}/fields/{f}", item)
                      for s, section in enumerate(document.get("sections") or [])
                      if isinstance(section, dict) and isinstance(section.get("fields"), list)
                      for f, item in enumerate(section["fields"])]
    else:
        items = _node(document, path)
        candidates = [(f"{path}/{i}", item) for i, item in enumerate(items)] if isinstance(items, list) else []
    hits = [pointer for pointer, item in candidates if isinstance(item, dict) and item.get("key") == match.group(1)]
    if not hits:
        return path
    if match.re is _USED_TWICE:
        return (hits[1] if len(hits) > 1 else hits[0]) + "/key"
    return f"{hits[0]}/{match.group(2)}"


def _where(document: dict, path: str) -> str:
    """A path told with the keys people wrote: section «general» › field «budget» › max."""
    names = {"sections": pgettext("schema path", "section"), "fields": pgettext("schema path", "field")}
    parts, told, node, i = [p for p in path.split("/") if p], [], document, 0
    while i < len(parts):
        part = parts[i]
        items = node.get(part) if isinstance(node, dict) else None
        if part in names and isinstance(items, list) and i + 1 < len(parts) and parts[i + 1].isdigit() \
                and int(parts[i + 1]) < len(items):
            node = items[int(parts[i + 1])]
            key = node.get("key") if isinstance(node, dict) else None
            told.append(f"{names[part]} «{key}»" if isinstance(key, str) and key
                        else f"{names[part]} {int(parts[i + 1]) + 1}")
            i += 2
            continue
        told.append("/".join(parts[i:]))
        break
    return " › ".join(told) or pgettext("schema path", "document")


class Draft:
    """What the drafting page shows: the header fields, the sections as JSON, and what is wrong with them."""

    def __init__(self, *, mode: str, key: str = "", version: int | None = None, title_it: str = "",
                 title_en: str = "", description_it: str = "", description_en: str = "",
                 sections_text: str = "", updated_at: str = "", preview_lang: str | None = None):
        self.mode, self.key, self.version = mode, key, version
        self.title_it, self.title_en = title_it, title_en
        self.description_it, self.description_en = description_it, description_en
        self.sections_text, self.updated_at = sections_text, updated_at
        self.preview_lang = preview_lang if preview_lang in ("it", "en") else page_language()
        self.field_errors: dict[str, list[str]] = {}
        self.json_error: dict | None = None
        self.problems: list[dict] = []
        self.alert: str | None = None
        self.based_on: SurveySchema | None = None  # the version a new one was pre-filled from
        self.document: dict | None = None
        self._positions: JsonPositions | None = None
        self._wrapped = False  # the textarea holds a whole document rather than the list of sections

    @classmethod
    def of_schema(cls, stored: SurveySchema, *, mode: str) -> Draft:
        definition = stored.definition or {}
        description = definition.get("description") or {}
        return cls(mode=mode, key=stored.key, version=stored.version, title_it=stored.title_it,
                   title_en=stored.title_en, description_it=description.get("it", ""),
                   description_en=description.get("en", ""),
                   sections_text=pretty_json(canonical_order(editable_sections(definition.get("sections") or []))),
                   updated_at=stored.updated_at.isoformat() if stored.updated_at else "")

    @classmethod
    def of_form(cls, form, *, mode: str, key: str | None = None, version: int | None = None) -> Draft:
        return cls(mode=mode, key=key if key is not None else form.get("key", "").strip(), version=version,
                   title_it=form.get("title_it", "").strip(), title_en=form.get("title_en", "").strip(),
                   description_it=form.get("description_it", "").strip(),
                   description_en=form.get("description_en", "").strip(),
                   sections_text=form.get("sections", "").replace("\r\n", "\n"),
                   updated_at=form.get("updated_at", ""), preview_lang=form.get("preview_lang"))

    @property
    def has_errors(self) -> bool:
        return bool(self.field_errors or self.json_error or self.problems)

    def definition(self) -> dict | None:
        """The definition to check and store, or None when the JSON cannot be read (`json_error` says why)."""
        text = self.sections_text
        sections: Any = None
        if text.strip():
            try:
                sections = json.loads(text)
            except json.JSONDecodeError as exc:
                self.json_error = {"message": exc.msg, "line": exc.lineno, "column": exc.colno}
                return None
            self._positions = JsonPositions(text)
            if self._positions.duplicates:
                pointer, name, offset = self._positions.duplicates[0]
                line, column = self._positions.line_column(offset)
                self.json_error = {"line": line, "column": column, "ambiguous": True, "message": _(
                    "the name \"%(name)s\" appears twice in the same object (%(pointer)s): "
                    "the second would silently replace the first", name=name, pointer=pointer or "/")}
                return None
        header: dict[str, Any] = {}
        if isinstance(sections, dict) and "sections" in sections:  # a whole document pasted from the API
            self._wrapped, header, sections = True, sections, sections["sections"]
        document: dict[str, Any] = {"key": self.key or header.get("key", "")}
        if self.title_it or self.title_en or "title" not in header:
            document["title"] = {"it": self.title_it, "en": self.title_en}
        else:
            document["title"] = header["title"]
        if self.description_it or self.description_en:
            document["description"] = {"it": self.description_it, "en": self.description_en}
        elif header.get("description") is not None:
            document["description"] = header["description"]
        document["sections"] = sections
        self.document = document
        return dict(document)

    def report(self, errors: dict[str, list[str]]) -> None:
        """Place the schema services' errors (`definition/sections/0/fields/1/type`) beside what caused them."""
        for raw_path, messages in errors.items():
            path = raw_path.removeprefix("definition") or "/"
            for message in messages if isinstance(messages, list) else [str(messages)]:
                head = path.strip("/").split("/")[0]
                if head in _HEADER_PARTS:
                    self.field_errors.setdefault(head, []).append(message)
                    continue
                precise = _precise(path, message, self.document or {})
                pointer = precise if self._wrapped else precise.removeprefix("/sections")
                line, column = self._positions.locate(pointer) if self._positions else (1, 1)
                self.problems.append({"where": _where(self.document or {}, precise), "path": precise,
                                      "message": message, "line": line, "column": column})
        self.problems.sort(key=lambda p: (p["line"], p["column"]))


def check_definition(definition: dict) -> tuple[Any, dict[str, list[str]]]:
    try:
        return parse_definition(definition), {}
    except DefinitionError as exc:
        return None, {f"definition{path}": messages for path, messages in exc.errors.items()}
