"""Monitoring reports as documents: milestone names in the page's language, and the PDF (WeasyPrint)."""

from __future__ import annotations

from smartregion.i18n import translate

from protocol.services import LABELS


def milestone_label(key: str, language: str) -> str:
    """``monitoring-2`` as "Rapporto di monitoraggio 2" / "Monitoring report 2"."""
    kind, _dash, number = key.rpartition("-") if key.rsplit("-", 1)[-1].isdigit() else (key, "", "")
    if kind not in LABELS:
        return key
    name = translate(LABELS[kind], language)
    return f"{name} {number}" if number else name


def milestone_labels(keys, language: str) -> dict[str, str]:
    return {key: milestone_label(key, language) for key in keys}


def pdf(html: str, base_url: str | None = None) -> bytes:
    """The HTML document printed to PDF/A-ready A4 pages, with the system's fonts (no fetch outside)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
