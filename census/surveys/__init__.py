"""Survey schemas (schemi di rilevazione): the definition format, answer validation and exports."""

from census.surveys.definition import (
    DefinitionError,
    Field,
    FieldType,
    SchemaDefinition,
    parse_definition,
)
from census.surveys.shipped import SHIPPED_KEYS, shipped_definition, shipped_definitions
from census.surveys.validation import ValidationReport, validate_answers

__all__ = [
    "SHIPPED_KEYS",
    "DefinitionError",
    "Field",
    "FieldType",
    "SchemaDefinition",
    "ValidationReport",
    "parse_definition",
    "shipped_definition",
    "shipped_definitions",
    "validate_answers",
]
