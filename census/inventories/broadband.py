"""Ultra-broadband plan status per municipality (stato del piano BUL), as in the national agency's tables.

The agency publishes, per municipality, the tender (gara), phase (fase), project type (FTTH fibre or
FWA wireless), status of the works and whether the municipality signed the agreement (convenzione).
Records are kept per ISTAT code, whether or not the municipality is a tenant yet.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from smartregion.i18n import NC_, translate

from . import municipalities
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
    PROGRAMMED = "programmed"
    IN_DESIGN = "in-design"
    IN_FINAL_DESIGN = "in-final-design"
    DESIGN_UNDER_CHECK = "design-under-check"
    FINAL_DESIGN_UNDER_APPROVAL = "final-design-under-approval"
    FINAL_DESIGN_APPROVED = "final-design-approved"
    WAITING_FOR_PERMITS = "waiting-for-permits"
    IN_EXECUTIVE_DESIGN = "in-executive-design"
    WORKS_IN_PROGRESS = "works-in-progress"
    WORKS_CLOSED = "works-closed"
    IN_TESTING = "in-testing"
    COMPLETED = "completed"
    IN_SERVICE = "in-service"
    NOT_PLANNED = "not-planned"


# The statuses' English names, messages of the catalogue in the context of broadband works
# ("Completed" is "Terminato" there, "Concluso" for a project).
WORKS = "broadband works"
STATUS_LABELS: dict[WorksStatus, str] = {
    WorksStatus.PROGRAMMED: NC_("broadband works", "Programmed"),
    WorksStatus.IN_DESIGN: NC_("broadband works", "In design"),
    WorksStatus.IN_EXECUTIVE_DESIGN: NC_("broadband works", "In executive design"),
    WorksStatus.WORKS_CLOSED: NC_("broadband works", "Works closed, awaiting testing"),
    WorksStatus.IN_TESTING: NC_("broadband works", "Being tested"),
    WorksStatus.IN_SERVICE: NC_("broadband works", "Services on sale"),
    WorksStatus.NOT_PLANNED: NC_("broadband works", "Not in the plan"),
    WorksStatus.IN_FINAL_DESIGN: NC_("broadband works", "In final design"),
    WorksStatus.DESIGN_UNDER_CHECK: NC_("broadband works", "Final design under check"),
    WorksStatus.FINAL_DESIGN_UNDER_APPROVAL: NC_("broadband works", "Final design under approval"),
    WorksStatus.FINAL_DESIGN_APPROVED: NC_("broadband works", "Final design approved"),
    WorksStatus.WAITING_FOR_PERMITS: NC_("broadband works", "Waiting for permits"),
    WorksStatus.WORKS_IN_PROGRESS: NC_("broadband works", "Works in progress"),
    WorksStatus.COMPLETED: NC_("broadband works", "Completed"),
}

_STATUS_WORDS: dict[str, WorksStatus] = {}
for _status, _en in STATUS_LABELS.items():
    for _word in (_status.value, _en, translate(_en, "it", context=WORKS)):
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
    "collaudo positivo": WorksStatus.COMPLETED,
    "completato con cuir": WorksStatus.COMPLETED,
    "programmazione": WorksStatus.PROGRAMMED,
    "programmato": WorksStatus.PROGRAMMED,
    "progettazione": WorksStatus.IN_DESIGN,
    "progettazione definitiva": WorksStatus.IN_FINAL_DESIGN,
    "progettazione esecutiva": WorksStatus.IN_EXECUTIVE_DESIGN,
    "in progettazione esecutiva": WorksStatus.IN_EXECUTIVE_DESIGN,
    "esecutivo approvato": WorksStatus.IN_EXECUTIVE_DESIGN,
    "in esecuzione": WorksStatus.WORKS_IN_PROGRESS,
    "esecuzione": WorksStatus.WORKS_IN_PROGRESS,
    "lavori chiusi": WorksStatus.WORKS_CLOSED,
    "chiuso": WorksStatus.WORKS_CLOSED,
    "in collaudo": WorksStatus.IN_TESTING,
    "collaudo": WorksStatus.IN_TESTING,
    "terminato": WorksStatus.COMPLETED,
    "in commercializzazione": WorksStatus.IN_SERVICE,
    "commercializzabile": WorksStatus.IN_SERVICE,
    "servizio attivo": WorksStatus.IN_SERVICE,
    "non previsto": WorksStatus.NOT_PLANNED,
    "non presente": WorksStatus.NOT_PLANNED,
}.items():
    _STATUS_WORDS[_word] = _status

_TYPE_WORDS = {"fibra": ProjectType.FTTH, "ftth": ProjectType.FTTH, "fibre": ProjectType.FTTH,
               "fiber": ProjectType.FTTH, "fibra ottica": ProjectType.FTTH, "fwa": ProjectType.FWA,
               "wireless": ProjectType.FWA, "radio": ProjectType.FWA}

COLUMNS: dict[str, tuple[str, ...]] = {
    "istat_code": ("istat_code", "codice_istat", "istat", "cod_istat", "pro_com_t", "codice_comune"),
    "municipality": ("municipality", "comune", "denominazione", "nome_comune", "citta", "city"),
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
# Today's table (bandaultralarga.italia.it): one row per municipality, fibre and FWA side by side.
TODAY_COLUMNS: dict[str, tuple[str, ...]] = {
    "region": ("regione",), "province": ("provincia",), "municipality": ("citta", "comune"),
    "fibre_status": ("stato_fibra",), "fwa_status": ("stato_fwa",), "pcn_route": ("pcn_route",),
    "pcn_site": ("nome_sede_pcn",), "fibre": ("fibra",), "fwa": ("fwa",),
    "fibre_year": ("piano_fibra_anno", "piano_fibra"), "fwa_year": ("piano_fwa_anno", "piano_fwa"),
}
_TODAY = {normalize_header(a): name for name, words in TODAY_COLUMNS.items() for a in words}


@dataclass(frozen=True)
class BroadbandRecord:
    """One row of the status table: a project of the plan in one municipality.

    ``status`` is a WorksStatus code, or the agency's own words for a status not known yet.
    """

    line: int
    istat_code: str
    municipality: str
    tender: int | None
    phase: int | None
    project_type: ProjectType
    status: str
    agreement_signed: bool | None
    coverage_30: Decimal | None = None
    coverage_100: Decimal | None = None
    coverage_1000: Decimal | None = None
    plan_year: int | None = None


@dataclass
class StatusTable:
    """A status table read: its layout, records, rejected rows, names found under a former name, warnings."""

    layout: str
    rows: int
    records: list[BroadbandRecord]
    rejections: list[Rejection]
    resolved: list[dict]
    warnings: list[str]


def status_code(text: str) -> str | None:
    """The WorksStatus code of a status as the agency writes it, or None when unknown."""
    found = _STATUS_WORDS.get(fold(text).strip(" ."))
    return found.value if found else None


def status_labels(status: str) -> tuple[str, str]:
    """English and Italian labels of a stored status (its own words when not a known code)."""
    try:
        name = STATUS_LABELS[WorksStatus(status)]
    except ValueError:
        return status, status
    return name, translate(name, "it", context=WORKS)


def municipality_name(istat_code: str) -> str | None:
    """The Italian name of a municipality, or None for an unknown code."""
    found = municipalities.by_code(istat_code)
    return found.name if found else None


def _resolve(line: int, values: dict, rejections: list[Rejection], resolved: list[dict]) -> tuple[str, str] | None:
    code = cell_text(values.get("istat_code"))
    name = cell_text(values.get("municipality"))
    if code:
        code = code.zfill(6) if code.isdigit() else code
        found = municipalities.by_code(code)
        if found is None:
            rejections.append(Rejection(line, "istat_code", "invalid_istat", f"unknown ISTAT code {code!r}", code))
            return None
        return code, found.name
    if not name:
        rejections.append(Rejection(line, "municipality", "required", "municipality or ISTAT code is required", ""))
        return None
    try:
        match = municipalities.resolve(name, cell_text(values.get("province")), cell_text(values.get("region")))
    except municipalities.NameProblem as exc:
        rejections.append(Rejection(line, "municipality", exc.code, str(exc), name))
        return None
    if match.note:
        resolved.append({"line": line, "name": name, "istat_code": match.municipality.istat_code,
                         "municipality": match.municipality.name, "note": match.note})
    return match.municipality.istat_code, match.municipality.name


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
    """Read the agency's status table: records and rejected rows (see ``read_status_table`` for the rest)."""
    table = read_status_table(path, filename)
    return table.records, table.rejections


def read_status_table(path: str | os.PathLike, filename: str = "") -> StatusTable:
    """Read the agency's status table, in the 2018 layout or today's (CSV in any accepted dialect, or XLSX)."""
    reader = open_reader(path, filename,
                         known_header=lambda h: normalize_header(h) in _ALIASES or normalize_header(h) in _TODAY)
    headers = [normalize_header(str(h)) for h in reader.headers]
    if "stato_fibra" in headers or "stato_fwa" in headers:
        return _read_today(reader, headers)
    return _read_2018(reader, headers)


def _read_2018(reader, headers: list[str]) -> StatusTable:
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        name = _ALIASES.get(header)
        if name and name not in index:
            index[name] = position
    missing = [n for n in ("tender", "phase", "project_type", "status", "agreement_signed") if n not in index]
    if "istat_code" not in index and "municipality" not in index:
        missing.insert(0, "municipality or istat_code")
    if missing:
        raise FileProblem(f"missing required columns: {', '.join(missing)}", field="columns")
    table = StatusTable("2018", 0, [], [], [], [])
    for line, cells, _ in reader.rows():
        table.rows += 1
        values = {name: (cells[i] if i < len(cells) else "") for name, i in index.items()}
        problems: list[Rejection] = []
        place = _resolve(line, values, problems, table.resolved)
        tender = _positive_int(line, "tender", values["tender"], problems)
        phase = _positive_int(line, "phase", values["phase"], problems)
        project_type = _TYPE_WORDS.get(fold(cell_text(values["project_type"])))
        if project_type is None:
            problems.append(Rejection(line, "project_type", "invalid_choice",
                                      "project_type must be FTTH (fibra) or FWA", cell_text(values["project_type"])))
        status = _status(line, cell_text(values["status"]), problems, table.warnings)
        try:
            signed = parse_bool(cell_text(values["agreement_signed"]))
        except ValueProblem:
            signed = None
            problems.append(Rejection(line, "agreement_signed", "invalid_bool", "agreement_signed must be yes/no",
                                      cell_text(values["agreement_signed"])))
        shares = {n: _share(line, n, values.get(n), problems) for n in ("coverage_30", "coverage_100", "coverage_1000")}
        if problems:
            table.rejections.extend(problems)
            continue
        table.records.append(BroadbandRecord(line, place[0], place[1], tender, phase, project_type, status, signed,
                                             **shares))
    return table


def _status(line: int, text: str, problems: list[Rejection], warnings: list[str]) -> str | None:
    if not text:
        problems.append(Rejection(line, "status", "required", "status is required", ""))
        return None
    code = status_code(text)
    if code is None:
        message = f"status {text!r} is not one the platform knows: kept as written"
        if message not in warnings:
            warnings.append(message)
        return text[:100]
    return code


def _flag(value) -> bool:
    text = fold(cell_text(value))
    return bool(text) and text not in ("0", "no", "n", "false", "-", "non previsto", "0.0")


def _year(line: int, name: str, value, problems: list[Rejection]) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    if text.isdigit() and 2015 <= int(text) <= 2035:
        return int(text)
    problems.append(Rejection(line, name, "invalid_integer", f"{name} must be a year such as 2021", text))
    return None


def _read_today(reader, headers: list[str]) -> StatusTable:
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        name = _TODAY.get(header)
        if name and name not in index:
            index[name] = position
    missing = [n for n in ("municipality", "fibre_status", "fwa_status") if n not in index]
    if missing:
        raise FileProblem(f"missing required columns: {', '.join(missing)}", field="columns")
    table = StatusTable("today", 0, [], [], [], [])
    for line, cells, _ in reader.rows():
        table.rows += 1
        values = {name: (cells[i] if i < len(cells) else "") for name, i in index.items()}
        problems: list[Rejection] = []
        place = _resolve(line, values, problems, table.resolved)
        found = []
        for project_type, status_field, flag_field, year_field in (
                (ProjectType.FTTH, "fibre_status", "fibre", "fibre_year"),
                (ProjectType.FWA, "fwa_status", "fwa", "fwa_year")):
            text = cell_text(values.get(status_field))
            if not text and not _flag(values.get(flag_field)):
                continue
            if not text:
                text = "in programmazione"
            status = _status(line, text, problems, table.warnings)
            year = _year(line, year_field, values.get(year_field), problems)
            found.append((project_type, status, year))
        if problems or place is None:
            table.rejections.extend(problems)
            continue
        for project_type, status, year in found:
            table.records.append(BroadbandRecord(line, place[0], place[1], None, None, project_type, status, None,
                                                 plan_year=year))
    return table


def demo_records() -> list[BroadbandRecord]:
    """The 28 February 2018 rows for Collesalvetti (049008) and Rosignano Marittimo (049017)."""
    records, rejections = parse_status_table(DEMO_FILE)
    if rejections:
        raise ValueError(f"the shipped demo table is invalid: {rejections}")
    return records
