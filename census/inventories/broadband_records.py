"""Broadband plan records kept by the secretariat per municipality (ISTAT code), with their import."""

from __future__ import annotations

import csv
import io
import os
from datetime import date

from smartregion import audit
from smartregion.errors import Unprocessable
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from . import broadband
from .models import BroadbandCoverage, BroadbandStatus
from .pipeline import neutralise
from .readers import FileProblem


def import_status_table(session: Session, path: str | os.PathLike, *, filename: str, as_of: date,
                        actor: str) -> dict:
    """Load the agency's table of one date: each municipality in it gets its rows of that date replaced."""
    try:
        table = broadband.read_status_table(path, filename)
    except FileProblem as exc:
        raise Unprocessable(str(exc), errors={exc.field: [str(exc)]}) from None
    records, rejections = table.records, table.rejections
    codes = sorted({r.istat_code for r in records})
    if codes:
        session.execute(delete(BroadbandStatus).where(BroadbandStatus.as_of == as_of,
                                                      BroadbandStatus.istat_code.in_(codes)))
        session.execute(delete(BroadbandCoverage).where(BroadbandCoverage.as_of == as_of,
                                                        BroadbandCoverage.istat_code.in_(codes)))
    positions: dict[str, int] = {}
    coverage: dict[str, broadband.BroadbandRecord] = {}
    for record in records:
        positions[record.istat_code] = positions.get(record.istat_code, 0) + 1
        session.add(BroadbandStatus(istat_code=record.istat_code, municipality=record.municipality, as_of=as_of,
                                    position=positions[record.istat_code], tender=record.tender,
                                    phase=record.phase, project_type=record.project_type.value,
                                    status=record.status, agreement_signed=record.agreement_signed,
                                    plan_year=record.plan_year, source=filename[:300], imported_by=actor))
        if any(v is not None for v in (record.coverage_30, record.coverage_100, record.coverage_1000)):
            coverage[record.istat_code] = record
    for code, record in coverage.items():
        session.add(BroadbandCoverage(istat_code=code, as_of=as_of, coverage_30=record.coverage_30,
                                      coverage_100=record.coverage_100, coverage_1000=record.coverage_1000))
    session.flush()
    summary = {"as_of": as_of.isoformat(), "source": filename, "layout": table.layout, "rows": table.rows,
               "records": len(records), "municipalities": len(codes), "rejected": len({r.line for r in rejections})}
    audit.record(session, action="census.broadband.import", entity_type="broadband_status", entity_id=as_of.isoformat(),
                 after=summary)
    unmatched = [r._asdict() for r in rejections if r.code in ("unknown_municipality", "ambiguous_municipality")]
    return summary | {"rejections": [r._asdict() for r in rejections], "unmatched": unmatched,
                      "resolved": table.resolved, "warnings": table.warnings}


def latest(session: Session, istat_code: str | None = None) -> list[dict]:
    """The most recent records of each municipality (or of one), with coverage shares."""
    newest = (select(BroadbandStatus.istat_code, func.max(BroadbandStatus.as_of).label("as_of"))
              .group_by(BroadbandStatus.istat_code))
    if istat_code:
        newest = newest.where(BroadbandStatus.istat_code == istat_code)
    newest = newest.subquery()
    rows = session.execute(
        select(BroadbandStatus, BroadbandCoverage)
        .join(newest, (newest.c.istat_code == BroadbandStatus.istat_code) & (newest.c.as_of == BroadbandStatus.as_of))
        .outerjoin(BroadbandCoverage, (BroadbandCoverage.istat_code == BroadbandStatus.istat_code)
                   & (BroadbandCoverage.as_of == BroadbandStatus.as_of))
        .order_by(BroadbandStatus.istat_code, BroadbandStatus.position)).all()
    return [as_dict(status, cover) for status, cover in rows]


def as_dict(status: BroadbandStatus, cover: BroadbandCoverage | None) -> dict:
    en, it = broadband.status_labels(status.status)
    return {
        "istat_code": status.istat_code, "municipality": status.municipality, "as_of": status.as_of.isoformat(),
        "position": status.position, "tender": status.tender, "phase": status.phase,
        "project_type": status.project_type, "status": status.status, "status_label_en": en, "status_label_it": it,
        "agreement_signed": status.agreement_signed, "plan_year": status.plan_year,
        "coverage_30": None if cover is None or cover.coverage_30 is None else float(cover.coverage_30),
        "coverage_100": None if cover is None or cover.coverage_100 is None else float(cover.coverage_100),
        "coverage_1000": None if cover is None or cover.coverage_1000 is None else float(cover.coverage_1000),
    }


EXPORT_COLUMNS = ("istat_code", "municipality", "as_of", "tender", "phase", "project_type", "status",
                  "status_label_it", "agreement_signed", "plan_year", "coverage_30", "coverage_100", "coverage_1000")


def export_csv(records: list[dict]) -> str:
    """The records as CSV (UTF-8 with BOM), formulas neutralised."""
    stream = io.StringIO()
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for record in records:
        writer.writerow([neutralise(str("" if record[c] is None else record[c])) for c in EXPORT_COLUMNS])
    return stream.getvalue()


def load_demo(session: Session) -> None:
    """The 28 February 2018 table for Collesalvetti and Rosignano Marittimo (idempotent)."""
    present = session.scalar(select(func.count()).select_from(BroadbandStatus)
                             .where(BroadbandStatus.as_of == broadband.DEMO_AS_OF))
    if present:
        return
    import_status_table(session, broadband.DEMO_FILE, filename=broadband.DEMO_FILE.name,
                        as_of=broadband.DEMO_AS_OF, actor="system:seed")
