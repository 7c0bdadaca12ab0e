"""The census report for the working table ("documento" of the protocol): HTML and XLSX, by a job."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import xlsxwriter
from flask import current_app
from smartregion import audit, jobs
from smartregion.errors import get_or_404
from smartregion.i18n import speaking
from smartregion.storage import storage
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from census.models import CensusReport, ReportStatus
from census.services.analysis import indicators
from census.services.campaigns import get_campaign, standings
from census.surveys.codelists import ANCI_DOMAINS, SINFI_NETWORK_CATEGORIES
from census.surveys.export import neutralise


def reports_query(campaign_id: int | None = None) -> Select:
    statement = select(CensusReport).order_by(CensusReport.id.desc())
    if campaign_id is not None:
        statement = statement.where(CensusReport.campaign_id == campaign_id)
    return statement


def get_report(session: Session, report_id: int) -> CensusReport:
    return get_or_404(session, CensusReport, report_id, f"Census report {report_id} not found.")


def request_report(session: Session, campaign_id: int, *, actor: str) -> tuple[CensusReport, jobs.Job]:
    """Record a pending report and enqueue its job on the `reports` queue."""
    campaign = get_campaign(session, campaign_id)
    report = CensusReport(campaign_id=campaign.id, status=ReportStatus.PENDING, requested_by=actor)
    session.add(report)
    session.flush()
    job = jobs.enqueue(session, "reports", "census.jobs.build_report", report_id=report.id,
                       description=f"Census report {report.id}: {campaign.title}"[:300])
    report.job_id = job.id
    session.flush()
    audit.record(session, action="census.report.request", entity_type="census_report", entity_id=report.id,
                 after={"campaign_id": campaign.id, "job_id": job.id}, actor=actor)
    return report, job


def _labels(lang: str = "it") -> dict[str, dict[str, str]]:
    """The code lists' names in ``lang`` (the code lists are bilingual data of the survey schemas)."""
    return {
        "domains": {c.code: getattr(c, lang) for c in ANCI_DOMAINS.codes},
        "categories": {c.code: getattr(c, lang) for c in SINFI_NETWORK_CATEGORIES.codes},
    }


def render_html(figures: dict[str, Any], standing_rows: list[dict], generated_at: datetime,
                lang: str = "it") -> str:
    """The document in ``lang``: Italian for the working table, whatever language the requester's pages speak.
    Rendered without request context processors: jobs build it outside any request."""
    template = current_app.jinja_env.get_template("census/report.html")
    member_names = {row["slug"]: row["name"] for row in standing_rows}
    with speaking(lang):
        return template.render(figures=figures, standings=standing_rows, labels=_labels(lang), lang=lang,
                               member_names=member_names, generated_at=generated_at)


def render_xlsx(figures: dict[str, Any], standing_rows: list[dict]) -> bytes:
    """The report's figures, one sheet per indicator, with a chart of services by domain."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    labels = _labels()

    def sheet(name: str, header: list[str], rows: list[list[Any]]):
        ws = book.add_worksheet(name)
        for col, text in enumerate(header):
            ws.write_string(0, col, text, bold)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, bool) or value is None:
                    ws.write_string(r, col, "" if value is None else ("sì" if value else "no"))
                elif isinstance(value, int | float):
                    ws.write_number(r, col, value)
                elif col and _numeric(str(value)):
                    ws.write_number(r, col, float(value))
                else:
                    ws.write_string(r, col, neutralise(str(value)))
        ws.set_column(0, 0, 34)
        ws.set_column(1, len(header), 16)
        return ws

    domains = figures["services_by_domain"]
    ws = sheet("servizi", ["dominio", "servizi"],
               [[labels["domains"].get(d, d), n] for d, n in domains.items()])
    chart = book.add_chart({"type": "bar"})
    chart.add_series({"name": "Servizi smart per dominio", "categories": ["servizi", 1, 0, len(domains), 0],
                      "values": ["servizi", 1, 1, len(domains), 1]})
    chart.set_legend({"none": True})
    ws.insert_chart("D2", chart)
    sheet("progetti", ["dominio", "progetti", "importo_eur", "finanziato_eur"],
          [[labels["domains"].get(d, d), e["count"], e["budget"], e["funded"]]
           for d, e in figures["projects_by_domain"].items()])
    sheet("fasce_importo", ["fascia", "progetti"],
          [[k, v] for k, v in figures["projects_by_budget_band"].items()])
    sheet("reti_km", ["categoria", "km"],
          [[labels["categories"].get(c, c), km] for c, km in figures["network_km_by_category"].items()])
    sheet("asset", ["tipo", "numero"], [[k, v] for k, v in figures["assets_by_kind"].items()])
    sheet("banda_ultra_larga",
          ["ente", "copertura_100mbps_pct", "copertura_30mbps_pct", "convenzione_infratel", "stato_lavori"],
          [[slug, b.get("coverage_100mbps"), b.get("coverage_30mbps"), b.get("infratel_agreement"),
            b.get("works_status")] for slug, b in figures["broadband"]["by_tenant"].items()])
    sheet("enti", ["ente", "scadenza", "stato", "in_ritardo", "completezza_pct"],
          [[r["name"], r["due_on"], r["state"], r["late"], r["completeness"]]
           for r in standing_rows])
    book.close()
    return buffer.getvalue()


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def build_report(session: Session, report_id: int, progress=lambda pct, message=None: None) -> CensusReport:
    """Compute the figures and store the HTML and XLSX documents; running it again rebuilds them."""
    report = get_report(session, report_id)
    campaign = get_campaign(session, report.campaign_id)
    progress(10, "Calcolo degli indicatori")
    figures = indicators(session, campaign)
    standing_rows = [{"slug": s.slug, "name": s.name, "due_on": s.due_on.isoformat(), "state": s.state.value,
                      "late": s.late, "completeness": s.completeness, "schemas": s.schemas}
                     for s in standings(session, campaign)]
    generated_at = datetime.now(UTC)
    progress(50, "Documento HTML")
    html = render_html(figures, standing_rows, generated_at)
    progress(75, "Foglio XLSX")
    xlsx = render_xlsx(figures, standing_rows)
    report.html_sha256 = storage().put_bytes(html.encode("utf-8")).sha256
    report.xlsx_sha256 = storage().put_bytes(xlsx).sha256
    report.figures = figures | {"standings": standing_rows}
    report.status, report.generated_at, report.error = ReportStatus.READY, generated_at, None
    session.flush()
    audit.record(session, action="census.report.build", entity_type="census_report", entity_id=report.id,
                 after={"campaign_id": campaign.id, "html_sha256": report.html_sha256,
                        "xlsx_sha256": report.xlsx_sha256})
    return report
