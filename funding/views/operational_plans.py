"""The regional operational plan: versions, the draft editor, approval."""

from __future__ import annotations

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from smartregion import auth, tenancy
from smartregion.db import get_session
from smartregion.errors import DomainError, NotFound
from smartregion.web import page_secretariat, page_user
from smartregion.web.pages import on_refusal

from funding.models import OperationalPlan, PlanStatus
from funding.schemas import (
    OperationalPlanInputSchema,
    OperationalPlanMunicipalityInputSchema,
    OperationalPlanUpdateSchema,
)
from funding.services import plan_editor, plans
from funding.views import bp
from funding.views.common import SECRETARIAT_ONLY, can_write_region, template_helpers
from funding.views.messages import form_errors, messages_of, say

# A form of the plan is refused for what it holds (marshmallow) or by the services.
PLAN_REFUSALS = (ma.ValidationError, DomainError)


@bp.get("/funding/plans")
def plan_list():
    page_user()
    return _render_plans()


def _render_plans(*, errors: dict | None = None, values: dict | None = None, detail: str | None = None,
                  status: int = 200):
    user = page_user()
    rows = get_session().scalars(plans.plans_query(drafts=user.is_regional)).all()
    return render_template("funding/plans.html", plans=rows, can_edit=can_write_region(user), errors=errors or {},
                           values=values or {}, detail=detail, **template_helpers()), status


def _plan_not_created(values: dict, error):
    detail = f"{_('The plan was not created.')} {say(getattr(error, 'detail', ''))}".strip()
    return _render_plans(errors=form_errors(messages_of(error)), values=values, detail=detail,
                         status=getattr(error, "status", 400))


@bp.post("/funding/plans")
def plan_create():
    user = page_secretariat(SECRETARIAT_ONLY)
    values = {name: request.form.get(name, "").strip() for name in ("series", "title", "notes")}
    with on_refusal(lambda error: _plan_not_created(values, error), *PLAN_REFUSALS):
        data = OperationalPlanInputSchema().load(values | {"notes": values["notes"] or None})
        plan = plans.create_plan(get_session(), **data, actor=user.username)
    flash(_("The plan was started as a draft."), "success")
    return redirect(url_for(".plan_detail", plan_id=plan.id), 303)


def _visible_plan(user, plan_id: int) -> OperationalPlan:
    return plans.get_plan(get_session(), plan_id, drafts=user.is_regional)


@bp.get("/funding/plans/<int:plan_id>")
def plan_detail(plan_id):
    return _render_plan(plan_id)


def _standards_text(standards: list[dict]) -> str:
    return "\n".join(f"{s['code']}: {s['title']}" if s.get("title") else s["code"] for s in standards)


def _render_plan(plan_id: int, *, failed: str | None = None, errors: dict | None = None, values: dict | None = None,
                 detail: str | None = None, status: int = 200):
    """The plan as a page; a draft is an editor for the secretariat, with one form per municipality.

    ``failed`` names the form refused (``plan`` or a tenant's slug), whose ``values`` are shown again.
    """
    user = page_user()
    session = get_session()
    plan = _visible_plan(user, plan_id)
    if user.is_regional:
        auth.enter_regional()
    with tenancy.regional_scope():  # an approved plan is shared with every signatory, as its export is
        document = plans.plan_document(session, plan_id)
        line_use = plan_editor.line_use(session, document)
        editable = plan.status == PlanStatus.DRAFT and can_write_region(user)
        candidates = plan_editor.plan_candidates(session, plan) if editable else []
    versions = session.scalars(plans.plans_query(series=plan.series)).all()
    plan_values = values if failed == "plan" else {
        "title": plan.title, "notes": plan.notes or "", "standards": _standards_text(plan.standards)}
    return render_template(
        "funding/plan.html", plan=plan, document=document, line_use=line_use, editable=editable,
        can_edit=can_write_region(user), candidates=candidates, versions=versions, failed=failed,
        errors=errors or {}, values=values or {}, plan_values=plan_values, detail=detail,
        has_draft=any(v.status == PlanStatus.DRAFT for v in versions), **template_helpers()
    ), status


def _refused_plan(plan_id: int, *, failed: str, values: dict | None = None):
    """The plan's page again, the refused form ``failed`` with the messages and what was typed."""

    def respond(error):
        detail = say(getattr(error, "detail", None) or "The change was not saved.")
        return _render_plan(plan_id, failed=failed, errors=form_errors(messages_of(error)), values=values,
                            detail=detail, status=getattr(error, "status", 400))

    return respond


def _standards_of(text: str) -> list[dict]:
    """The standards adopted, one per line as ``CODE: title`` (the title may be left out)."""
    standards = []
    for line in text.splitlines():
        code, _colon, title = line.partition(":")
        if code.strip():
            standards.append({"code": code.strip()} | ({"title": title.strip()} if title.strip() else {}))
    return standards


@bp.post("/funding/plans/<int:plan_id>")
def plan_update(plan_id):
    """Title, notes and the regional standards adopted (one per line, ``CODE: title``) of a draft."""
    user = page_secretariat(SECRETARIAT_ONLY)
    values = {name: request.form.get(name, "").strip() for name in ("title", "notes", "standards")}
    with on_refusal(_refused_plan(plan_id, failed="plan", values=values), *PLAN_REFUSALS):
        data = OperationalPlanUpdateSchema().load({"title": values["title"], "notes": values["notes"] or None,
                                                   "standards": _standards_of(values["standards"])})
        plans.update_plan(get_session(), plan_id, data, actor=user.username)
    flash(_("The plan was updated."), "success")
    return redirect(url_for(".plan_detail", plan_id=plan_id), 303)


@bp.post("/funding/plans/<int:plan_id>/municipalities/<slug>")
def plan_municipality(plan_id, slug):
    """A municipality's first group of projects and its lead company (the API's ``PUT .../municipalities/<slug>``)."""
    user = page_secretariat(SECRETARIAT_ONLY)
    values = {"project_ids": request.form.getlist("project_ids"),
              "lead_company_id": request.form.get("lead_company_id", "")}
    refused = _refused_plan(plan_id, failed=slug, values=values)
    with on_refusal(lambda error: abort(404) if isinstance(error, NotFound) else refused(error), *PLAN_REFUSALS):
        data = OperationalPlanMunicipalityInputSchema().load(
            {"project_ids": values["project_ids"], "lead_company_id": values["lead_company_id"] or None})
        plans.set_municipality(get_session(), plan_id, slug, project_ids=data["project_ids"],
                               lead_company_id=data.get("lead_company_id"), actor=user.username)
    name = plan_editor.tenant_name(get_session(), slug)
    flash(_("The projects of %(name)s were saved in the plan.", name=name), "success")
    return redirect(url_for(".plan_detail", plan_id=plan_id) + f"#municipality-{slug}", 303)


@bp.post("/funding/plans/<int:plan_id>/approve")
def plan_approve(plan_id):
    user = page_secretariat(SECRETARIAT_ONLY)
    with on_refusal(_refused_plan(plan_id, failed="approve")):
        plans.approve_plan(get_session(), plan_id, actor=user.username)
    flash(_("The plan was approved: its document is now frozen."), "success")
    return redirect(url_for(".plan_detail", plan_id=plan_id), 303)


@bp.post("/funding/plans/<int:plan_id>/versions")
def plan_new_version(plan_id):
    user = page_secretariat(SECRETARIAT_ONLY)
    with on_refusal(_refused_plan(plan_id, failed="version")):
        plan = plans.new_version(get_session(), plan_id, actor=user.username)
    flash(_("Version %(version)s opened as a draft.", version=plan.version), "success")
    return redirect(url_for(".plan_detail", plan_id=plan.id), 303)
