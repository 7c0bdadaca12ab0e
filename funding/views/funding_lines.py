"""Funding lines: the list, one line with its ranking, the line form and file imports."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from smartregion import auth, ratelimit
from smartregion.db import get_session
from smartregion.errors import DomainError
from smartregion.storage import storage
from smartregion.web import page_language, page_secretariat, page_user
from smartregion.web.pages import on_refusal

from funding.matching import line_timing
from funding.models import FundingLine, PlanStatus
from funding.reference import BeneficiaryKind, DeadlineModel, Domain, Level, Programme
from funding.services import lines, matching, plans
from funding.validation import clean_funding_line
from funding.views import bp
from funding.views.common import (
    SECRETARIAT_ONLY,
    SPARE_ROWS,
    amount_text,
    can_write_region,
    choices,
    import_status_page,
    rate_text,
    template_helpers,
)
from funding.views.messages import form_errors, say

# --- funding lines -------------------------------------------------------------------------------


@bp.get("/funding/lines")
def line_list():
    page_user()
    return _render_lines()


def _render_lines(*, import_errors: dict | None = None, import_format: str = "csv", status: int = 200):
    user = page_user()
    day = matching.today()
    session = get_session()
    rows = [(line, line_timing(matching.line_profile(line), day)) for line in session.scalars(lines.lines_query())]
    visible = session.scalars(plans.plans_query()).all()
    if not user.is_regional:
        visible = [plan for plan in visible if plan.status != PlanStatus.DRAFT]
    return render_template(
        "funding/lines.html", lines=rows, plans=visible, can_edit=can_write_region(user),
        import_errors=import_errors or {}, import_format=import_format, **template_helpers()
    ), status


@bp.get("/funding/lines/<int:line_id>")
def line_detail(line_id):
    user = page_user()
    auth.enter_regional()
    session = get_session()
    result = matching.line_ranking(session, line_id, lang=page_language())
    return render_template("funding/line.html", result=result, line=lines.get_line(session, line_id),
                           can_edit=can_write_region(user), **template_helpers())


LINE_TEXT_FIELDS = (
    "programme", "level", "call_identifier", "topic_identifier", "title", "description", "opening_date",
    "deadline_model", "total_budget", "min_grant", "max_grant", "cofinancing_rate", "non_profit_rate",
    "action_type", "territories", "min_partners", "trl_min", "trl_max", "url", "external_id"
)
# The service's field names (cents, basis points) as the form's (EUR, percent).
LINE_FORM_NAMES = lines.MONEY_FIELDS | lines.RATE_FIELDS


def _line_form_values(form) -> dict:
    values = {name: form.get(name, "") for name in LINE_TEXT_FIELDS}
    values["deadlines"] = [d.strip() for d in form.getlist("deadlines") if d.strip()]
    values["beneficiary_kinds"] = form.getlist("beneficiary_kinds")
    values["domains"] = form.getlist("domains")
    values["partnership_required"] = bool(form.get("partnership_required"))
    return values


def _line_values(line: FundingLine) -> dict:
    """The form's values of a stored line: amounts in EUR and the rate in percent, as people write them."""
    def text(value) -> str:
        return "" if value is None else str(value)

    return {
        "programme": line.programme, "level": line.level, "call_identifier": text(line.call_identifier),
        "topic_identifier": text(line.topic_identifier), "title": line.title, "description": text(line.description),
        "opening_date": line.opening_date.isoformat() if line.opening_date else "",
        "deadlines": [d.isoformat() for d in line.deadlines or []], "deadline_model": line.deadline_model,
        "total_budget": amount_text(line.total_budget_cents),
        "min_grant": amount_text(line.min_grant_cents), "max_grant": amount_text(line.max_grant_cents),
        "cofinancing_rate": rate_text(line.cofinancing_rate_bp), "non_profit_rate": rate_text(line.non_profit_rate_bp),
        "action_type": text(line.action_type),
        "beneficiary_kinds": list(line.beneficiary_kinds), "domains": list(line.domains),
        "territories": ", ".join(line.territories), "partnership_required": line.partnership_required,
        "min_partners": text(line.min_partners or ""), "trl_min": text(line.trl_min), "trl_max": text(line.trl_max),
        "url": text(line.url), "external_id": text(line.external_id),
    }


def _line_data(values: dict, *, new: bool) -> tuple[dict, dict]:
    """The service's data (cents, basis points) from the form, through the services' own validator."""
    clean, errors = clean_funding_line(values)
    if errors:
        return {}, errors
    kept = {"portal_status", "external_source"} | (set() if new else {"external_id"})
    return {name: clean[name] for name in lines.LINE_FIELDS if name not in kept}, {}


def _render_line_form(line: FundingLine | None, values: dict, *, errors=None, detail=None, status=200):
    options = {
        "programmes": choices(Programme), "levels": choices(Level), "deadline_models": choices(DeadlineModel),
        "domains": choices(Domain), "beneficiary_kinds": choices(BeneficiaryKind),
    }
    return render_template("funding/line_form.html", line=line, values=values, errors=errors or {}, detail=detail,
                           options=options, spare=SPARE_ROWS, **template_helpers()), status


def _refused_line(line, values, error: DomainError | dict, status: int | None = None):
    messages = error if isinstance(error, dict) else error.errors
    errors = form_errors(messages, LINE_FORM_NAMES)
    detail = _("The funding line was not saved: correct the fields marked below.")
    if isinstance(error, DomainError) and not errors:
        detail = say(error.detail)
    return _render_line_form(line, values, errors=errors, detail=detail, status=status or error.status)


@bp.get("/funding/lines/new")
def line_new():
    page_secretariat(SECRETARIAT_ONLY)
    return _render_line_form(None, {"deadlines": [], "beneficiary_kinds": [], "domains": []})


@bp.post("/funding/lines/new")
def line_create():
    user = page_secretariat(SECRETARIAT_ONLY)
    session = get_session()
    values = _line_form_values(request.form)
    data, errors = _line_data(values, new=True)
    if errors:
        return _refused_line(None, values, errors, 422)
    with on_refusal(lambda error: _refused_line(None, values, error)):
        line = lines.create_line(session, data, actor=user.username)
    flash(_("The funding line was created."), "success")
    return redirect(url_for(".line_detail", line_id=line.id), 303)


@bp.get("/funding/lines/<int:line_id>/edit")
def line_edit(line_id):
    page_secretariat(SECRETARIAT_ONLY)
    line = lines.get_line(get_session(), line_id)
    return _render_line_form(line, _line_values(line))


@bp.post("/funding/lines/<int:line_id>/edit")
def line_update(line_id):
    user = page_secretariat(SECRETARIAT_ONLY)
    session = get_session()
    line = lines.get_line(session, line_id)
    values = _line_form_values(request.form)
    data, errors = _line_data(values, new=False)
    if errors:
        return _refused_line(line, values, errors, 422)
    with on_refusal(lambda error: _refused_line(lines.get_line(session, line_id), values, error)):
        lines.update_line(session, line_id, data, actor=user.username)
    flash(_("The funding line was updated."), "success")
    return redirect(url_for(".line_detail", line_id=line_id), 303)


def _import_form_errors(file_format: str, upload) -> dict[str, list[str]]:
    errors = {}
    if file_format not in lines.FORMATS:
        errors["format"] = ["Must be one of: csv, json, ft_portal."]
    if upload is None or not upload.filename:
        errors["file"] = ["Choose a file to upload."]
    return errors


@bp.post("/funding/lines/import")
@ratelimit.upload
def line_import():
    """Store the file, refuse it at once if it cannot be read, else import it as a job (as the API does)."""
    page_secretariat(SECRETARIAT_ONLY)
    file_format = request.form.get("format", "")
    upload = request.files.get("file")
    errors = _import_form_errors(file_format, upload)
    if errors:
        return _render_lines(import_errors=form_errors(errors), import_format=file_format,
                             status=400)
    data = upload.read()
    sha256 = storage().put_bytes(data).sha256
    with on_refusal(lambda error: _render_lines(import_errors=form_errors(error.errors),
                                                import_format=file_format, status=error.status)):
        job = lines.start_import(get_session(), data, sha256, file_format)
    return redirect(url_for(".line_import_status", job_id=job.id), 303)


@bp.get("/funding/lines/imports/<job_id>")
def line_import_status(job_id):
    return import_status_page("funding/line_import.html", job_id, lines.IMPORT_JOB,
                              "Imports of funding lines are followed by the secretariat and auditors.")

