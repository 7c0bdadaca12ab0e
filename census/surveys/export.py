"""Flattening answers of several versions of one survey schema into stable columns; CSV, XLSX, JSON.

Columns are merged across versions, oldest first: a field keeps the column it got in the first version
that had it, so a later version that removes, reorders or adds fields or choices never shifts a
column, and answers to removed fields or choices keep theirs. Headers follow the answers' shape:

    key                  a single value (text, number, date, choice code, GeoJSON as text)
    key[code]            one column per code of a multi-choice: 1 chosen, 0 not chosen, empty unanswered
    key[0].sub           entry 0 of a repeatable group (as many entries as the longest answer)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import xlsxwriter
from smartregion.spreadsheets import neutralise

from census.surveys.definition import Field, FieldType, Label, SchemaDefinition
from census.surveys.validation import ISO_DATE, as_decimal

_VALUE, _MULTI, _GROUP = "value", "multi", "group"


@dataclass(frozen=True)
class ExportRecord:
    """One submission to export: the version it answers, its answers and descriptive columns."""

    version: int
    answers: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    header: str
    label: Label
    type: str
    unit: str | None = None
    versions: tuple[int, ...] = ()


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Any]]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


@dataclass
class _Node:
    key: str
    kind: str
    fields: dict[int, Field] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)
    code_labels: dict[str, Label] = field(default_factory=dict)
    children: dict[tuple[str, str], _Node] = field(default_factory=dict)
    slots: int = 1

    @property
    def latest(self) -> Field:
        return self.fields[max(self.fields)]


_KINDS = {FieldType.MULTI_CHOICE: _MULTI, FieldType.GROUP: _GROUP}


def _kind(f: Field) -> str:
    return _KINDS.get(f.type, _VALUE)


Nodes = dict[tuple[str, str], _Node]


def _merge(nodes: Nodes, fields: Sequence[Field], version: int) -> None:
    for f in fields:
        kind = _kind(f)
        node = nodes.get((f.key, kind))
        if node is None:
            node = nodes[(f.key, kind)] = _Node(f.key, kind)
        node.fields[version] = f
        for choice in f.choices if kind == _MULTI else ():
            if choice.code not in node.code_labels:
                node.codes.append(choice.code)
            node.code_labels[choice.code] = choice.label
        if kind == _GROUP:
            _merge(node.children, f.fields, version)


def _find(nodes: Nodes, f: Field) -> _Node:
    return nodes[(f.key, _kind(f))]


def _observe(nodes: Nodes, fields: Sequence[Field], answers: Mapping[str, Any]) -> None:
    """Widen columns to the data: group entry counts, and codes no definition lists."""
    for f in fields:
        value = answers.get(f.key)
        node = _find(nodes, f)
        if node.kind == _MULTI and isinstance(value, list):
            for code in value:
                code = code if isinstance(code, str) else json.dumps(code)
                if code not in node.code_labels:
                    node.codes.append(code)
                    node.code_labels[code] = Label(code, code)
        elif node.kind == _GROUP and isinstance(value, list):
            node.slots = max(node.slots, len(value))
            for item in value:
                if isinstance(item, Mapping):
                    _observe(node.children, f.fields, item)


def _columns(nodes: Nodes, prefix: str = "", parent: Label | None = None) -> list[Column]:
    out: list[Column] = []
    for node in nodes.values():
        f = node.latest
        versions = tuple(sorted(node.fields))
        label = f.label
        if parent is not None:
            label = Label(f"{parent.it} - {f.label.it}", f"{parent.en} - {f.label.en}")
        if node.kind == _VALUE:
            out.append(Column(prefix + node.key, label, f.type.value, f.unit or f.currency, versions))
        elif node.kind == _MULTI:
            for code in node.codes:
                code_label = node.code_labels[code]
                out.append(Column(f"{prefix}{node.key}[{code}]",
                                  Label(f"{label.it}: {code_label.it}", f"{label.en}: {code_label.en}"),
                                  "multi_choice_code", None, versions))
        else:
            for i in range(node.slots):
                item_label = Label(f"{label.it} {i + 1}", f"{label.en} {i + 1}")
                out.extend(_columns(node.children, f"{prefix}{node.key}[{i}].", item_label))
    return out


def _cell(f: Field, value: Any) -> Any:
    """The exported form of one answer; a value of an unexpected type is kept as text, never dropped."""
    if f.type in (FieldType.DECIMAL, FieldType.MONEY):
        number = as_decimal(value)
        return number if number is not None else _as_text(value)
    if f.type is FieldType.INTEGER and isinstance(value, int) and not isinstance(value, bool):
        return value
    if f.type is FieldType.BOOLEAN and isinstance(value, bool):
        return value
    if f.type is FieldType.DATE and isinstance(value, str) and ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return _as_text(value)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _cells(nodes: Nodes, fields: Sequence[Field], answers: Mapping[str, Any], prefix: str,
           out: dict[str, Any], extras: dict[str, Any]) -> None:
    for f in fields:
        value = answers.get(f.key)
        if value is None or value == []:
            continue
        node = _find(nodes, f)
        if node.kind == _VALUE:
            out[prefix + f.key] = _cell(f, value)
        elif node.kind == _MULTI and isinstance(value, list):
            chosen = {c if isinstance(c, str) else json.dumps(c) for c in value}
            offered = set(f.codes)
            for code in node.codes:
                # A code this version did not offer is unknown for this answer, not "not chosen".
                chosen_here = 1 if code in chosen else 0 if code in offered else None
                if chosen_here is not None:
                    out[f"{prefix}{f.key}[{code}]"] = chosen_here
        elif node.kind == _GROUP and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    _cells(node.children, f.fields, item, f"{prefix}{f.key}[{i}].", out, extras)
                    _extras(f.fields, item, f"{prefix}{f.key}[{i}].", extras)
                else:
                    extras[f"{prefix}{f.key}[{i}]"] = item
        else:
            extras[prefix + f.key] = value


def _extras(fields: Sequence[Field], answers: Mapping[str, Any], prefix: str, extras: dict[str, Any]) -> None:
    known = {f.key for f in fields}
    for key, value in answers.items():
        if key not in known and value is not None:
            extras[prefix + key] = value


def flatten(definitions: Sequence[SchemaDefinition], records: Sequence[ExportRecord],
            meta_columns: Sequence[tuple[str, Label]] = ()) -> Table:
    """One row per record and one stable column per answerable value, over all given versions."""
    by_version = {d.version: d for d in definitions}
    if len({d.key for d in definitions}) > 1:
        raise ValueError("An export covers the versions of one survey schema")
    missing = sorted({r.version for r in records} - set(by_version))
    if missing:
        raise ValueError(f"No definition for version(s) {missing}")
    nodes: Nodes = {}
    for version in sorted(by_version):
        _merge(nodes, by_version[version].fields, version)
    for record in records:
        if isinstance(record.answers, Mapping):
            _observe(nodes, by_version[record.version].fields, record.answers)

    columns = [Column(name, label, "meta") for name, label in meta_columns]
    columns.append(Column("schema_version", Label("Versione dello schema", "Schema version"), "meta"))
    columns.extend(_columns(nodes))
    extra_headers: list[str] = []
    row_cells: list[dict[str, Any]] = []
    for record in records:
        cells: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        definition = by_version[record.version]
        if isinstance(record.answers, Mapping):
            _cells(nodes, definition.fields, record.answers, "", cells, extras)
            _extras(definition.fields, record.answers, "", extras)
        else:
            extras["answers"] = record.answers
        # Answers the definition does not describe (legacy data) keep a column of their own.
        for header, value in extras.items():
            header = f"{header} (extra)"
            if header not in extra_headers:
                extra_headers.append(header)
            cells[header] = _as_text(value)
        cells.update({name: record.meta.get(name) for name, _ in meta_columns})
        cells["schema_version"] = record.version
        row_cells.append(cells)
    columns.extend(Column(h, Label(h, h), "extra") for h in extra_headers)
    headers = [c.header for c in columns]
    return Table(columns=columns, rows=[[cells.get(h) for h in headers] for cells in row_cells])


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return neutralise(str(value))


def to_csv(table: Table) -> str:
    """UTF-8 CSV text (with a byte-order mark so spreadsheets read accents), formulas neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_text(v) for v in row])
    return buffer.getvalue()


def to_xlsx(table: Table, *, title: str = "") -> bytes:
    """An XLSX workbook: sheet `answers` with the table, sheet `columns` describing each column."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    if title:
        workbook.set_properties({"title": title})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    money_format = workbook.add_format({"num_format": "#,##0.00"})
    sheet = workbook.add_worksheet("answers")
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, neutralise(column.header), bold)
    for r, row in enumerate(table.rows, start=1):
        for col, value in enumerate(row):
            column = table.columns[col]
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, col, value)
            elif isinstance(value, int | float | Decimal):
                sheet.write_number(r, col, float(value), money_format if column.type == "money" else None)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, col, value.replace(tzinfo=None), datetime_format)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date_format)
            else:
                sheet.write_string(r, col, neutralise(str(value)))
    sheet.freeze_panes(1, 0)
    if table.columns:
        sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)
    described = workbook.add_worksheet("columns")
    for col, name in enumerate(("column", "label_it", "label_en", "type", "unit", "schema_versions")):
        described.write_string(0, col, name, bold)
    for r, column in enumerate(table.columns, start=1):
        values = (column.header, column.label.it, column.label.en, column.type, column.unit or "",
                  ", ".join(map(str, column.versions)))
        for col, value in enumerate(values):
            described.write_string(r, col, neutralise(value))
    workbook.close()
    return buffer.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"Cannot export {type(value).__name__}")


def to_json(definitions: Sequence[SchemaDefinition], records: Sequence[ExportRecord],
            meta_columns: Sequence[tuple[str, Label]] = ()) -> str:
    """The answers as given (nothing flattened, nothing dropped), with the merged column list."""
    table = flatten(definitions, records, meta_columns)
    document = {
        "schema_key": definitions[0].key if definitions else None,
        "schema_versions": sorted(d.version for d in definitions),
        "columns": [{"header": c.header, "label": c.label.to_dict(), "type": c.type, "unit": c.unit,
                     "schema_versions": list(c.versions)} for c in table.columns],
        "submissions": [{**{name: record.meta.get(name) for name, _ in meta_columns},
                         "schema_version": record.version, "answers": record.answers} for record in records],
    }
    return json.dumps(document, ensure_ascii=False, default=_json_default, indent=1)
