"""Pages of the funding module: projects with their explained matches, funding lines, the plan."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import get_locale
from smartregion import auth
from smartregion.db import get_session
from smartregion.web import page_user
from sqlalchemy import select

from funding.matching import line_timing
from funding.models import FundingLine, OperationalPlan
from funding.money import format_eur, format_percent
from funding.reference import Domain, Programme, ProjectStatus
from funding.services import matching, projects

bp = Blueprint("funding_pages", __name__, template_folder="templates")


def _lang() -> str:
    return "en" if str(get_locale()).startswith("en") else "it"


def _helpers(lang: str) -> dict:
    return {
        "lang": lang,
        "eur": lambda cents: "" if cents is None else format_eur(cents, lang),
        "pct": lambda bp: format_percent(bp, lang),
        "domain_label": lambda code: Domain(code).label(lang),
        "status_label": lambda code: ProjectStatus(code).label(lang),
        "programme_label": lambda code: Programme(code).label(lang),
        "t": lambda it, en: en if lang == "en" else it,
    }


@bp.get("/funding/tenants/<slug>/projects")
def project_list(slug):
    page_user()
    tenant = auth.enter_tenant(slug)
    rows = get_session().scalars(projects.projects_query(tenant.id)).all()
    return render_template("funding/projects.html", tenant=tenant, projects=rows, **_helpers(_lang()))


@bp.get("/funding/tenants/<slug>/projects/<int:project_id>")
def project_detail(slug, project_id):
    page_user()
    tenant = auth.enter_tenant(slug)
    session = get_session()
    lang = _lang()
    project = projects.get_project(session, tenant.id, project_id)
    result = matching.project_matches(session, tenant.id, project_id, lang=lang)
    return render_template(
        "funding/project.html", tenant=tenant, project=project, matches=result["matches"], **_helpers(lang)
    )


@bp.get("/funding/lines")
def line_list():
    page_user()
    lang = _lang()
    today = matching.today()
    rows = []
    for line in get_session().scalars(select(FundingLine).order_by(FundingLine.id)):
        rows.append((line, line_timing(matching.line_profile(line), today)))
    plans = (
        get_session().scalars(select(OperationalPlan).order_by(OperationalPlan.series, OperationalPlan.version)).all()
    )
    return render_template("funding/lines.html", lines=rows, plans=plans, **_helpers(lang))


@bp.get("/funding/lines/<int:line_id>")
def line_detail(line_id):
    page_user()
    auth.enter_regional()
    lang = _lang()
    result = matching.line_ranking(get_session(), line_id, lang=lang)
    return render_template("funding/line.html", result=result, **_helpers(lang))
