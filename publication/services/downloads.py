"""The files behind each distribution of an open dataset: CSV, XLSX, GeoJSON and NGSI-LD.

Every download reads the other modules through their services, in the scope of exactly the tenant the
dataset belongs to (or the region for regional datasets), and only once the dataset is open.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from smartregion import tenancy
from smartregion.errors import NotFound
from smartregion.spreadsheets import neutralise
from sqlalchemy.orm import Session

from publication.services.catalog import FORMATS
from publication.services.datasets import Dataset, approved_plan, census_standing

Rows = tuple[list[str], list[list[Any]]]


@dataclass
class Download:
    """A file to send: its chunks (or, for the cadastre, a stream to run on its own session in the tenant's
    scope, so that a large cadastre is never held in memory), media type and name."""

    chunks: Iterable[str | bytes]
    media_type: str
    filename: str
    stream: Callable[[Session], Iterator[str]] | None = None
    tenant_id: int | None = None


def csv_text(table: Rows) -> str:
    header, rows = table
    stream = io.StringIO()
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return stream.getvalue()


def xlsx_bytes(table: Rows, sheet: str) -> bytes:
    header, rows = table
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    worksheet = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    worksheet.write_row(0, 0, header, bold)
    for index, row in enumerate(rows, start=1):
        worksheet.write_row(index, 0, ["" if v is None else v for v in row])
    book.close()
    return buffer.getvalue()


def _flatten(prefix: str, value: Any, out: list[list[Any]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list):
        out.append([prefix, "; ".join(str(v) for v in value)])
    else:
        out.append([prefix, value])


def _census_table(session: Session, tenant_ids: list[int]) -> Rows:
    from census import services as census

    campaign = census.current_campaign(session)
    rows: list[list[Any]] = []
    if campaign is not None and tenant_ids:
        figures = census.indicators(session, campaign, tenant_ids=tenant_ids)
        # Who is late or how complete others are is not the open figures' business.
        figures.pop("completeness", None)
        _flatten("", figures, rows)
    return ["indicator", "value"], rows


def _accepted_survey_tenants(session: Session) -> list[int]:
    from census import services as census

    campaign = census.current_campaign(session)
    if campaign is None:
        return []
    return [s.tenant_id for s in census.standings(session, campaign)
            if census_standing(session, s.tenant_id)["survey"]]


def _broadband_table(session: Session, istat_code: str | None) -> str:
    from census.services import broadband_records

    return broadband_records.export_csv(broadband_records.latest(session, istat_code))


def _conformance_table(session: Session) -> Rows:
    from interoperability.services import conformance

    summary = conformance(session)
    header = ["feed", "standard", "received", "accepted", "refused", "share", "last_observed_at"]
    return header, [[f["name"], f["standard"], f["received"], f["accepted"], f["refused"], f["share"],
                     f["last_observed_at"].isoformat() if f["last_observed_at"] else None]
                    for f in summary["feeds"]]


def _standards_table(session: Session) -> Rows:
    from interoperability import services as interop
    from interoperability.services import VersionStatus

    header = ["code", "version", "entity_type", "title_it", "title_en", "status", "published_at", "sunset_on"]
    rows = []
    for standard in session.scalars(interop.standards_query()):
        for version in standard.versions:
            if version.status == VersionStatus.DRAFT:
                continue
            rows.append([standard.code, version.version, standard.entity_type, standard.title_it,
                         standard.title_en, version.status,
                         version.published_at.isoformat() if version.published_at else None,
                         version.sunset_on.isoformat() if version.sunset_on else None])
    return header, rows


def _plan(session: Session) -> tuple[dict, Rows]:
    from funding.services import plan_document

    plan = approved_plan(session)
    if plan is None:
        raise NotFound("No operational plan is approved yet.")
    document = plan_document(session, plan.id)
    header = ["municipality", "lead_company", "project", "domain", "status", "cup", "start_date", "end_date",
              "total_cost_eur", "uncovered_eur"]
    rows = [[m["name"], m["lead_company"]["name"], p["title"], p["domain"], p["status"], p["cup"], p["start_date"],
             p["end_date"], f"{p['total_cost_cents'] / 100:.2f}", f"{p['uncovered_cents'] / 100:.2f}"]
            for m in document["municipalities"] for p in m["projects"]]
    return document, (header, rows)


def _cadastre(session: Session, dataset: Dataset, fmt: str) -> Iterator[str]:
    from census.services import cadastre, features
    from interoperability.services import assets

    tenant_id = dataset.tenant["id"]
    if fmt == "csv":
        yield from cadastre.csv_chunks(session, tenant_id, dataset.category)
    elif fmt == "geojson":
        yield from cadastre.geojson_chunks(session, tenant_id, dataset.category)
    else:
        yield "["
        first = True
        for body in assets.entities(features.iter_assets(session, tenant_id, kind=dataset.kind,
                                                          category=dataset.category)):
            yield ("" if first else ",") + json.dumps(body, ensure_ascii=False, default=str)
            first = False
        yield "]"


def file_of(session: Session, dataset: Dataset, fmt: str) -> Download:
    """The file of one distribution; the caller has checked the dataset is open."""
    if fmt not in dataset.formats:
        raise NotFound(f"Dataset {dataset.path!r} has no {fmt} distribution; it has "
                       f"{', '.join(dataset.formats)}.")
    media_type = FORMATS[fmt][1]
    name = dataset.path.replace("/", "-") + "." + FORMATS[fmt][2]
    if dataset.kind:
        return Download([], media_type, name, stream=lambda session: _cadastre(session, dataset, fmt),
                        tenant_id=dataset.tenant["id"])
    if dataset.scope == "tenant":
        with tenancy.tenant_context(dataset.tenant["id"]):
            return Download(_tenant_file(session, dataset, fmt), media_type, name)
    with tenancy.regional_scope():
        return Download(_region_file(session, dataset, fmt), media_type, name)


def _tenant_file(session: Session, dataset: Dataset, fmt: str) -> list:
    # Built whole inside the tenant's scope (a lazy generator would run after the scope is left).
    if dataset.family == "census":
        table = _census_table(session, [dataset.tenant["id"]])
    elif dataset.family == "broadband":
        istat = dataset.tenant.get("istat_code")
        return [_broadband_table(session, istat)] if istat else [csv_text((["istat_code"], []))]
    else:
        table = _conformance_table(session)
    return [xlsx_bytes(table, dataset.family) if fmt == "xlsx" else csv_text(table)]


def _region_file(session: Session, dataset: Dataset, fmt: str) -> list:
    if dataset.family == "census":
        table = _census_table(session, _accepted_survey_tenants(session))
    elif dataset.family == "standards":
        table = _standards_table(session)
    elif dataset.family == "plan":
        document, table = _plan(session)
        if fmt == "xlsx":
            from funding.services import render_xlsx

            return [render_xlsx(document, "it")]
    else:
        return [_broadband_table(session, None)]
    return [xlsx_bytes(table, dataset.family) if fmt == "xlsx" else csv_text(table)]
