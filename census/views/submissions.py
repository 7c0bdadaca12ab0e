"""A tenant's submissions: the list, one submission, filling it in and the secretariat's review."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from smartregion.db import get_session
from smartregion.errors import Conflict, PreconditionFailed, Unprocessable
from smartregion.etags import entity_tag
from smartregion.web import page_language, page_user
from smartregion.web.pages import back_to, on_refusal

from census import services
from census.surveys import validate_answers
from census.views import bp
from census.views.answers_form import answers_from_form, page_errors
from census.views.common import FILERS, enter, enter_for, may_file

# What a save of the form may be refused for; anything else is an error page.
SAVE_REFUSALS = (PreconditionFailed, Unprocessable, Conflict)


@bp.get("/tenants/<slug>/census")
def tenant_submissions(slug):
    user = page_user()
    tenant = enter(slug)
    session = get_session()
    rows = session.scalars(services.submissions_query(tenant_id=tenant.id)).all()
    startable = (services.startable_schemas(session, services.current_campaign(session), rows)
                 if may_file(user) else [])
    return render_template("census/submissions_list.html", tenant=tenant, submissions=rows, startable=startable,
                           can_file=may_file(user), lang=page_language())


@bp.get("/tenants/<slug>/census/submissions/<int:submission_id>")
def submission(slug, submission_id):
    user = page_user()
    tenant = enter(slug)
    session = get_session()
    sub = services.get_submission(session, tenant.id, submission_id)
    return render_template("census/submission_detail.html", tenant=tenant, sub=sub,
                           can_edit=may_file(user) and sub.status in ("draft", "returned"),
                           can_review=user.is_secretariat and sub.status == "submitted",
                           definition=services.definition_of(sub.schema), report=services.report_of(sub),
                           history=services.submission_history(session, tenant.id, submission_id),
                           lang=page_language())


# ---------------------------------------------------------------------------------------------------
# Filling in and reviewing submissions: form pages over the census services.

def _render_form(tenant, sub, answers, *, errors=None, status=200, stale=False):
    definition = services.definition_of(sub.schema)
    report = validate_answers(definition, answers)
    if errors is None:
        errors = report.field_errors(include_missing=False)
    return render_template(
        "census/form.html", tenant=tenant, sub=sub, definition=definition, answers=answers,
        errors=errors, completeness=report.completeness, missing=len(report.missing), stale=stale,
        revision=sub.revision, lang=page_language()), status


def _filer(slug: str, *, write: bool):
    """A municipality's or utility's officer on one of their tenants (403 for anybody else)."""
    user = page_user()
    if not may_file(user):
        abort(403)
    return user, enter_for(slug, FILERS) if write else enter(slug)


def _reviewer(slug: str):
    user = page_user()
    if not user.is_secretariat:
        abort(403)
    return user, enter_for(slug, ("secretariat",))


@bp.get("/tenants/<slug>/census/submissions/<int:submission_id>/form")
def submission_form(slug, submission_id):
    _user, tenant = _filer(slug, write=False)
    sub = services.get_submission(get_session(), tenant.id, submission_id)
    if sub.status not in ("draft", "returned"):
        flash(_("This submission cannot be changed any more: it is %(status)s.", status=sub.status), "info")
        return redirect(url_for(".submission", slug=slug, submission_id=submission_id))
    return _render_form(tenant, sub, sub.answers or {})


def _save_posted(user, tenant, submission_id: int, *, submit: bool = False):
    """The posted answers saved at the revision the page was opened with, then handed in when asked: the one
    path of the form's save and of its autosave. Returns the answers read and the submission saved."""
    session = get_session()
    sub = services.get_submission(session, tenant.id, submission_id)
    answers = answers_from_form(services.definition_of(sub.schema), request.form)
    revision = entity_tag(sub.id, request.form.get("revision", ""))

    def save():
        saved = services.update_submission(session, tenant.id, sub.id, answers, if_match=revision, actor=user.username)
        if submit:
            saved = services.submit_submission(session, tenant.id, saved.id, if_match=saved.etag, actor=user.username)
        return saved

    return answers, save


@bp.post("/tenants/<slug>/census/submissions/<int:submission_id>/form")
def save_submission_form(slug, submission_id):
    user, tenant = _filer(slug, write=True)
    submit = request.form.get("action", "save") == "submit"
    answers, save = _save_posted(user, tenant, submission_id, submit=submit)
    with on_refusal(lambda error: _refused_form(tenant, submission_id, answers, error, submit), *SAVE_REFUSALS):
        sub = save()
    if submit:
        flash(_("The submission was handed in to the secretariat."), "success")
        return redirect(url_for(".submission", slug=slug, submission_id=sub.id))
    flash(_("Draft saved (completeness %(value)s%%).", value=sub.completeness), "success")
    return redirect(url_for(".submission_form", slug=slug, submission_id=sub.id))


def _refused_form(tenant, submission_id: int, answers: dict, error, submit: bool):
    """The form again with what was typed (a stale page, wrong answers), or the submission when it is closed."""
    if isinstance(error, Conflict):
        return back_to(url_for(".submission", slug=tenant.slug, submission_id=submission_id))(error)
    sub = services.get_submission(get_session(), tenant.id, submission_id)
    if isinstance(error, PreconditionFailed):
        flash(_("Someone changed this submission since you opened it: nothing was saved. Reload the page "
                "to see the current answers, then apply your changes again."), "error")
        return _render_form(tenant, sub, answers, status=409, stale=True)
    flash(_("The submission is not complete or has wrong answers: see the fields marked below. "
            "Nothing was saved.") if submit
          else _("Some answers are not valid: see the fields marked below. Nothing was saved."), "error")
    return _render_form(tenant, sub, answers, errors=page_errors(error), status=422)


@bp.post("/tenants/<slug>/census/submissions/<int:submission_id>/autosave")
def autosave_submission(slug, submission_id):
    """The form's background save: JSON in, JSON out; a stale revision is refused (409)."""
    user, tenant = _filer(slug, write=True)
    _answers, save = _save_posted(user, tenant, submission_id)
    with on_refusal(_refused_autosave, *SAVE_REFUSALS):
        sub = save()
    return jsonify(saved=True, revision=sub.revision, completeness=sub.completeness,
                   message=_("Draft saved automatically."))


def _refused_autosave(error):
    if isinstance(error, PreconditionFailed):
        return jsonify(saved=False, stale=True, message=_(
            "Someone changed this submission since you opened it: reload the page.")), 409
    if isinstance(error, Unprocessable):
        return jsonify(saved=False, errors=page_errors(error), message=_("Not saved: some answers are not valid.")), 422
    return jsonify(saved=False, message=error.detail), 409


@bp.post("/tenants/<slug>/census/submissions/new")
def new_submission(slug):
    user, tenant = _filer(slug, write=True)
    session = get_session()
    key = request.form.get("schema_key", "")
    schema = session.scalars(services.schemas_query(key=key, status="approved")).all()
    back = url_for(".tenant_submissions", slug=slug)
    if not schema:
        flash(_("Choose a survey schema that is approved."), "error")
        return redirect(back)
    with on_refusal(back_to(back), Conflict, Unprocessable):
        sub = services.create_submission(session, tenant.id, schema_key=key, schema_version=schema[-1].version,
                                         answers={}, actor=user.username)
    flash(_("A new draft was started."), "success")
    return redirect(url_for(".submission_form", slug=slug, submission_id=sub.id))


@bp.post("/tenants/<slug>/census/submissions/<int:submission_id>/accept")
def accept_submission_page(slug, submission_id):
    user, tenant = _reviewer(slug)
    back = url_for(".submission", slug=slug, submission_id=submission_id)
    with on_refusal(back_to(back), Conflict):
        services.accept_submission(get_session(), tenant.id, submission_id, actor=user.username)
    flash(_("The submission was accepted."), "success")
    return redirect(back)


@bp.post("/tenants/<slug>/census/submissions/<int:submission_id>/return")
def return_submission_page(slug, submission_id):
    user, tenant = _reviewer(slug)
    comments = {name.removeprefix("comment:"): value.strip() for name, value in request.form.items()
                if name.startswith("comment:") and value.strip()}
    back = url_for(".submission", slug=slug, submission_id=submission_id)
    with on_refusal(back_to(back, _not_returned), Unprocessable, Conflict):
        services.return_submission(get_session(), tenant.id, submission_id, comments=comments,
                                   note=request.form.get("note", "").strip() or None, actor=user.username)
    flash(_("The submission was returned with your comments."), "success")
    return redirect(back)


def _not_returned(error) -> str:
    if not isinstance(error, Unprocessable):
        return error.detail
    return _("The submission was not returned:") + " " + " ".join(
        f"{path}: {' '.join(msgs)}" for path, msgs in (error.errors or {}).items())
