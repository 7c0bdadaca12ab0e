"""The official Smart Data Models examples shipped with the platform, and their verdicts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from interoperability import ngsild
from interoperability.registry import DATA_DIR, SchemaRegistry, upstream_manifest
from interoperability.standards import StandardDefinition
from interoperability.validation import compile_standard, validate_against_upstream


@dataclass(frozen=True)
class OfficialExample:
    """One example file as published upstream."""

    entity_type: str
    file: str
    declared_form: str
    source: dict[str, str]
    text: str

    def payload(self) -> Any:
        """The parsed example; raises ``ValueError`` when the upstream file is not JSON."""
        return json.loads(self.text)

    @property
    def is_json(self) -> bool:
        try:
            self.payload()
        except ValueError:
            return False
        return True


def official_examples(entity_type: str | None = None) -> list[OfficialExample]:
    """The shipped examples, optionally only those of one entity type."""
    out = []
    for entry in upstream_manifest()["examples"]:
        if entity_type and entry["entity_type"] != entity_type:
            continue
        text = (DATA_DIR / "upstream" / "examples" / entry["file"]).read_text(encoding="utf-8")
        out.append(OfficialExample(entry["entity_type"], entry["file"], entry["declared_form"], entry["source"], text))
    return out


def example_verdicts(definition: StandardDefinition, registry: SchemaRegistry | None = None) -> list[dict[str, Any]]:
    """For each official example of the profiled type: its form, upstream verdict and regional verdict."""
    compiled = compile_standard(definition, registry)
    verdicts = []
    for example in official_examples(definition.entity_type):
        row: dict[str, Any] = {
            "file": example.file,
            "declared_form": example.declared_form,
            "source": example.source,
        }
        try:
            payload = example.payload()
        except ValueError as exc:
            row.update(
                json=False,
                form=None,
                upstream_valid=False,
                regional_valid=False,
                upstream_errors=[f"not JSON: {exc}"],
                regional_errors=[],
            )
            verdicts.append(row)
            continue
        upstream = validate_against_upstream(payload, definition.upstream_schema, registry)
        result = compiled.check(payload)
        row.update(
            json=True,
            form=ngsild.detect_form(payload),
            upstream_valid=not upstream,
            regional_valid=result.valid,
            upstream_errors=upstream,
            regional_errors=[error.to_dict() for error in result.errors],
        )
        verdicts.append(row)
    return verdicts
