"""The operational plan as a document: HTML for people, XLSX for spreadsheets (JSON is the document)."""

from __future__ import annotations

import io
from decimal import Decimal

from flask import render_template
from smartregion.i18n import speaking, translate

from funding.importers.common import neutralise
from funding.money import format_eur
from funding.reference import N_, Domain, ProjectStatus
from funding.services.plans import source_label

# The words of the document, English messages of the catalogue, written in the document's language.
TEXT = {
    "plan": N_("Operational plan"),
    "version": N_("version"),
    "status": N_("status"),
    "municipality": N_("Municipality"),
    "lead": N_("Lead participated company"),
    "project": N_("Project"),
    "domain": N_("Domain"),
    "cost": N_("Total cost"),
    "source": N_("Source"),
    "amount": N_("Amount"),
    "totals": N_("Totals"),
    "by_source": N_("By source"),
    "by_domain": N_("By domain"),
    "by_municipality": N_("By municipality"),
    "total": N_("Total"),
    "standards": N_("Regional standards adopted"),
    "practices": N_("Best practices offered for reuse"),
    "status_label": N_("Project status"),
}


def _words(lang: str) -> dict[str, str]:
    return {key: translate(message, lang) for key, message in TEXT.items()} | {"cup": "CUP"}


def _labels(document: dict, lang: str) -> dict:
    names = {m["tenant"]: m["name"] for m in document["municipalities"]}
    return {
        "source": {key: source_label(key, lang) for key in document["totals"]["by_source"]},
        "domain": {d.value: d.label_in(lang) for d in Domain},
        "status": {s.value: s.label_in(lang) for s in ProjectStatus},
        "municipality": names,
    }


def render_html(document: dict, lang: str = "it") -> str:
    """The plan as a page to read or print, in ``lang`` (the pages' template, labels and amounts)."""
    with speaking(lang):
        return render_template("funding/plan_export.html", doc=document, lang=lang,
                               municipalities={m["tenant"]: m["name"] for m in document["municipalities"]},
                               eur=lambda cents: format_eur(cents, lang))


def _eur(cents: int) -> float:
    return float(Decimal(cents) / 100)


def render_xlsx(document: dict, lang: str = "it") -> bytes:
    import xlsxwriter

    t = _words(lang)
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
