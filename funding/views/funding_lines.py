"""Funding lines: the list, one line with its ranking, the line form and file imports."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from smartregion import auth, ratelimit
from smartregion.db import get_session
from smartregion.errors import DomainError, Forbidden, NotFound
from smartregion.routes import visible_job
from smartregion.storage import storage
from smartregion.web import page_language, page_secretariat, page_user

from funding.matching import line_timing
from funding.models import FundingLine, PlanStatus
from funding.money import format_percent
from funding.reference import BeneficiaryKind, DeadlineModel, Domain, Level, Programme
from funding.services import lines, matching, plans
from funding.validation import clean_funding_line
from funding.views import bp
from funding.views.common import (
    SECRETARIAT_ONLY,
    SPARE_ROWS,
    _amount_text,
    _can_write_region,
    _choices,
    _helpers,
    _say_done,
)
from funding.views.messages import _form_errors, _say

# --- funding lines -------------------------------------------------------------------------------


@bp.get("/funding/lines")
def line_list():
    page_user()
    return _render_lines()


def _render_lines(*, import_errors: dict | None = None, import_format: str = "csv", status: int = 200):
    user = page_user()
    lang = page_language()
    day = matching.today()
    session = get_session()
    rows = [(line, line_timing(matching.line_profile(line), day)) for line in session.scalars(lines.lines_query())]
    visible = session.scalars(plans.plans_query()).all()
    if not user.is_regional:
        visible = [plan for plan in visible if plan.status != PlanStatus.DRAFT]
    return render_template(
        "funding/lines.html", lines=rows, plans=visible, can_edit=_can_write_region(user),
        import_errors=import_errors or {}, import_format=import_format, **_helpers(lang)
    ), status


@bp.get("/funding/lines/<int:line_id>")
def line_detail(line_id):
    user = page_user()
    auth.enter_regional()
    lang = page_language()
    session = get_session()
    result = matching.line_ranking(session, line_id, lang=lang)
    return render_template("funding/line.html", result=result, line=lines.get_line(session, line_id),
                           can_edit=_can_write_region(user), **_helpers(lang))


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


def _line_values(line: FundingLine, lang: str) -> dict:
    """The form's values of a stored line: amounts in EUR and the rate in percent, as people write them."""
    def text(value) -> str:
        return "" if value is None else str(value)

    return {
        "programme": line.programme, "level": line.level, "call_identifier": text(line.call_identifier),
        "topic_identifier": text(line.topic_identifier), "title": line.title, "description": text(line.description),
        "opening_date": line.opening_date.isoformat() if line.opening_date else "",
        "deadlines": [d.isoformat() for d in line.deadlines or []], "deadline_model": line.deadline_model,
        "total_budget": _amount_text(line.total_budget_cents, lang),
        "min_grant": _amount_text(line.min_grant_cents, lang), "max_grant": _amount_text(line.max_grant_cents, lang),
        "cofinancing_rate": format_percent(line.cofinancing_rate_bp, lang).rstrip("%"),
        "non_profit_rate": ("" if line.non_profit_rate_bp is None
                            else format_percent(line.non_profit_rate_bp, lang).rstrip("%")),
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
    lang = page_language()
    options = {
        "programmes": _choices(Programme, lang), "levels": _choices(Level, lang),
        "deadline_models": _choices(DeadlineModel, lang), "domains": _choices(Domain, lang),
        "beneficiary_kinds": _choices(BeneficiaryKind, lang),
    }
    return render_template("funding/line_form.html", line=line, values=values, errors=errors or {}, detail=detail,
                           options=options, spare=SPARE_ROWS, **_helpers(lang)), status


def _refused_line(line, values, error: DomainError | dict, status: int | None = None):
    lang = page_language()
    messages = error if isinstance(error, dict) else error.errors
    errors = _form_errors(messages, lang, LINE_FORM_NAMES)
    detail = (
        "The funding line was not saved: correct the fields marked below."
        if lang == "en" else "La linea non è stata salvata: correggere i campi segnalati."
    )
    if isinstance(error, DomainError) and not errors:
        detail = _say(error.detail, lang)
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
    try:
        line = lines.create_line(session, data, actor=user.username)
    except DomainError as error:
        session.rollback()
        return _refused_line(None, values, error)
    flash(_say_done("La linea di finanziamento è stata creata.", "The funding line was created."), "success")
    return redirect(url_for(".line_detail", line_id=line.id), 303)


@bp.get("/funding/lines/<int:line_id>/edit")
def line_edit(line_id):
    page_secretariat(SECRETARIAT_ONLY)
    line = lines.get_line(get_session(), line_id)
    return _render_line_form(line, _line_values(line, page_language()))


@bp.post("/funding/lines/<int:line_id>/edit")
def line_update(line_id):
    user = page_secretariat(SECRETARIAT_ONLY)
    session = get_session()
    line = lines.get_line(session, line_id)
    values = _line_form_values(request.form)
    data, errors = _line_data(values, new=False)
    if errors:
        return _refused_line(line, values, errors, 422)
    try:
        lines.update_line(session, line_id, data, actor=user.username)
    except DomainError as error:
        session.rollback()
        return _refused_line(lines.get_line(session, line_id), values, error)
    flash(_say_done("La linea di finanziamento è stata aggiornata.", "The funding line was updated."), "success")
    return redirect(url_for(".line_detail", line_id=line_id), 303)


@bp.post("/funding/lines/import")
@ratelimit.upload
def line_import():
    """Store the file, refuse it at once if it cannot be read, else import it as a job (as the API does)."""
    page_secretariat(SECRETARIAT_ONLY)
    lang = page_language()
    file_format = request.form.get("format", "")
    upload = request.files.get("file")
    errors = {}
    if file_format not in lines.FORMATS:
        errors["format"] = ["Must be one of: csv, json, ft_portal."]
    if upload is None or not upload.filename:
        errors["file"] = ["Choose a file to upload."]
    if errors:
        return _render_lines(import_errors=_form_errors(errors, lang), import_format=file_format, status=400)
    data = upload.read()
    sha256 = storage().put_bytes(data).sha256
    try:
        job = lines.start_import(get_session(), data, sha256, file_format)
    except DomainError as error:
        return _render_lines(import_errors=_form_errors(error.errors, lang), import_format=file_format,
                             status=error.status)
    return redirect(url_for(".line_import_status", job_id=job.id), 303)


@bp.get("/funding/lines/imports/<job_id>")
def line_import_status(job_id):
    user = page_user()
    if not user.is_regional:
        raise Forbidden("Imports of funding lines are followed by the secretariat and auditors.")
    job = visible_job(job_id)
    if job.func != lines.IMPORT_JOB:
        raise NotFound(f"Job {job_id!r} not found.")
    lang = page_language()
    return render_template("funding/line_import.html", job=job, result=job.result or {}, **_helpers(lang))

