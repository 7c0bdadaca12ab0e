"""The census form as posted: answers keyed by path (``/projects/0/budget``), and the services' messages
keyed the same way."""

from __future__ import annotations

import json
import re
from typing import Any

from smartregion.errors import Unprocessable

from census.surveys.definition import Field, FieldType

_INDEX = re.compile(r"^/([a-z][a-z0-9_]*)/(\d+)/([a-z][a-z0-9_]*)$")


def page_errors(error: Unprocessable) -> dict[str, list[str]]:
    """The services' field map (`answers/projects/0/budget`) keyed by answer path (`/projects/0/budget`)."""
    out: dict[str, list[str]] = {}
    for key, messages in (error.errors or {}).items():
        path = key.removeprefix("answers") or "/"
        if not path.startswith("/"):
            path = "/" + path
        out.setdefault(path, []).extend(messages if isinstance(messages, list) else [str(messages)])
    return out


def _number_text(raw: str) -> str:
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return text


def _value_of(f: Field, form, path: str) -> Any:
    """One answer from the posted form; a wrong value is kept as typed so the validator reports it."""
    if f.type is FieldType.MULTI_CHOICE:
        chosen = [v for v in form.getlist(path) if v]
        return chosen or None
    raw = form.get(path, "")
    if not raw.strip():
        return None
    if f.type is FieldType.INTEGER:
        text = _number_text(raw)
        return int(text) if re.fullmatch(r"[+-]?\d{1,18}", text) else raw
    if f.type in (FieldType.DECIMAL, FieldType.MONEY):
        return _number_text(raw)
    if f.type is FieldType.BOOLEAN:
        return {"true": True, "false": False}.get(raw, raw)
    if f.type is FieldType.GEOMETRY:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    if f.type is FieldType.TEXT:
        return raw if f.multiline else raw.strip()
    return raw.strip()


def answers_from_form(definition, form) -> dict:
    """The answers object (fields keyed by key, groups as lists) from a form whose names are paths."""
    answers: dict[str, Any] = {}
    rows: dict[str, set[int]] = {}
    for name in form.keys():
        match = _INDEX.match(name)
        if match:
            rows.setdefault(match.group(1), set()).add(int(match.group(2)))
    for name in form.getlist("__rows__"):
        match = re.fullmatch(r"/([a-z][a-z0-9_]*)/(\d+)", name)
        if match:
            rows.setdefault(match.group(1), set()).add(int(match.group(2)))
    for f in definition.fields:
        path = f"/{f.key}"
        if f.type is FieldType.GROUP:
            items = []
            for index in sorted(rows.get(f.key, ())):
                item = {sub.key: value for sub in f.fields
                        if (value := _value_of(sub, form, f"{path}/{index}/{sub.key}")) is not None}
                if item:
                    items.append(item)
            if items:
                answers[f.key] = items
            continue
        value = _value_of(f, form, path)
        if value is not None:
            answers[f.key] = value
    return answers
