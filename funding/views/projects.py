"""A municipality's projects: the explained ranking, milestones and funding plan."""

from __future__ import annotations

import re

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from smartregion import auth
from smartregion.db import get_session
from smartregion.errors import DomainError
from smartregion.web import page_language, page_user
from smartregion.web.pages import on_refusal

from funding.models import Project
from funding.money import MoneyError, parse_cents
from funding.reference import FundingSourceKind
from funding.schemas import ProjectFundingPlanSchema, ProjectMilestonesSchema
from funding.services import matching, plan_editor, projects
from funding.views import bp
from funding.views.common import SPARE_ROWS, amount_text, choices, template_helpers
from funding.views.messages import form_errors, messages_of, say

# Who may edit a project's milestones and funding plan from its page.
PROJECT_EDITORS = ("municipality", "secretariat")


# --- projects: the explained ranking, milestones and funding plan ---------------------------------


@bp.get("/funding/tenants/<slug>/projects")
def project_list(slug):
    page_user()
    tenant = auth.enter_tenant(slug)
    rows = get_session().scalars(projects.projects_query(tenant.id)).all()
    return render_template("funding/projects.html", tenant=tenant, projects=rows, **template_helpers())


@bp.get("/funding/tenants/<slug>/projects/<int:project_id>")
def project_detail(slug, project_id):
    page_user()
    tenant = auth.enter_tenant(slug)
    return _render_project(tenant, project_id)


def _project_editor(user) -> bool:
    return bool(user.roles & set(PROJECT_EDITORS)) and not user.read_only


def _milestone_values(project: Project) -> list[dict]:
    return [{"title": m.title, "due_on": m.due_on.isoformat(), "done_on": m.done_on.isoformat() if m.done_on else ""}
            for m in project.milestones]


def _plan_values(project: Project) -> list[dict]:
    return [{"source_kind": i.source_kind, "funding_line_id": str(i.funding_line_id or ""), "label": i.label or "",
             "amount": amount_text(i.amount_cents)} for i in project.funding_items]


def _render_project(tenant, project_id: int, *, form: str | None = None, rows: list | None = None,
                    errors: dict | None = None, status: int = 200):
    user = page_user()
    session = get_session()
    project = projects.get_project(session, tenant.id, project_id)
    result = matching.project_matches(session, tenant.id, project_id, lang=page_language())
    milestones = rows if form == "milestones" else _milestone_values(project)
    funding_plan = rows if form == "funding_plan" else _plan_values(project)
    all_lines = plan_editor.lines_by_programme(session)
    covered = sum(item.amount_cents for item in project.funding_items)
    return render_template(
        "funding/project.html", tenant=tenant, project=project, matches=result["matches"],
        can_edit=_project_editor(user), milestones=milestones, funding_plan=funding_plan, spare=SPARE_ROWS,
        errors=errors or {}, failed_form=form, funding_lines=all_lines, source_kinds=choices(FundingSourceKind),
        covered_cents=covered, **template_helpers()
    ), status


def _posted_rows(prefix: str, names: tuple[str, ...]) -> list[dict]:
    """The rows of a repeated form section (``milestones.3.title``), in their order on the page.

    Blank rows at the end are dropped, so that a refused form comes back with its spare rows only once.
    """
    indexes = sorted({int(m.group(1)) for key in request.form
                      if (m := re.fullmatch(rf"{prefix}\.(\d+)\.[a-z_]+", key))})
    rows = [{name: request.form.get(f"{prefix}.{i}.{name}", "").strip() for name in names} for i in indexes]
    while rows and not any(rows[-1].values()):
        rows.pop()
    return rows


def _enter_project_tenant(slug: str):
    page_user()
    return auth.enter_tenant(slug, write=True, roles=PROJECT_EDITORS)


def _refused_project(tenant, project_id: int, form: str, rows: list[dict], sent: list[int], rename=None):
    """The project's page again, the form ``form`` with what was typed and the messages beside its rows."""

    def respond(error, status: int | None = None):
        errors = form_errors(messages_of(error), rename, {form: sent})
        if isinstance(error, DomainError) and not errors:
            errors = {form: [say(error.detail)]}
        return _render_project(tenant, project_id, form=form, rows=rows, errors=errors,
                               status=status or getattr(error, "status", 400))

    return respond


# A project's form is refused for what it holds (marshmallow) or by the services.
PROJECT_REFUSALS = (ma.ValidationError, DomainError)


@bp.post("/funding/tenants/<slug>/projects/<int:project_id>/milestones")
def project_milestones(slug, project_id):
    """Replace the milestones (the API's ``PUT .../milestones``); a cleared row is a milestone removed."""
    user = page_user()
    tenant = _enter_project_tenant(slug)
    rows = _posted_rows("milestones", ("title", "due_on", "done_on"))
    sent = [i for i, row in enumerate(rows) if any(row.values())]
    items = [{k: v for k, v in rows[i].items() if v} for i in sent]
    with on_refusal(_refused_project(tenant, project_id, "milestones", rows, sent), *PROJECT_REFUSALS):
        data = ProjectMilestonesSchema().load({"milestones": items})
        projects.set_milestones(get_session(), tenant.id, project_id, data["milestones"], actor=user.username)
    flash(_("The project's milestones were saved."), "success")
    return redirect(url_for(".project_detail", slug=slug, project_id=project_id) + "#milestones", 303)


def _funding_plan_items(rows: list[dict], sent: list[int]) -> tuple[list[dict], dict]:
    """The funding plan's sources from the rows sent, amounts in cents, with what cannot be read."""
    items, errors = [], {}
    for position, index in enumerate(sent):
        row = rows[index]
        item = {"source_kind": row["source_kind"], "label": row["label"] or None,
                "funding_line_id": row["funding_line_id"] or None}
        if row["source_kind"] != FundingSourceKind.FUNDING_LINE.value and row["funding_line_id"]:
            # The table allows a line only on a funding-line source; say so instead of failing on the constraint.
            errors[f"funding_plan.{position}.funding_line_id"] = ["Only a funding-line source names a funding line."]
        try:
            item["amount_cents"] = parse_cents(row["amount"], allow_negative=True) if row["amount"] else None
        except MoneyError:
            errors[f"funding_plan.{position}.amount_cents"] = ["Not a valid amount in EUR."]
        items.append(item)
    return items, errors


@bp.post("/funding/tenants/<slug>/projects/<int:project_id>/funding-plan")
def project_funding_plan(slug, project_id):
    """Replace the funding plan (the API's ``PUT .../funding-plan``); amounts in EUR as people write them."""
    user = page_user()
    tenant = _enter_project_tenant(slug)
    rows = _posted_rows("funding_plan", ("source_kind", "funding_line_id", "label", "amount"))
    sent = [i for i, row in enumerate(rows) if any(row.values())]
    items, errors = _funding_plan_items(rows, sent)
    refused = _refused_project(tenant, project_id, "funding_plan", rows, sent, {"amount_cents": "amount"})
    if errors:
        return refused(errors, 422)
    with on_refusal(refused, *PROJECT_REFUSALS):
        data = ProjectFundingPlanSchema().load({"funding_plan": items})
        projects.set_funding_plan(get_session(), tenant.id, project_id, data["funding_plan"], actor=user.username)
    flash(_("The funding plan was saved."), "success")
    return redirect(url_for(".project_detail", slug=slug, project_id=project_id) + "#funding-plan", 303)
