"""The survey schemas shipped with the platform, as JSON files under `census/data/schemas/`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from census.surveys.definition import SchemaDefinition, parse_definition

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "data" / "schemas"
SHIPPED_KEYS = ("smart-services", "networks", "projects")


@cache
def shipped_definition(key: str, version: int = 1) -> SchemaDefinition:
    """The shipped definition `<key>.v<version>.json`, parsed and checked; KeyError when absent."""
    path = SHIPPED_DIR / f"{key}.v{version}.json"
    if not path.is_file():
        raise KeyError(f"No shipped survey schema {key} version {version}")
    definition = parse_definition(json.loads(path.read_text(encoding="utf-8")))
    if (definition.key, definition.version) != (key, version):
        raise ValueError(f"{path.name} declares {definition.key} version {definition.version}")
    return definition


def shipped_definitions() -> list[SchemaDefinition]:
    """Every shipped definition, by key and version."""
    out = []
    for path in sorted(SHIPPED_DIR.glob("*.v*.json")):
        key, _, version = path.name.removesuffix(".json").rpartition(".v")
        out.append(shipped_definition(key, int(version)))
    return out
