"""The monitoring report as a page and as a PDF, in Italian and English: the PDF's text, extracted page by
page, says what the frozen report holds (names, euro amounts the Italian way, late items, SHA-256, freeze date)."""

from __future__ import annotations

import io
import re

from babel.dates import format_date
from babel.numbers import format_currency
from pypdf import PdfReader
from sqlalchemy import select

from monitoring.models import MonitoringReport


def _pages(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").replace("\u00a0", " ").replace("\u202f", " ").split())
            for page in reader.pages]


def _total_cents(content: dict) -> int:
    return sum((row.get("projects") or {}).get("funding_secured_cents", 0) for row in content["tenants"])


def _regional_report(db) -> MonitoringReport:
    return db.scalar(select(MonitoringReport).where(MonitoringReport.tenant_id.is_(None))
                     .order_by(MonitoringReport.period_end.desc()).limit(1))


def test_the_report_pdf_says_what_the_frozen_report_holds_page_by_page(demo, as_user, db):
    report = _regional_report(db)
    content = report.content
    auditor = as_user("revisore")
    for lang, title, locale in (("it", "Relazione di monitoraggio", "it_IT"), ("en", "Monitoring report", "en")):
        response = auditor.get(f"/monitoring-reports/{report.id}.pdf", query_string={"lang": lang})
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        pages = _pages(response.get_data())
        assert pages and all(page for page in pages), "a page without text"
        count = len(pages)
        for number, text in enumerate(pages, start=1):
            assert f"{number} / {count}" in text, f"page {number} has no page number"
            assert report.sha256[:16] in text, f"page {number} does not carry the report's hash"
        whole = " ".join(pages)
        assert pages[0].startswith(title)
        assert report.sha256 in re.sub(r"\s+", "", whole)
        assert format_date(report.issued_on, "long", locale=locale) in whole
        for row in content["tenants"]:
            assert row["tenant"]["name"] in whole
        total = format_currency(_total_cents(content) / 100, "EUR", locale=locale).replace("\u00a0", " ")
        assert total in whole, f"{total} not in the PDF"
        late = [row for row in content["tenants"] if row.get("overdue")]
        if late:
            marker = "giorni di ritardo" if lang == "it" else "days late"
            assert marker in whole and ("motivo" in whole if lang == "it" else "reason" in whole)
        assert "_cents" not in whole and "funding_secured" not in whole
    if _total_cents(content) >= 100_000:
        assert re.search(r"\d{1,3}(\.\d{3})+,\d{2} €", " ".join(_pages(
            auditor.get(f"/monitoring-reports/{report.id}.pdf", query_string={"lang": "it"}).get_data())))


def test_the_report_page_reads_as_a_document_and_the_json_stays(demo, as_user, db):
    report = _regional_report(db)
    auditor = as_user("revisore")
    html = auditor.get(f"/monitoring-reports/{report.id}").get_data(as_text=True)
    assert 'data-testid="report-tenants"' in html and report.sha256 in html
    assert "funding_secured_cents" not in html and "<pre" not in html
    assert format_currency(_total_cents(report.content) / 100, "EUR", locale="it_IT") in html
    frozen = auditor.get(f"/monitoring-reports/{report.id}.json")
    assert frozen.status_code == 200 and frozen.get_json() == report.content
    assert as_user("firenze-comune").get(f"/monitoring-reports/{report.id}.pdf").status_code == 403
