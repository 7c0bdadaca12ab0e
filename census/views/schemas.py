"""Survey schemas for the secretariat: reading a version, drafting as JSON with a preview, approval and
retirement, all through the schema services (the same rules as `POST/PUT /api/v1/census/schemas`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from smartregion.db import get_session
from smartregion.errors import Conflict, Unprocessable
from smartregion.web import page_language, page_secretariat, page_user
from smartregion.web.pages import on_refusal

from census import services
from census.models import SchemaStatus, SurveySchema
from census.schema_drafts import STARTER_SECTIONS, Draft, check_definition, pretty_json, type_help
from census.surveys.codelists import CODE_LISTS
from census.surveys.definition import _COMMON as COMMON_ATTRIBUTES
from census.surveys.definition import GEOMETRY_TYPES, TEXT_FORMATS
from census.views import bp

# What a draft's save may be refused for: wrong content (422) or a clash (409).
DRAFT_REFUSALS = (Unprocessable, Conflict)


@bp.get("/census/schemas/<key>/<int:version>")
def schema(key, version):
    page_user()
    return _render_schema(services.get_schema(get_session(), key, version))


def _preview_lang(default: str) -> str:
    """The language the form preview is shown in: asked for in the address, else ``default``."""
    chosen = request.args.get("preview_lang")
    return chosen if chosen in ("it", "en") else default


def _render_schema(stored, *, status: int = 200, alert: str | None = None):
    """A schema version read-only, with its form preview; the secretariat's actions by its status."""
    user = page_user()
    definition = services.definition_of(stored)
    preview_lang = _preview_lang(page_language())
    versions = get_session().scalars(services.schemas_query(key=stored.key)).all()
    return render_template("census/schema.html", stored=stored, definition=definition, lang=page_language(),
                           can_manage=user.is_secretariat and not user.read_only, alert=alert,
                           versions=versions, next_version=max(v.version for v in versions) + 1,
                           preview_lang=preview_lang, preview=preview_html(definition, preview_lang)), status


def preview_html(definition, lang: str) -> Markup:
    """The officers' form of a definition, in `lang`, with the very templates of the form page."""
    with force_locale(lang):
        return Markup(render_template("census/_schema_preview.html", definition=definition, lang=lang,
                                      heading_level=3))


def _render_draft(draft: Draft, *, parsed=None, status: int = 200, stored: SurveySchema | None = None):
    if draft.mode == "new":
        action = url_for(".create_schema_page")
    else:
        action = url_for(".save_schema_page", key=draft.key, version=draft.version)
    return render_template(
        "census/schema_edit.html", draft=draft, stored=stored, based_on=draft.based_on, action=action,
        preview=preview_html(parsed, draft.preview_lang) if parsed is not None else None,
        type_help=type_help(), common_attributes=sorted(COMMON_ATTRIBUTES), text_formats=TEXT_FORMATS,
        geometry_types=GEOMETRY_TYPES, code_lists=sorted(CODE_LISTS.values(), key=lambda c: c.key),
        existing_keys=services.schema_keys(get_session()), lang=page_language()), status


def _refused_draft(draft: Draft, error, parsed, stored: SurveySchema | None = None):
    """The draft again with the services' messages beside its fields (422) or their reason on top (409)."""
    if isinstance(error, Unprocessable):
        draft.report(error.errors)
        return _render_draft(draft, status=422, stored=stored)
    draft.alert = error.detail
    return _render_draft(draft, parsed=parsed, status=409, stored=stored)


@bp.get("/census/schemas/new")
def new_schema_page():
    """A new draft: a new key, or the next version of a key pre-filled from its latest version."""
    page_secretariat()
    key = request.args.get("key", "").strip()
    if not key:
        return _render_draft(Draft(mode="new", version=None, sections_text=pretty_json(STARTER_SECTIONS)))
    latest = services.latest_schema(get_session(), key)
    if latest is None:
        abort(404)
    draft = Draft.of_schema(latest, mode="new")
    draft.version, draft.updated_at, draft.based_on = latest.version + 1, "", latest
    draft.preview_lang = _preview_lang(draft.preview_lang)
    parsed, _errors = check_definition(draft.definition() | {"version": draft.version})
    return _render_draft(draft, parsed=parsed)


def _preview_or_errors(draft: Draft, definition: dict | None):
    """Check the draft as the services would; the rendered answer when something is wrong, else the parse."""
    if definition is None:
        return None, _render_draft(draft, status=400)
    parsed, errors = check_definition(definition | {"version": draft.version or 1})
    if errors:
        draft.report(errors)
        return None, _render_draft(draft, status=422)
    return parsed, None


@bp.post("/census/schemas/new")
def create_schema_page():
    user = page_secretariat()
    session = get_session()
    draft = Draft.of_form(request.form, mode="new")
    if draft.key and request.form.get("based_on", "") == draft.key:
        draft.based_on = services.latest_schema(session, draft.key)
    definition = draft.definition()
    draft.version = services.next_schema_version(session, draft.key)
    parsed, refused = _preview_or_errors(draft, definition)
    if refused is not None or request.form.get("action") == "preview":
        return refused or _render_draft(draft, parsed=parsed)
    with on_refusal(lambda error: _refused_draft(draft, error, parsed), *DRAFT_REFUSALS):
        stored = services.create_schema(session, definition, actor=user.username)
    flash(_("Draft saved: %(key)s version %(version)s.", key=stored.key, version=stored.version), "success")
    return redirect(url_for(".edit_schema_page", key=stored.key, version=stored.version))


@bp.get("/census/schemas/<key>/<int:version>/edit")
def edit_schema_page(key, version):
    page_secretariat()
    stored = services.get_schema(get_session(), key, version)
    if stored.status != SchemaStatus.DRAFT:
        flash(_immutable_message(stored), "info")
        return redirect(url_for(".schema", key=key, version=version))
    draft = Draft.of_schema(stored, mode="edit")
    draft.preview_lang = _preview_lang(draft.preview_lang)
    return _render_draft(draft, parsed=services.definition_of(stored), stored=stored)


def _immutable_message(stored: SurveySchema) -> str:
    if stored.status == SchemaStatus.RETIRED:
        return _("Version %(version)s of %(key)s is retired and can no longer be changed: draft a new version "
                 "to change it.", version=stored.version, key=stored.key)
    return _("Version %(version)s of %(key)s is approved and can no longer be changed: draft a new version "
             "to change it.", version=stored.version, key=stored.key)


def _kept_as_new_version(stored: SurveySchema):
    """A save of a version no longer a draft is refused; what was typed is kept, offered as the next version."""
    draft = Draft.of_form(request.form, mode="new", key=stored.key,
                          version=services.next_schema_version(get_session(), stored.key))
    draft.based_on = stored
    draft.alert = _immutable_message(stored) + " " + _(
        "Nothing was saved: your changes are kept below as a new version.")
    definition = draft.definition()
    parsed = None
    if definition is not None:
        parsed, errors = check_definition(definition | {"version": draft.version})
        draft.report(errors)
    return _render_draft(draft, parsed=parsed, status=409)


def _stale_draft(draft: Draft, parsed, stored: SurveySchema):
    draft.alert = _("Someone else changed this draft after you opened it (%(when)s): nothing was saved. Copy your "
                    "changes, reload the page and apply them again.", when=f"{stored.updated_at:%Y-%m-%d %H:%M}")
    return _render_draft(draft, parsed=parsed, stored=stored, status=409)


@bp.post("/census/schemas/<key>/<int:version>/edit")
def save_schema_page(key, version):
    user = page_secretariat()
    session = get_session()
    stored = services.get_schema(session, key, version)
    if stored.status != SchemaStatus.DRAFT:
        return _kept_as_new_version(stored)
    draft = Draft.of_form(request.form, mode="edit", key=key, version=version)
    definition = draft.definition()
    parsed, refused = _preview_or_errors(draft, definition)
    if refused is not None or request.form.get("action") == "preview":
        return refused or _render_draft(draft, parsed=parsed, stored=stored)
    if draft.updated_at != (stored.updated_at.isoformat() if stored.updated_at else ""):
        return _stale_draft(draft, parsed, stored)
    with on_refusal(lambda error: _refused_draft(draft, error, parsed, services.get_schema(session, key, version)),
                    *DRAFT_REFUSALS):
        services.update_schema(session, key, version, definition, actor=user.username)
    flash(_("Draft saved: %(key)s version %(version)s.", key=key, version=version), "success")
    return redirect(url_for(".edit_schema_page", key=key, version=version))


def _lifecycle(key: str, version: int, change, done: str):
    user = page_secretariat()
    session = get_session()
    stored = services.get_schema(session, key, version)
    seen = request.form.get("updated_at")
    if seen is not None and stored.status == SchemaStatus.DRAFT and seen != stored.updated_at.isoformat():
        return _render_schema(stored, status=409, alert=_(
            "The draft changed since you opened the page: nothing was done. Check it below and try again."))
    with on_refusal(lambda error: _render_schema(services.get_schema(session, key, version), status=409,
                                                 alert=error.detail), Conflict):
        change(session, key, version, actor=user.username)
    flash(done, "success")
    return redirect(url_for(".schema", key=key, version=version))


@bp.post("/census/schemas/<key>/<int:version>/approve")
def approve_schema_page(key, version):
    return _lifecycle(key, version, services.approve_schema, _(
        "Version %(version)s of %(key)s approved: from now on it cannot change.", version=version, key=key))


@bp.post("/census/schemas/<key>/<int:version>/retire")
def retire_schema_page(key, version):
    return _lifecycle(key, version, services.retire_schema, _(
        "Version %(version)s of %(key)s retired: submissions already started stay, new ones cannot start.",
        version=version, key=key))
