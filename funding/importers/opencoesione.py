"""OpenCoesione project records (``progetti_esteso``, ``;``-separated, decimal comma), keyed by CUP.

The national cohesion open data describe each local project (``COD_LOCALE_PROGETTO``) with its CUP,
public funding (``FINANZ_TOTALE_PUBBLICO``), payments (``TOT_PAGAMENTI``) and state
(``OC_STATO_PROGETTO``). Several local projects may share a CUP: their amounts are summed. Rows
without a CUP cannot be joined to the platform's projects and are skipped, not rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from funding.cup import CupError, normalise_cup
from funding.importers.common import FileFormatError, ImportResult, read_csv
from funding.money import MoneyError, parse_cents
from funding.validation import blank, parse_date

REQUIRED_COLUMNS = ("cup", "finanz_totale_pubblico", "tot_pagamenti", "oc_stato_progetto")
AMOUNT_COLUMNS = {
    "finanz_totale_pubblico": "public_funding_cents",
    "tot_pagamenti": "payments_cents",
    "finanz_ue": "eu_funding_cents",
    "finanz_stato_fsc": "fsc_funding_cents",
}


@dataclass
class CohesionRecord:
    """What OpenCoesione says of one CUP."""

    cup: str
    local_codes: list[str] = field(default_factory=list)
    title: str | None = None
    programme: str | None = None
    state: str | None = None
    public_funding_cents: int = 0
    payments_cents: int = 0
    eu_funding_cents: int = 0
    fsc_funding_cents: int = 0
    start_date: date | None = None
    expected_end_date: date | None = None
    municipalities: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "cup": self.cup,
            "local_codes": self.local_codes,
            "title": self.title,
            "programme": self.programme,
            "state": self.state,
            "public_funding_cents": self.public_funding_cents,
            "payments_cents": self.payments_cents,
            "eu_funding_cents": self.eu_funding_cents,
            "fsc_funding_cents": self.fsc_funding_cents,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "expected_end_date": self.expected_end_date.isoformat() if self.expected_end_date else None,
            "municipalities": self.municipalities,
        }


def parse(data: bytes | str) -> tuple[dict[str, CohesionRecord], ImportResult]:
    """The records by CUP, and the report (errors per line, skipped rows)."""
    header, rows = read_csv(data, delimiter=";")
    missing = [c.upper() for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileFormatError("Missing columns: " + ", ".join(missing))
    result = ImportResult()
    records: dict[str, CohesionRecord] = {}
    for line, row in rows:
        if blank(row.get("cup")):
            result.skipped.append((line, "no CUP"))
            continue
        errors: dict[str, list[str]] = {}
        try:
            cup = normalise_cup(row["cup"])
        except CupError as exc:
            errors["CUP"] = [exc.reason_en]
            cup = None
        amounts = {}
        for column, name in AMOUNT_COLUMNS.items():
            value = row.get(column)
            if blank(value):
                amounts[name] = 0
                continue
            try:
                amounts[name] = parse_cents(value, decimal_comma=True)
            except MoneyError as exc:
                errors[column.upper()] = [f"Not a valid amount: {value!r} ({exc})."]
        dates = {}
        for column, name in (
            ("oc_data_inizio_progetto", "start_date"),
            ("oc_data_fine_progetto_prevista", "expected_end_date"),
        ):
            value = row.get(column)
            if blank(value):
                dates[name] = None
                continue
            try:
                dates[name] = parse_date(value)
            except ValueError:
                errors[column.upper()] = [f"Not a valid date: {value!r}."]
        if errors:
            result.fail(line, errors)
            continue
        record = records.get(cup) or records.setdefault(cup, CohesionRecord(cup=cup))
        local = (row.get("cod_locale_progetto") or "").strip()
        if local and local not in record.local_codes:
            record.local_codes.append(local)
        record.title = record.title or (row.get("oc_titolo_progetto") or "").strip() or None
        record.programme = record.programme or (row.get("oc_descrizione_programma") or "").strip() or None
        state = (row.get("oc_stato_progetto") or "").strip() or None
        if state and record.state and state.lower() != record.state.lower() and state not in record.state:
            record.state = f"{record.state} / {state}"
        else:
            record.state = record.state or state
        for name, cents in amounts.items():
            setattr(record, name, getattr(record, name) + cents)
        if dates["start_date"] and (record.start_date is None or dates["start_date"] < record.start_date):
            record.start_date = dates["start_date"]
        end = dates["expected_end_date"]
        if end and (record.expected_end_date is None or end > record.expected_end_date):
            record.expected_end_date = end
        for code in (row.get("cod_comune") or "").split(":::"):
            code = code.strip()
            if code and code[-6:] not in record.municipalities:
                record.municipalities.append(code[-6:])
        result.records.append((line, {"cup": cup}))
    return records, result
