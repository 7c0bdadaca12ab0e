"""Survey schemas for the secretariat: reading a version, drafting as JSON with a preview, approval and retirement."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from markupsafe import Markup
from smartregion.db import get_session
from smartregion.errors import Conflict, Unprocessable
from smartregion.web import page_language, page_secretariat, page_user
from sqlalchemy import func, select

from census import services
from census.models import SchemaStatus, SurveySchema
from census.schema_drafts import STARTER_SECTIONS, Draft, check_definition, pretty_json, type_help
from census.surveys.codelists import CODE_LISTS
from census.surveys.definition import _COMMON as COMMON_ATTRIBUTES
from census.surveys.definition import GEOMETRY_TYPES, TEXT_FORMATS
from census.views import bp
from census.views.common import _actor, _tr


@bp.get("/census/schemas/<key>/<int:version>")
def schema(key, version):
    page_user()
    return _render_schema(services.get_schema(get_session(), key, version))


def _render_schema(stored, *, status: int = 200, alert: str | None = None):
    """A schema version read-only, with its form preview; the secretariat's actions by its status."""
    user = page_user()
    session = get_session()
    definition = services.definition_of(stored)
    preview_lang = request.args.get("preview_lang")
    if preview_lang not in ("it", "en"):
        preview_lang = page_language()
    versions = session.scalars(services.schemas_query(key=stored.key)).all()
    return render_template("census/schema.html", stored=stored, definition=definition, lang=page_language(),
                           can_manage=user.is_secretariat and not user.read_only, alert=alert,
                           versions=versions, next_version=max(v.version for v in versions) + 1,
                           preview_lang=preview_lang, preview=preview_html(definition, preview_lang)), status


# ---------------------------------------------------------------------------------------------------
# Survey schemas for the secretariat: drafting as JSON, a preview of the officers' form, approval and
# retirement, all through the schema services (the same rules as `POST/PUT /api/v1/census/schemas`).


def _next_version(session, key: str) -> int:
    latest = session.scalar(select(func.max(SurveySchema.version)).where(SurveySchema.key == key)) if key else None
    return (latest or 0) + 1


def preview_html(definition, lang: str) -> Markup:
    """The officers' form of a definition, in `lang`, with the very templates of the form page."""
    with force_locale(lang):
        return Markup(render_template("census/_schema_preview.html", definition=definition, lang=lang,
                                      heading_level=3))


def _render_draft(draft: Draft, *, parsed=None, status: int = 200, stored: SurveySchema | None = None):
    session = get_session()
    if draft.mode == "new":
        action = url_for(".create_schema_page")
    else:
        action = url_for(".save_schema_page", key=draft.key, version=draft.version)
    return render_template(
        "census/schema_edit.html", draft=draft, stored=stored, based_on=draft.based_on, action=action,
        preview=preview_html(parsed, draft.preview_lang) if parsed is not None else None,
        type_help=type_help(), common_attributes=sorted(COMMON_ATTRIBUTES), text_formats=TEXT_FORMATS,
        geometry_types=GEOMETRY_TYPES, code_lists=sorted(CODE_LISTS.values(), key=lambda c: c.key),
        existing_keys=sorted(set(session.scalars(select(SurveySchema.key)))), lang=page_language()), status


@bp.get("/census/schemas/new")
def new_schema_page():
    """A new draft: a new key, or the next version of a key pre-filled from its latest version."""
    page_secretariat()
    session = get_session()
    key = request.args.get("key", "").strip()
    if not key:
        draft = Draft(mode="new", version=None, sections_text=pretty_json(STARTER_SECTIONS))
        return _render_draft(draft)
    latest = session.scalar(select(SurveySchema).where(SurveySchema.key == key)
                            .order_by(SurveySchema.version.desc()).limit(1))
    if latest is None:
        abort(404)
    draft = Draft.of_schema(latest, mode="new")
    draft.version, draft.updated_at, draft.based_on = latest.version + 1, "", latest
    if request.args.get("preview_lang") in ("it", "en"):
        draft.preview_lang = request.args["preview_lang"]
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
    based_on_key = request.form.get("based_on", "")
    if based_on_key and based_on_key == draft.key:
        draft.based_on = session.scalar(select(SurveySchema).where(SurveySchema.key == based_on_key)
                                        .order_by(SurveySchema.version.desc()).limit(1))
    definition = draft.definition()
    draft.version = _next_version(session, draft.key)
    parsed, refused = _preview_or_errors(draft, definition)
    if refused is not None:
        return refused
    if request.form.get("action") == "preview":
        return _render_draft(draft, parsed=parsed)
    try:
        stored = services.create_schema(session, definition, actor=_actor(user))
    except Unprocessable as error:
        session.rollback()
        draft.report(error.errors)
        return _render_draft(draft, status=422)
    except Conflict as error:
        session.rollback()
        draft.alert = error.detail
        return _render_draft(draft, parsed=parsed, status=409)
    flash(_tr(f"Bozza salvata: {stored.key} versione {stored.version}.",
              f"Draft saved: {stored.key} version {stored.version}."), "success")
    return redirect(url_for(".edit_schema_page", key=stored.key, version=stored.version))


@bp.get("/census/schemas/<key>/<int:version>/edit")
def edit_schema_page(key, version):
    page_secretariat()
    stored = services.get_schema(get_session(), key, version)
    if stored.status != SchemaStatus.DRAFT:
        flash(_immutable_message(stored), "info")
        return redirect(url_for(".schema", key=key, version=version))
    draft = Draft.of_schema(stored, mode="edit")
    if request.args.get("preview_lang") in ("it", "en"):
        draft.preview_lang = request.args["preview_lang"]
    return _render_draft(draft, parsed=services.definition_of(stored), stored=stored)


def _immutable_message(stored: SurveySchema) -> str:
    status = _tr({"approved": "approvata", "retired": "ritirata"}.get(stored.status, stored.status), stored.status)
    return _tr(f"La versione {stored.version} di {stored.key} è {status} e non si può più modificare: "
               "per cambiarla prepara una nuova versione.",
               f"Version {stored.version} of {stored.key} is {status} and can no longer be changed: "
               "draft a new version to change it.")


@bp.post("/census/schemas/<key>/<int:version>/edit")
def save_schema_page(key, version):
    user = page_secretariat()
    session = get_session()
    stored = services.get_schema(session, key, version)
    if stored.status != SchemaStatus.DRAFT:
        # Refused; what was typed is kept, offered as the key's next version.
        draft = Draft.of_form(request.form, mode="new", key=key, version=_next_version(session, key))
        draft.based_on = stored
        draft.alert = _immutable_message(stored) + " " + _tr(
            "Non è stato salvato nulla: le tue modifiche sono qui sotto come nuova versione.",
            "Nothing was saved: your changes are kept below as a new version.")
        definition = draft.definition()
        parsed = None
        if definition is not None:
            parsed, errors = check_definition(definition | {"version": draft.version})
            draft.report(errors)
        return _render_draft(draft, parsed=parsed, status=409)
    draft = Draft.of_form(request.form, mode="edit", key=key, version=version)
    definition = draft.definition()
    parsed, refused = _preview_or_errors(draft, definition)
    if refused is not None:
        return refused
    if request.form.get("action") == "preview":
        return _render_draft(draft, parsed=parsed, stored=stored)
    current = stored.updated_at.isoformat() if stored.updated_at else ""
    if draft.updated_at != current:
        draft.alert = _tr(
            f"Qualcun altro ha modificato questa bozza dopo che l'hai aperta ({stored.updated_at:%Y-%m-%d %H:%M}): "
            "non è stato salvato nulla. Copia le tue modifiche, ricarica la pagina e applicale di nuovo.",
            f"Someone else changed this draft after you opened it ({stored.updated_at:%Y-%m-%d %H:%M}): "
            "nothing was saved. Copy your changes, reload the page and apply them again.")
        return _render_draft(draft, parsed=parsed, stored=stored, status=409)
    try:
        stored = services.update_schema(session, key, version, definition, actor=_actor(user))
    except Unprocessable as error:
        session.rollback()
        draft.report(error.errors)
        return _render_draft(draft, status=422, stored=services.get_schema(session, key, version))
    except Conflict as error:
        session.rollback()
        draft.alert = error.detail
        return _render_draft(draft, parsed=parsed, status=409, stored=services.get_schema(session, key, version))
    flash(_tr(f"Bozza salvata: {key} versione {version}.", f"Draft saved: {key} version {version}."), "success")
    return redirect(url_for(".edit_schema_page", key=key, version=version))


def _lifecycle(key: str, version: int, change, done_it: str, done_en: str):
    user = page_secretariat()
    session = get_session()
    stored = services.get_schema(session, key, version)
    seen = request.form.get("updated_at")
    if seen is not None and stored.status == SchemaStatus.DRAFT and seen != stored.updated_at.isoformat():
        return _render_schema(stored, status=409, alert=_tr(
            "La bozza è cambiata da quando hai aperto la pagina: non è stato fatto nulla. Controllala qui sotto "
            "e riprova.",
            "The draft changed since you opened the page: nothing was done. Check it below and try again."))
    try:
        change(session, key, version, actor=_actor(user))
    except Conflict as error:
        session.rollback()
        return _render_schema(services.get_schema(session, key, version), status=409, alert=error.detail)
    flash(_tr(done_it, done_en), "success")
    return redirect(url_for(".schema", key=key, version=version))


@bp.post("/census/schemas/<key>/<int:version>/approve")
def approve_schema_page(key, version):
    return _lifecycle(key, version, services.approve_schema,
                      f"Versione {version} di {key} approvata: da ora non si può più modificare.",
                      f"Version {version} of {key} approved: from now on it cannot change.")


@bp.post("/census/schemas/<key>/<int:version>/retire")
def retire_schema_page(key, version):
    return _lifecycle(key, version, services.retire_schema,
                      f"Versione {version} di {key} ritirata: le schede già avviate restano, non se ne avviano "
                      "di nuove.",
                      f"Version {version} of {key} retired: submissions already started stay, new ones cannot "
                      "start.")

