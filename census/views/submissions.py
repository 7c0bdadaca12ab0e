"""A tenant's submissions: the list, one submission, filling it in and the secretariat's review."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from smartregion.db import get_session
from smartregion.errors import Conflict, PreconditionFailed, Unprocessable
from smartregion.web import page_language, page_user

from census import services
from census.surveys import validate_answers
from census.surveys.definition import Field, FieldType
from census.views import bp
from census.views.common import FILERS, _actor, _enter, _enter_for, _may_file


@bp.get("/tenants/<slug>/census")
def tenant_submissions(slug):
    user = page_user()
    tenant = _enter(slug)
    session = get_session()
    rows = session.scalars(services.submissions_query(tenant_id=tenant.id)).all()
    campaign = services.current_campaign(session)
    startable = []
    if campaign is not None and _may_file(user):
        answered = {r.schema_key for r in rows if r.campaign_id == campaign.id}
        approved = {s.key: s for s in session.scalars(services.schemas_query(status="approved"))}
        startable = [approved[key] for key in campaign.schema_keys if key not in answered and key in approved]
    return render_template("census/submissions_list.html", tenant=tenant, submissions=rows, startable=startable,
                           can_file=_may_file(user), lang=page_language())


@bp.get("/tenants/<slug>/census/submissions/<int:submission_id>")
def submission(slug, submission_id):
    user = page_user()
    tenant = _enter(slug)
    session = get_session()
    sub = services.get_submission(session, tenant.id, submission_id)
    return render_template("census/submission_detail.html", tenant=tenant, sub=sub,
                           can_edit=_may_file(user) and sub.status in ("draft", "returned"),
                           can_review=user.is_secretariat and sub.status == "submitted",
                           definition=services.definition_of(sub.schema), report=services.report_of(sub),
                           history=services.submission_history(session, tenant.id, submission_id),
                           lang=page_language())


# ---------------------------------------------------------------------------------------------------
# Filling in and reviewing submissions: form pages over the census services.

_INDEX = re.compile(r"^/([a-z][a-z0-9_]*)/(\d+)/([a-z][a-z0-9_]*)$")


def _page_errors(error: Unprocessable) -> dict[str, list[str]]:
    """The services' field map (`answers/projects/0/budget`) keyed by answer path (`/projects/0/budget`)."""
    out: dict[str, list[str]] = {}
    for key, messages in (error.errors or {}).items():
        path = key.removeprefix("answers") or "/"
        if not path.startswith("/"):
            path = "/" + path
        out.setdefault(path, []).extend(messages if isinstance(messages, list) else [str(messages)])
    return out


def _number_text(raw: str) -> str:
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return text


def _value_of(f: Field, form, path: str) -> Any:
    """One answer from the posted form; a wrong value is kept as typed so the validator reports it."""
    if f.type is FieldType.MULTI_CHOICE:
        chosen = [v for v in form.getlist(path) if v]
        return chosen or None
    raw = form.get(path, "")
    if not raw.strip():
        return None
    if f.type is FieldType.INTEGER:
        text = _number_text(raw)
        return int(text) if re.fullmatch(r"[+-]?\d{1,18}", text) else raw
    if f.type in (FieldType.DECIMAL, FieldType.MONEY):
        return _number_text(raw)
    if f.type is FieldType.BOOLEAN:
        return {"true": True, "false": False}.get(raw, raw)
    if f.type is FieldType.GEOMETRY:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    if f.type is FieldType.TEXT:
        return raw if f.multiline else raw.strip()
    return raw.strip()


def answers_from_form(definition, form) -> dict:
    """The answers object (fields keyed by key, groups as lists) from a form whose names are paths."""
    answers: dict[str, Any] = {}
    rows: dict[str, set[int]] = {}
    for name in form.keys():
        match = _INDEX.match(name)
        if match:
            rows.setdefault(match.group(1), set()).add(int(match.group(2)))
    for name in form.getlist("__rows__"):
        match = re.fullmatch(r"/([a-z][a-z0-9_]*)/(\d+)", name)
        if match:
            rows.setdefault(match.group(1), set()).add(int(match.group(2)))
    for f in definition.fields:
        path = f"/{f.key}"
        if f.type is FieldType.GROUP:
            items = []
            for index in sorted(rows.get(f.key, ())):
                item = {sub.key: value for sub in f.fields
                        if (value := _value_of(sub, form, f"{path}/{index}/{sub.key}")) is not None}
                if item:
                    items.append(item)
            if items:
                answers[f.key] = items
            continue
        value = _value_of(f, form, path)
        if value is not None:
            answers[f.key] = value
    return answers


def _render_form(tenant, sub, answers, *, errors=None, status=200, stale=False):
    definition = services.definition_of(sub.schema)
    report = validate_answers(definition, answers)
    if errors is None:
        errors = report.field_errors(include_missing=False)
    return render_template(
        "census/form.html", tenant=tenant, sub=sub, definition=definition, answers=answers,
        errors=errors, completeness=report.completeness, missing=len(report.missing), stale=stale,
        revision=sub.revision, lang=page_language()), status


def _editable_sub(slug, submission_id):
    user = page_user()
    if not _may_file(user):
        abort(403)
    tenant = _enter(slug)
    sub = services.get_submission(get_session(), tenant.id, submission_id)
    return user, tenant, sub


@bp.get("/tenants/<slug>/census/submissions/<int:submission_id>/form")
def submission_form(slug, submission_id):
    _user, tenant, sub = _editable_sub(slug, submission_id)
    if sub.status not in ("draft", "returned"):
        flash(_("This submission cannot be changed any more: it is %(status)s.", status=sub.status), "info")
        return redirect(url_for(".submission", slug=slug, submission_id=submission_id))
    return _render_form(tenant, sub, sub.answers or {})


def _save(session, tenant, sub, answers, revision, user):
    return services.update_submission(session, tenant.id, sub.id, answers,
                                      if_match=f'"{sub.id}.{revision}"', actor=_actor(user))


@bp.post("/tenants/<slug>/census/submissions/<int:submission_id>/form")
def save_submission_form(slug, submission_id):
    user = page_user()
    if not _may_file(user):
        abort(403)
    tenant = _enter_for(slug, FILERS)
    session = get_session()
    sub = services.get_submission(session, tenant.id, submission_id)
    definition = services.definition_of(sub.schema)
    answers = answers_from_form(definition, request.form)
    action = request.form.get("action", "save")
    revision = request.form.get("revision", "")
    try:
        sub = _save(session, tenant, sub, answers, revision, user)
        if action == "submit":
            sub = services.submit_submission(session, tenant.id, sub.id, if_match=sub.etag,
                                             actor=_actor(user))
    except PreconditionFailed:
        session.rollback()
        sub = services.get_submission(session, tenant.id, submission_id)
        flash(_("Someone changed this submission since you opened it: nothing was saved. Reload the page "
                "to see the current answers, then apply your changes again."), "error")
        return _render_form(tenant, sub, answers, status=409, stale=True)
    except Unprocessable as error:
        session.rollback()
        sub = services.get_submission(session, tenant.id, submission_id)
        message = (_("The submission is not complete or has wrong answers: see the fields marked below. "
                     "Nothing was saved.") if action == "submit"
                   else _("Some answers are not valid: see the fields marked below. Nothing was saved."))
        flash(message, "error")
        return _render_form(tenant, sub, answers, errors=_page_errors(error), status=422)
    except Conflict as error:
        session.rollback()
        flash(error.detail, "error")
        return redirect(url_for(".submission", slug=slug, submission_id=submission_id))
    if action == "submit":
        flash(_("The submission was handed in to the secretariat."), "success")
        return redirect(url_for(".submission", slug=slug, submission_id=sub.id))
    flash(_("Draft saved (completeness %(value)s%%).", value=sub.completeness), "success")
    return redirect(url_for(".submission_form", slug=slug, submission_id=sub.id))


@bp.post("/tenants/<slug>/census/submissions/<int:submission_id>/autosave")
def autosave_submission(slug, submission_id):
    """The form's background save: JSON in, JSON out; a stale revision is refused (409)."""
    user = page_user()
    if not _may_file(user):
        abort(403)
    tenant = _enter_for(slug, FILERS)
    session = get_session()
    sub = services.get_submission(session, tenant.id, submission_id)
    answers = answers_from_form(services.definition_of(sub.schema), request.form)
    try:
        sub = _save(session, tenant, sub, answers, request.form.get("revision", ""), user)
    except PreconditionFailed:
        return jsonify(saved=False, stale=True, message=_(
            "Someone changed this submission since you opened it: reload the page.")), 409
    except Unprocessable as error:
        return jsonify(saved=False, errors=_page_errors(error),
                       message=_("Not saved: some answers are not valid.")), 422
    except Conflict as error:
        return jsonify(saved=False, message=error.detail), 409
    return jsonify(saved=True, revision=sub.revision, completeness=sub.completeness,
                   message=_("Draft saved automatically."))


@bp.post("/tenants/<slug>/census/submissions/new")
def new_submission(slug):
    user = page_user()
    if not _may_file(user):
        abort(403)
    tenant = _enter_for(slug, FILERS)
    session = get_session()
    key = request.form.get("schema_key", "")
    schema = session.scalars(services.schemas_query(key=key, status="approved")).all()
    if not schema:
        flash(_("Choose a survey schema that is approved."), "error")
        return redirect(url_for(".tenant_submissions", slug=slug))
    try:
        sub = services.create_submission(session, tenant.id, schema_key=key, schema_version=schema[-1].version,
                                         answers={}, actor=_actor(user))
    except (Conflict, Unprocessable) as error:
        session.rollback()
        flash(error.detail, "error")
        return redirect(url_for(".tenant_submissions", slug=slug))
    flash(_("A new draft was started."), "success")
    return redirect(url_for(".submission_form", slug=slug, submission_id=sub.id))


@bp.post("/tenants/<slug>/census/submissions/<int:submission_id>/accept")
def accept_submission_page(slug, submission_id):
    user = page_user()
    if not user.is_secretariat:
        abort(403)
    tenant = _enter_for(slug, ("secretariat",))
    session = get_session()
    try:
        services.accept_submission(session, tenant.id, submission_id, actor=_actor(user))
    except Conflict as error:
        session.rollback()
        flash(error.detail, "error")
    else:
        flash(_("The submission was accepted."), "success")
    return redirect(url_for(".submission", slug=slug, submission_id=submission_id))


@bp.post("/tenants/<slug>/census/submissions/<int:submission_id>/return")
def return_submission_page(slug, submission_id):
    user = page_user()
    if not user.is_secretariat:
        abort(403)
    tenant = _enter_for(slug, ("secretariat",))
    session = get_session()
    comments = {name.removeprefix("comment:"): value.strip() for name, value in request.form.items()
                if name.startswith("comment:") and value.strip()}
    try:
        services.return_submission(session, tenant.id, submission_id, comments=comments,
                                   note=request.form.get("note", "").strip() or None, actor=_actor(user))
    except Unprocessable as error:
        session.rollback()
        flash(_("The submission was not returned:") + " " + " ".join(
            f"{path}: {' '.join(msgs)}" for path, msgs in (error.errors or {}).items()), "error")
    except Conflict as error:
        session.rollback()
        flash(error.detail, "error")
    else:
        flash(_("The submission was returned with your comments."), "success")
    return redirect(url_for(".submission", slug=slug, submission_id=submission_id))

