"""What the funding pages share: formatting for templates, who may write."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from smartregion.errors import Forbidden, NotFound
from smartregion.routes import visible_job
from smartregion.web import page_language, page_user

from funding.money import format_eur, format_percent
from funding.views.messages import say

SECRETARIAT_ONLY = "Only the regional technical secretariat can change funding lines and the operational plan."

# Blank rows offered under the existing ones in the milestone and funding-plan forms.
SPARE_ROWS = 2


def _locale() -> str:
    return str(get_locale() or "it")


def template_helpers() -> dict:
    """Amounts and rates as the page's language writes them (labels of codes use the ``label`` filter), and
    messages (an import's reasons and warnings, stored in English) in the page's language."""
    return {
        "lang": page_language(),
        "eur": lambda cents: "" if cents is None else format_eur(cents, _locale()),
        "pct": lambda bp: format_percent(bp, _locale()),
        "say": say,
    }


def amount_text(cents: int | None) -> str:
    """An amount as a form shows it for editing: the page's digits without the currency."""
    return "" if cents is None else format_eur(cents, _locale()).replace("EUR", "").strip()


def rate_text(basis_points: int | None) -> str:
    """A rate as a form shows it for editing: the page's digits without the percent sign."""
    return "" if basis_points is None else format_percent(basis_points, _locale()).rstrip("%")


def choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in enum]


def can_write_region(user) -> bool:
    return bool(user) and user.is_secretariat and not user.read_only


def import_status_page(template: str, job_id: str, func: str, forbidden: str):
    """An import's progress and answer, which the secretariat and auditors follow (``forbidden`` tells anybody
    else why not); ``func`` is the import's job, any other job is not found here."""
    if not page_user().is_regional:
        raise Forbidden(forbidden)
    job = visible_job(job_id)
    if job.func != func:
        raise NotFound(f"Job {job_id!r} not found.")
    return render_template(template, job=job, result=job.result or {}, **template_helpers())
