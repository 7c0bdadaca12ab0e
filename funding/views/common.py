"""What the funding pages share: labels and formatting for templates, who may write."""

from __future__ import annotations

from flask import render_template
from smartregion.errors import Forbidden, NotFound
from smartregion.routes import visible_job
from smartregion.web import page_language, page_user

from funding.money import format_eur, format_percent
from funding.reference import Domain, Programme, ProjectStatus
from funding.services import plans

SECRETARIAT_ONLY = "Only the regional technical secretariat can change funding lines and the operational plan."

# Blank rows offered under the existing ones in the milestone and funding-plan forms.
SPARE_ROWS = 2
PLAN_STATUS_LABELS = {"draft": ("bozza", "draft"), "approved": ("approvato", "approved"),
                      "superseded": ("superato", "superseded")}


def template_helpers(lang: str) -> dict:
    return {
        "lang": lang,
        "eur": lambda cents: "" if cents is None else format_eur(cents, lang),
        "pct": lambda bp: format_percent(bp, lang),
        "domain_label": lambda code: Domain(code).label(lang),
        "status_label": lambda code: ProjectStatus(code).label(lang),
        "programme_label": lambda code: Programme(code).label(lang),
        "source_label": lambda key: plans.source_label(key, lang),
        "plan_status": lambda code: PLAN_STATUS_LABELS.get(code, (code, code))[lang == "en"],
        "t": lambda it, en: en if lang == "en" else it,
    }


def amount_text(cents: int | None, lang: str) -> str:
    return "" if cents is None else format_eur(cents, lang).replace("EUR", "").strip()


def choices(enum, lang: str) -> list[tuple[str, str]]:
    return [(member.value, member.label(lang)) for member in enum]


def can_write_region(user) -> bool:
    return bool(user) and user.is_secretariat and not user.read_only


def say_done(it: str, en: str) -> str:
    return en if page_language() == "en" else it



def import_status_page(template: str, job_id: str, func: str, forbidden: str):
    """An import's progress and answer, which the secretariat and auditors follow (``forbidden`` tells anybody
    else why not); ``func`` is the import's job, any other job is not found here."""
    if not page_user().is_regional:
        raise Forbidden(forbidden)
    job = visible_job(job_id)
    if job.func != func:
        raise NotFound(f"Job {job_id!r} not found.")
    return render_template(template, job=job, result=job.result or {}, **template_helpers(page_language()))
