"""The operational plan as a document: HTML for people, XLSX for spreadsheets (JSON is the document)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from funding.importers.common import neutralise
from funding.money import format_eur
from funding.reference import Domain, ProjectStatus
from funding.services.plans import source_label

_TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))

TEXT = {
    "it": {
        "plan": "Piano operativo",
        "version": "versione",
        "status": "stato",
        "municipality": "Comune",
        "lead": "Società partecipata capofila",
        "project": "Progetto",
        "domain": "Dominio",
        "cost": "Costo totale",
        "source": "Fonte",
        "amount": "Importo",
        "own": "Cofinanziamento proprio",
        "uncovered": "Da reperire",
        "totals": "Totali",
        "by_source": "Per fonte",
        "by_domain": "Per dominio",
        "by_municipality": "Per comune",
        "total": "Totale",
        "standards": "Standard regionali adottati",
        "practices": "Buone pratiche proposte al riuso",
        "approved": "Approvato il",
        "cup": "CUP",
        "status_label": "Stato del progetto",
        "draft": "bozza",
        "superseded": "sostituita",
        "approved_status": "approvata",
    },
    "en": {
        "plan": "Operational plan",
        "version": "version",
        "status": "status",
        "municipality": "Municipality",
        "lead": "Lead participated company",
        "project": "Project",
        "domain": "Domain",
        "cost": "Total cost",
        "source": "Source",
        "amount": "Amount",
        "own": "Own co-financing",
        "uncovered": "To be found",
        "totals": "Totals",
        "by_source": "By source",
        "by_domain": "By domain",
        "by_municipality": "By municipality",
        "total": "Total",
        "standards": "Regional standards adopted",
        "practices": "Best practices offered for reuse",
        "approved": "Approved on",
        "cup": "CUP",
        "status_label": "Project status",
        "draft": "draft",
        "superseded": "superseded",
        "approved_status": "approved",
    },
}


def _labels(document: dict, lang: str) -> dict:
    names = {m["tenant"]: m["name"] for m in document["municipalities"]}
    return {
        "source": {key: source_label(key, lang) for key in document["totals"]["by_source"]},
        "domain": {d.value: d.label(lang) for d in Domain},
        "status": {s.value: s.label(lang) for s in ProjectStatus},
        "municipality": names,
    }


def render_html(document: dict, lang: str = "it") -> str:
    template = _env.get_template("funding/plan_export.html")
    return template.render(
        doc=document,
        t=TEXT.get(lang, TEXT["it"]),
        lang=lang,
        labels=_labels(document, lang),
        eur=lambda cents: format_eur(cents, lang),
    )


def _eur(cents: int) -> float:
    return float(Decimal(cents) / 100)


def render_xlsx(document: dict, lang: str = "it") -> bytes:
    import xlsxwriter

    t = TEXT.get(lang, TEXT["it"])
    labels = _labels(document, lang)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    money_bold = book.add_format({"num_format": "#,##0.00", "bold": True})

    sheet = book.add_worksheet(t["plan"][:31])
    plan = document["plan"]
    sheet.write(0, 0, neutralise(f"{t['plan']}: {plan['title']}"), bold)
    sheet.write(1, 0, f"{t['version']} {plan['version']} · {t['status']}: {plan['status']}")
    header = [
        t["municipality"],
        t["lead"],
        t["project"],
        t["cup"],
        t["domain"],
        t["status_label"],
        t["cost"],
        t["source"],
        t["amount"],
    ]
    for column, title in enumerate(header):
        sheet.write(3, column, title, bold)
    row = 4
    for municipality in document["municipalities"]:
        for project in municipality["projects"]:
            sources = project["funding_plan"] + (
                [{"source": "to_be_found", "label": None, "amount_cents": project["uncovered_cents"]}]
                if project["uncovered_cents"]
                else []
            )
            for index, source in enumerate(sources or [None]):
                sheet.write(row, 0, neutralise(municipality["name"]))
                sheet.write(row, 1, neutralise(municipality["lead_company"]["name"]))
                sheet.write(row, 2, neutralise(project["title"]))
                sheet.write(row, 3, project["cup"] or "")
                sheet.write(row, 4, labels["domain"].get(project["domain"], project["domain"]))
                sheet.write(row, 5, labels["status"].get(project["status"], project["status"]))
                if index == 0:
                    sheet.write_number(row, 6, _eur(project["total_cost_cents"]), money)
                if source is not None:
                    name = labels["source"].get(source["source"], source["source"])
                    if source.get("funding_line_title"):
                        name = f"{name}: {source['funding_line_title']}"
                    sheet.write(row, 7, neutralise(name))
                    sheet.write_number(row, 8, _eur(source["amount_cents"]), money)
                row += 1
    sheet.set_column(0, 2, 34)
    sheet.set_column(3, 7, 18)
    sheet.set_column(8, 8, 16)

    totals = book.add_worksheet(t["totals"][:31])
    row = 0
    for key, title, names in (
        ("by_source", t["by_source"], labels["source"]),
        ("by_domain", t["by_domain"], labels["domain"]),
        ("by_municipality", t["by_municipality"], labels["municipality"]),
    ):
        totals.write(row, 0, title, bold)
        row += 1
        for name, cents in document["totals"][key].items():
            totals.write(row, 0, neutralise(names.get(name, name)))
            totals.write_number(row, 1, _eur(cents), money)
            row += 1
        totals.write(row, 0, t["total"], bold)
        totals.write_number(row, 1, _eur(document["totals"]["total_cost_cents"]), money_bold)
        row += 2
    totals.set_column(0, 0, 40)
    totals.set_column(1, 1, 18)

    extra = book.add_worksheet(t["standards"][:31])
    extra.write(0, 0, t["standards"], bold)
    row = 1
    for standard in document["standards"]:
        extra.write(row, 0, neutralise(standard.get("code", "")))
        extra.write(row, 1, neutralise(standard.get("title", "")))
        row += 1
    extra.write(row + 1, 0, t["practices"], bold)
    row += 2
    for practice in document["best_practices"]:
        extra.write(row, 0, neutralise(practice.get("title", "")))
        extra.write(row, 1, neutralise(practice.get("tenant", "") or ""))
        extra.write(row, 2, neutralise(practice.get("description", "") or ""))
        row += 1
    book.close()
    return out.getvalue()
