"""Pages of the census: campaign overview, schemas, a tenant's submissions, analysis."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from smartregion import auth, tenancy
from smartregion.db import get_session
from smartregion.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable
from smartregion.web import page_language, page_secretariat, page_user
from sqlalchemy import func, select

from census import services
from census.models import SchemaStatus, SurveySchema
from census.schema_drafts import STARTER_SECTIONS, Draft, check_definition, pretty_json, type_help
from census.surveys import validate_answers
from census.surveys.codelists import ANCI_DOMAINS, CODE_LISTS, SINFI_NETWORK_CATEGORIES
from census.surveys.definition import _COMMON as COMMON_ATTRIBUTES
from census.surveys.definition import GEOMETRY_TYPES, TEXT_FORMATS, Field, FieldType
from census.surveys.shipped import SHIPPED_KEYS
from protocol.models import Protocol
from tenants.models import Tenant

bp = Blueprint("census_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/census")

BAND_NAMES = {"under-100k": ("fino a 100.000 €", "up to € 100,000"), "100k-1m": ("100.000 € - 1 M€", "€ 100k - 1 M"),
              "1m-5m": ("1 - 5 M€", "€ 1 - 5 M"), "over-5m": ("oltre 5 M€", "over € 5 M")}
ASSET_NAMES = {"public_wifi_hotspots": ("Punti Wi-Fi pubblici", "Public Wi-Fi hotspots"),
               "iot_sensors": ("Sensori IoT", "IoT sensors"),
               "smart_lighting_points": ("Punti luce telegestiti", "Remotely managed lighting points"),
               "ev_charging_points": ("Punti di ricarica elettrica", "EV charging points")}



def _latest_campaign(session):
    return session.scalar(services.campaigns_query().limit(1))


def _visible_standings(session, user, campaign):
    if user.is_regional:
        with tenancy.regional_scope():
            return services.standings(session, campaign)
    rows = []
    for tenant in session.scalars(select(Tenant).where(Tenant.slug.in_(sorted(user.tenant_slugs)))):
        with tenancy.tenant_context(tenant.id):
            rows += services.standings(session, campaign, tenant_ids=[tenant.id])
    return rows


@bp.get("/census")
def overview():
    user = page_user()
    session = get_session()
    campaign = _latest_campaign(session)
    return render_template(
        "census/overview.html", campaign=campaign, lang=page_language(),
        standings=_visible_standings(session, user, campaign) if campaign else [],
        plan_due_on=services.plan_due_on(session, campaign) if campaign else None,
        schemas=session.scalars(services.schemas_query()).all(),
        can_draft=user.is_secretariat and not user.read_only)


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


def _enter(slug: str):
    try:
        return auth.enter_tenant(slug)
    except NotFound:
        abort(404)


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


@bp.get("/census/analysis")
def analysis():
    user = page_user()
    if not user.is_regional:
        abort(403)
    session = get_session()
    campaign = _latest_campaign(session)
    figures = None
    if campaign is not None:
        with tenancy.regional_scope():
            figures = services.indicators(session, campaign)
    lang = page_language()
    labels = {"domains": {c.code: getattr(c, lang) for c in ANCI_DOMAINS.codes},
              "categories": {c.code: getattr(c, lang) for c in SINFI_NETWORK_CATEGORIES.codes},
              "bands": {code: names[lang == "en"] for code, names in BAND_NAMES.items()},
              "assets": {code: names[lang == "en"] for code, names in ASSET_NAMES.items()}}
    return render_template("census/analysis.html", campaign=campaign, figures=figures, labels=labels,
                           lang=page_language())


# ---------------------------------------------------------------------------------------------------
# Filling in and reviewing submissions: form pages over the census services.

FILERS = ("municipality", "utility")
_INDEX = re.compile(r"^/([a-z][a-z0-9_]*)/(\d+)/([a-z][a-z0-9_]*)$")


def _actor(user) -> str:
    return user.username


def _may_file(user) -> bool:
    return bool(user.roles & set(FILERS)) and not user.read_only


def _enter_for(slug: str, roles: tuple[str, ...]):
    try:
        return auth.enter_tenant(slug, write=True, roles=roles)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


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


# ---------------------------------------------------------------------------------------------------
# Survey schemas for the secretariat: drafting as JSON, a preview of the officers' form, approval and
# retirement, all through the schema services (the same rules as `POST/PUT /api/v1/census/schemas`).

def _tr(it: str, en: str) -> str:
    """A message of these pages in the page's language (the census pages carry their own wording)."""
    return en if page_language() == "en" else it



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


# ---------------------------------------------------------------------------------------------------
# Campaigns: the secretariat opens the census of a protocol with the survey schemas it collects, and
# closes it (which starts the operational plan's window). Auditors read the page.

def _approved_versions(session) -> dict[str, int]:
    """Each key's latest approved version: the one a municipality's new submission is pinned to."""
    out: dict[str, int] = {}
    for stored in session.scalars(services.schemas_query(status="approved")):
        out[stored.key] = max(out.get(stored.key, 0), stored.version)
    return out


def _render_campaigns(*, status: int = 200, form: dict | None = None, errors: dict | None = None,
                      close_errors: dict | None = None):
    user = page_user()
    session = get_session()
    campaigns = session.scalars(services.campaigns_query()).all()
    taken = {c.protocol_id for c in campaigns}
    protocols = session.scalars(select(Protocol).order_by(Protocol.signed_on.desc(), Protocol.id.desc())).all()
    approved = _approved_versions(session)
    openable = [{"protocol": p, "due_on": services.add_months(p.signed_on, p.census_months)}
                for p in protocols if p.id not in taken]
    default_keys = [key for key in SHIPPED_KEYS if key in approved] or sorted(approved)
    return render_template(
        "census/campaigns.html", campaigns=campaigns, openable=openable, approved=approved,
        protocols={p.id: p for p in protocols}, can_manage=user.is_secretariat and not user.read_only,
        plan_due={c.id: services.plan_due_on(session, c) for c in campaigns},
        form=form or {"protocol_id": str(openable[0]["protocol"].id) if openable else "", "title": "",
                      "schema_keys": default_keys},
        errors=errors or {}, close_errors=close_errors or {}, lang=page_language()), status


@bp.get("/census/campaigns")
def campaigns_page():
    if not page_user().is_regional:
        abort(403)
    return _render_campaigns()


@bp.post("/census/campaigns")
def open_campaign_page():
    user = page_secretariat()
    session = get_session()
    form = {"protocol_id": request.form.get("protocol_id", "").strip(), "title": request.form.get("title", "").strip(),
            "schema_keys": [k for k in request.form.getlist("schema_keys") if k]}
    errors: dict[str, list[str]] = {}
    if not form["protocol_id"].isdigit():
        errors["protocol_id"] = [_tr("Scegli il protocollo.", "Choose the protocol.")]
    if not form["schema_keys"]:
        errors["schema_keys"] = [_tr("Scegli almeno uno schema di rilevazione.", "Choose at least one survey schema.")]
    approved = _approved_versions(session)
    unapproved = [key for key in form["schema_keys"] if key not in approved]
    if unapproved:
        errors.setdefault("schema_keys", []).extend(
            _tr(f"{key}: nessuna versione approvata, i comuni non potrebbero compilarlo.",
                f"{key}: no approved version, municipalities could not fill it in.") for key in unapproved)
    if len(form["title"]) > 300:
        errors["title"] = [_tr("Al massimo 300 caratteri.", "At most 300 characters.")]
    if errors:
        return _render_campaigns(status=422, form=form, errors=errors)
    try:
        campaign = services.create_campaign(session, int(form["protocol_id"]), title=form["title"] or None,
                                            schema_keys=form["schema_keys"], actor=_actor(user))
    except Unprocessable as error:
        session.rollback()
        return _render_campaigns(status=422, form=form, errors=error.errors)
    except Conflict as error:
        session.rollback()
        return _render_campaigns(status=409, form=form, errors={"protocol_id": [error.detail]})
    flash(_tr(f"Campagna aperta: scadenza {campaign.due_on}.", f"Campaign opened: due on {campaign.due_on}."),
          "success")
    return redirect(url_for(".campaigns_page") + f"#campaign-{campaign.id}")


@bp.post("/census/campaigns/<int:campaign_id>/close")
def close_campaign_page(campaign_id):
    user = page_secretariat()
    session = get_session()
    raw = request.form.get("closed_on", "").strip()
    try:
        closed_on = date.fromisoformat(raw) if raw else None
    except ValueError:
        return _render_campaigns(status=422, close_errors={campaign_id: [
            _tr("Data non valida (AAAA-MM-GG).", "Not a valid date (YYYY-MM-DD).")]})
    try:
        campaign = services.close_campaign(session, campaign_id, closed_on=closed_on, actor=_actor(user))
    except Unprocessable as error:
        session.rollback()
        return _render_campaigns(status=422, close_errors={
            campaign_id: [m for messages in error.errors.values() for m in messages] or [error.detail]})
    except Conflict as error:
        session.rollback()
        return _render_campaigns(status=409, close_errors={campaign_id: [error.detail]})
    flash(_tr(f"Campagna chiusa il {campaign.closed_on}: si apre la finestra del piano operativo.",
              f"Campaign closed on {campaign.closed_on}: the operational plan's window opens."), "success")
    return redirect(url_for(".campaigns_page") + f"#campaign-{campaign.id}")
