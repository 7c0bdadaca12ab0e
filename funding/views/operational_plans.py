"""The regional operational plan: versions, the draft editor, approval."""

from __future__ import annotations

from collections import defaultdict

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for
from smartregion import auth, tenancy
from smartregion.db import get_session
from smartregion.errors import DomainError, NotFound
from smartregion.web import page_language, page_secretariat, page_user
from sqlalchemy import select

from funding.models import FundingLine, OperationalPlan, PlanMunicipality, PlanStatus, Project
from funding.schemas import (
    OperationalPlanInputSchema,
    OperationalPlanMunicipalityInputSchema,
    OperationalPlanUpdateSchema,
)
from funding.services import plans
from funding.views import bp
from funding.views.common import SECRETARIAT_ONLY, _can_write_region, _helpers, _say_done
from funding.views.messages import _form_errors, _say
from tenants.models import Organization, OrganizationKind, Tenant

# --- the operational plan --------------------------------------------------------------------------


@bp.get("/funding/plans")
def plan_list():
    page_user()
    return _render_plans()


def _render_plans(*, errors: dict | None = None, values: dict | None = None, detail: str | None = None,
                  status: int = 200):
    user = page_user()
    rows = get_session().scalars(plans.plans_query(drafts=user.is_regional)).all()
    return render_template("funding/plans.html", plans=rows, can_edit=_can_write_region(user), errors=errors or {},
                           values=values or {}, detail=detail, **_helpers(page_language())), status


@bp.post("/funding/plans")
def plan_create():
    user = page_secretariat(SECRETARIAT_ONLY)
    session = get_session()
    lang = page_language()
    values = {name: request.form.get(name, "").strip() for name in ("series", "title", "notes")}
    try:
        data = OperationalPlanInputSchema().load(values | {"notes": values["notes"] or None})
        plan = plans.create_plan(session, **data, actor=user.username)
    except (ma.ValidationError, DomainError) as error:
        session.rollback()
        messages = error.messages if isinstance(error, ma.ValidationError) else error.errors
        detail = "The plan was not created." if lang == "en" else "Il piano non è stato creato."
        return _render_plans(errors=_form_errors(messages, lang), values=values,
                             detail=f"{detail} {_say(getattr(error, 'detail', ''), lang)}".strip(),
                             status=getattr(error, "status", 400))
    flash(_say_done("Il piano è stato avviato in bozza.", "The plan was started as a draft."), "success")
    return redirect(url_for(".plan_detail", plan_id=plan.id), 303)


def _visible_plan(user, plan_id: int) -> OperationalPlan:
    return plans.get_plan(get_session(), plan_id, drafts=user.is_regional)


@bp.get("/funding/plans/<int:plan_id>")
def plan_detail(plan_id):
    return _render_plan(plan_id)


def _standards_text(standards: list[dict]) -> str:
    return "\n".join(f"{s['code']}: {s['title']}" if s.get("title") else s["code"] for s in standards)


def _line_use(session, document: dict) -> list[dict]:
    """Per funding line, what the plan's projects ask of it against its maximum grant and its budget."""
    asked: dict[int, dict] = {}
    for municipality in document["municipalities"]:
        for project in municipality["projects"]:
            for source in project["funding_plan"]:
                if source["funding_line_id"] is None:
                    continue
                use = asked.setdefault(source["funding_line_id"], {"cents": 0, "above_max": []})
                use["cents"] += source["amount_cents"]
                use["above_max"].append((project["title"], source["amount_cents"]))
    found = {line.id: line for line in session.scalars(select(FundingLine).where(FundingLine.id.in_(asked)))}
    rows = []
    for line_id, use in sorted(asked.items()):
        line = found.get(line_id)
        if line is None:
            continue
        above = [(title, cents) for title, cents in use["above_max"]
                 if line.max_grant_cents is not None and cents > line.max_grant_cents]
        rows.append({"line": line, "cents": use["cents"], "above_max": above,
                     "over_budget": line.total_budget_cents is not None and use["cents"] > line.total_budget_cents})
    return rows


def _render_plan(plan_id: int, *, failed: str | None = None, errors: dict | None = None, values: dict | None = None,
                 detail: str | None = None, status: int = 200):
    """The plan as a page; a draft is an editor for the secretariat, with one form per municipality.

    ``failed`` names the form refused (``plan`` or a tenant's slug), whose ``values`` are shown again.
    """
    user = page_user()
    session = get_session()
    lang = page_language()
    plan = _visible_plan(user, plan_id)
    if user.is_regional:
        auth.enter_regional()
    with tenancy.regional_scope():  # an approved plan is shared with every signatory, as its export is
        document = plans.plan_document(session, plan_id)
        line_use = _line_use(session, document)
        editable = plan.status == PlanStatus.DRAFT and _can_write_region(user)
        candidates = _plan_candidates(session, plan) if editable else []
    versions = session.scalars(plans.plans_query(series=plan.series)).all()
    plan_values = values if failed == "plan" else {
        "title": plan.title, "notes": plan.notes or "", "standards": _standards_text(plan.standards)}
    return render_template(
        "funding/plan.html", plan=plan, document=document, line_use=line_use, editable=editable,
        can_edit=_can_write_region(user), candidates=candidates, versions=versions, failed=failed,
        errors=errors or {}, values=values or {}, plan_values=plan_values, detail=detail,
        has_draft=any(v.status == PlanStatus.DRAFT for v in versions), **_helpers(lang)
    ), status


def _plan_candidates(session, plan: OperationalPlan) -> list[dict]:
    """Every active municipality (or one already in the plan) with its projects and the plan's choice."""
    entries = {e.tenant_id: e for e in session.scalars(select(PlanMunicipality).where(
        PlanMunicipality.plan_id == plan.id))}
    companies = [(str(c.id), c.name) for c in session.scalars(select(Organization).where(
        Organization.kind == OrganizationKind.PARTICIPATED_COMPANY).order_by(Organization.name))]
    tenants = [t for t in session.scalars(select(Tenant).order_by(Tenant.name))
               if t.id in entries or t.status == "active"]
    # Every municipality's projects in one query (their sources are loaded with them), not one per municipality.
    cards: dict[int, list[Project]] = defaultdict(list)
    for project in session.scalars(select(Project).where(Project.tenant_id.in_([t.id for t in tenants]))
                                   .order_by(Project.id)):
        cards[project.tenant_id].append(project)
    return [{
        "tenant": tenant, "entry": entries.get(tenant.id), "projects": cards[tenant.id],
        "chosen": [str(pid) for pid in entries[tenant.id].project_ids] if tenant.id in entries else [],
        "lead_company_id": str(entries[tenant.id].lead_company_id if tenant.id in entries else tenant.lead_company_id),
        "companies": companies,
    } for tenant in tenants]


def _refused_plan(plan_id: int, error, *, failed: str | None = None, values: dict | None = None):
    get_session().rollback()
    lang = page_language()
    messages = error.messages if isinstance(error, ma.ValidationError) else error.errors
    detail = _say(getattr(error, "detail", None) or "The change was not saved.", lang)
    return _render_plan(plan_id, failed=failed, errors=_form_errors(messages, lang), values=values,
                        detail=detail, status=getattr(error, "status", 400))


@bp.post("/funding/plans/<int:plan_id>")
def plan_update(plan_id):
    """Title, notes and the regional standards adopted (one per line, ``CODE: title``) of a draft."""
    user = page_secretariat(SECRETARIAT_ONLY)
    values = {name: request.form.get(name, "").strip() for name in ("title", "notes", "standards")}
    standards = []
    for text in values["standards"].splitlines():
        code, _, title = text.partition(":")
        if code.strip():
            standards.append({"code": code.strip()} | ({"title": title.strip()} if title.strip() else {}))
    try:
        data = OperationalPlanUpdateSchema().load(
            {"title": values["title"], "notes": values["notes"] or None, "standards": standards})
        plans.update_plan(get_session(), plan_id, data, actor=user.username)
    except (ma.ValidationError, DomainError) as error:
        return _refused_plan(plan_id, error, failed="plan", values=values)
    flash(_say_done("Il piano è stato aggiornato.", "The plan was updated."), "success")
    return redirect(url_for(".plan_detail", plan_id=plan_id), 303)


@bp.post("/funding/plans/<int:plan_id>/municipalities/<slug>")
def plan_municipality(plan_id, slug):
    """A municipality's first group of projects and its lead company (the API's ``PUT .../municipalities/<slug>``)."""
    user = page_secretariat(SECRETARIAT_ONLY)
    values = {"project_ids": request.form.getlist("project_ids"), "lead_company_id": request.form.get(
        "lead_company_id", "")}
    try:
        data = OperationalPlanMunicipalityInputSchema().load(
            {"project_ids": values["project_ids"], "lead_company_id": values["lead_company_id"] or None})
        plans.set_municipality(get_session(), plan_id, slug, project_ids=data["project_ids"],
                               lead_company_id=data.get("lead_company_id"), actor=user.username)
    except NotFound:
        abort(404)
    except (ma.ValidationError, DomainError) as error:
        return _refused_plan(plan_id, error, failed=slug, values=values)
    name = get_session().scalar(select(Tenant.name).where(Tenant.slug == slug))
    flash(_say_done(f"Progetti di {name} salvati nel piano.", f"The projects of {name} were saved in the plan."),
          "success")
    return redirect(url_for(".plan_detail", plan_id=plan_id) + f"#municipality-{slug}", 303)


@bp.post("/funding/plans/<int:plan_id>/approve")
def plan_approve(plan_id):
    user = page_secretariat(SECRETARIAT_ONLY)
    try:
        plans.approve_plan(get_session(), plan_id, actor=user.username)
    except DomainError as error:
        return _refused_plan(plan_id, error, failed="approve")
    flash(_say_done("Il piano è stato approvato: il documento è ora immutabile.",
                    "The plan was approved: its document is now frozen."), "success")
    return redirect(url_for(".plan_detail", plan_id=plan_id), 303)


@bp.post("/funding/plans/<int:plan_id>/versions")
def plan_new_version(plan_id):
    user = page_secretariat(SECRETARIAT_ONLY)
    try:
        plan = plans.new_version(get_session(), plan_id, actor=user.username)
    except DomainError as error:
        return _refused_plan(plan_id, error, failed="version")
    flash(_say_done(f"Versione {plan.version} aperta in bozza.", f"Version {plan.version} opened as a draft."),
          "success")
    return redirect(url_for(".plan_detail", plan_id=plan.id), 303)
