"""Pages of the interoperability module: standards with their lifecycle and a validator, feeds, conformance."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import marshmallow as ma
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from smartregion import auth, tenancy
from smartregion.db import get_session
from smartregion.errors import BadRequest, DomainError, NotFound, Unprocessable
from smartregion.outbound import Policy
from smartregion.web import page_language, page_secretariat, page_user
from smartregion.web.formatting import day_text, label, label_filter
from smartregion.web.pages import on_refusal

from interoperability import brokers, conformance, payloads, services
from interoperability.api import FEED_WRITERS
from interoperability.models import FeedKind, VersionStatus
from interoperability.schemas import DataFeedCreateSchema, StandardDeprecateSchema

bp = Blueprint("interoperability_pages", __name__, template_folder="templates")

# A pasted sample is one entity or a handful; the API takes the big batches.
MAX_PASTED_CHARS = 1_000_000

FEED_KIND_LABELS = {FeedKind.SENSOR_CLASS: _l("Sensor class"), FeedKind.DATA_FEED: _l("Data feed")}
VERSION_STATUS_LABELS = {
    VersionStatus.DRAFT: _l("draft"),
    VersionStatus.PUBLISHED: _l("published"),
    VersionStatus.DEPRECATED: _l("deprecated"),
}
# What each rule checks, in words; the rule's code is shown next to it for whoever reads the API's reports.
RULE_CHECKS = {
    "required": _l("Missing attribute"),
    "code-list": _l("Value not in the code list"),
    "enum": _l("Value not allowed"),
    "unit": _l("Wrong unit"),
    "geometry": _l("Wrong geometry type"),
    "wgs84": _l("Coordinates outside WGS84"),
    "crs": _l("Coordinate system not allowed"),
    "timestamp": _l("Wrong timestamp form"),
    "format": _l("Wrong format"),
    "type": _l("Wrong value type"),
    "minimum": _l("Below the minimum"),
    "maximum": _l("Above the maximum"),
    "exclusiveMinimum": _l("Below the minimum"),
    "exclusiveMaximum": _l("Above the maximum"),
    "structure": _l("Malformed NGSI-LD attribute"),
    "entity": _l("Not an NGSI-LD entity"),
    "schema": _l("Does not match the schema"),
}
RULE_SOURCES = {
    "regional": _l("regional standard"),
    "upstream": _l("Smart Data Models"),
    "ngsi-ld": _l("NGSI-LD"),
}


@bp.app_template_filter("rule_label")
def rule_label(rule: str | None) -> str:
    """``regional.code-list`` as "Value not in the code list (regional standard)"."""
    source, _dot, check = (rule or "").partition(".")
    what = RULE_CHECKS.get(check)
    if what is None:
        return rule or ""
    where = RULE_SOURCES.get(source)
    return f"{what} ({where})" if where else str(what)


label_filter(bp, "version_status", VERSION_STATUS_LABELS)
label_filter(bp, "feed_kind", FEED_KIND_LABELS)


def _field_errors(error: DomainError | ma.ValidationError, fields: dict[str, str] | None = None) -> dict:
    """The error's field map keyed by the form's field names."""
    raw = error.messages if isinstance(error, ma.ValidationError) else (error.errors or {})
    mapped: dict[str, list[str]] = {}
    for field, messages in raw.items():
        messages = [messages] if isinstance(messages, str) else messages
        if isinstance(messages, dict):  # a nested schema's messages: flatten them
            messages = [f"{key}: {value}" for key, value in messages.items()]
        mapped.setdefault((fields or {}).get(field, field), []).extend(str(m) for m in messages)
    return mapped


def _pasted_json(text: str, field: str) -> Any:
    """A JSON document pasted in a form field, or a field error (400) that says where it breaks."""
    if not text.strip():
        raise BadRequest(_("Paste a JSON document."), errors={field: [_("Paste a JSON document.")]})
    if len(text) > MAX_PASTED_CHARS:
        message = _("At most %(count)s characters here; send larger batches through the API.",
                    count=MAX_PASTED_CHARS)
        raise BadRequest(message, errors={field: [message]})
    too_deep = _("The JSON is nested deeper than %(depth)s levels.", depth=payloads.MAX_DEPTH)
    try:
        value = json.loads(text)
    except RecursionError:
        raise BadRequest(too_deep, errors={field: [too_deep]}) from None
    except json.JSONDecodeError as exc:
        message = _("Not valid JSON (line %(line)s, column %(column)s): %(reason)s.",
                    line=exc.lineno, column=exc.colno, reason=exc.msg)
        raise BadRequest(message, errors={field: [message]}) from None
    # the API's guard against deeply nested bodies, applied to what is pasted in the page
    if payloads.depth(value, payloads.MAX_DEPTH) > payloads.MAX_DEPTH:
        raise BadRequest(too_deep, errors={field: [too_deep]})
    return value


def _split_version(choice: str) -> tuple[str, str]:
    """``"TOS-STREETLIGHT 1.0.0"`` (the value of a version menu) as code and version."""
    code, _space, version = choice.strip().rpartition(" ")
    return code, version


# --- standards -----------------------------------------------------------------------------------


@bp.get("/standards")
def standards_page():
    page_user()
    return _render_standards()


def _render_standards(*, status: int = 200, detail: str | None = None, failed: str | None = None,
                      errors: dict | None = None, report: dict | None = None):
    user = page_user()
    rows = get_session().scalars(services.standards_query()).all()
    versions = [(f"{s.code} {v.version}", f"{s.code} {v.version} ({label(v.status, 'version_status')})")
                for s in rows for v in s.versions]
    return render_template(
        "interoperability/standards.html", standards=rows, version_options=versions,
        can_manage=user.is_secretariat, can_validate=not user.read_only, status_detail=detail,
        failed=failed, errors=errors or {}, values=request.form if request.method == "POST" else {},
        report=report, today=date.today(), tomorrow=(date.today() + timedelta(days=1)).isoformat(),
    ), status


def _lifecycle_refused(failed: str):
    """The standards page again, the refused action's form ``failed`` with the reason."""
    return lambda error: _render_standards(status=error.status, detail=error.detail, failed=failed)


def _standards_secretariat():
    return page_secretariat(_("Only the regional technical secretariat publishes and deprecates standards."))


@bp.post("/standards/<code>/versions/<version>/publish")
def publish_version(code: str, version: str):
    user = _standards_secretariat()
    with on_refusal(_lifecycle_refused(f"publish:{code} {version}")):
        row = services.publish(get_session(), code, version, actor=user.username)
    flash(_("%(label)s is published: from now on it never changes.", label=row.label), "success")
    return redirect(url_for(".standards_page", _anchor=f"standard-{code}"), 303)


@bp.post("/standards/<code>/versions/<version>/deprecate")
def deprecate_version(code: str, version: str):
    user = _standards_secretariat()
    form = {"successor": request.form.get("successor", "").strip() or None}
    if sunset := request.form.get("sunset_on", "").strip():  # left empty, the schema says it is required
        form["sunset_on"] = sunset
    with on_refusal(lambda error: _not_deprecated(code, version, error), DomainError, ma.ValidationError):
        data = StandardDeprecateSchema().load(form)
        row = services.deprecate(get_session(), code, version, sunset_on=data["sunset_on"],
                                 successor=data.get("successor"), actor=user.username)
    flash(_("%(label)s is deprecated; its sunset is %(date)s.", label=row.label, date=day_text(row.sunset_on)),
          "success")
    return redirect(url_for(".standards_page", _anchor=f"standard-{code}"), 303)


def _not_deprecated(code: str, version: str, error):
    detail = _("%(label)s was not deprecated:", label=" ".join((code, version))) + " " + (
        error.detail if isinstance(error, DomainError) else _("correct the fields marked below."))
    return _render_standards(status=getattr(error, "status", 400), detail=detail,
                             failed=f"deprecate:{code} {version}", errors=_field_errors(error))


@bp.post("/standards/<code>/versions/<version>/withdraw-deprecation")
def withdraw_deprecation(code: str, version: str):
    user = _standards_secretariat()
    with on_refusal(_lifecycle_refused(f"withdraw:{code} {version}")):
        row = services.withdraw_deprecation(get_session(), code, version, actor=user.username)
    flash(_("The deprecation of %(label)s is withdrawn: it is published again.", label=row.label), "success")
    return redirect(url_for(".standards_page", _anchor=f"standard-{code}"), 303)


def _chosen_version(session, choice: str, message: str) -> tuple[str, str]:
    """The code and version chosen from a menu; one that does not exist is the menu's error (422)."""
    code, version = _split_version(choice)
    try:
        services.get_version(session, code, version)
    except NotFound as error:
        raise Unprocessable(error.detail, errors={"standard_version": [message]}) from None
    return code, version


@bp.post("/standards/validate")
def validate_sample():
    page_user()
    session = get_session()
    with on_refusal(lambda error: _render_standards(status=error.status, detail=error.detail, failed="validate",
                                                    errors=_field_errors(error))):
        code, version = _chosen_version(session, request.form.get("standard_version", ""),
                                        _("Choose a version from the list."))
        payload = _pasted_json(request.form.get("payload", ""), "payload")
        report = services.validate_payload(session, code, version, payload).to_dict()
    return _render_standards(report=report, failed="validate")


# --- feeds ---------------------------------------------------------------------------------------


def _may_register(user: auth.User, tenant) -> bool:
    """Whether the page offers the registration form (the same rule as the API's POST)."""
    from smartregion.registry import TenantStatus

    if user.read_only or not user.roles & set(FEED_WRITERS):
        return False
    return tenant.status != TenantStatus.SUSPENDED or user.is_secretariat


def _published_options(standards) -> list[tuple[str, str]]:
    return [(f"{s.code} {v.version}", f"{s.code} {v.version} · {s.title_en if page_language() == 'en' else s.title_it}")
            for s in standards for v in s.versions if v.status == VersionStatus.PUBLISHED]


@bp.get("/tenants/<slug>/feeds")
def feeds(slug: str):
    page_user()
    return _render_feeds(auth.enter_tenant(slug))


def _render_feeds(tenant, *, errors: dict | None = None, violations: list | None = None,
                  detail: str | None = None, status: int = 200):
    user = page_user()
    session = get_session()
    rows = session.scalars(services.feeds_query()).all()
    silent = {item["feed_id"] for item in conformance.silent_feeds(rows)}
    standards = session.scalars(services.standards_query()).all()
    return render_template(
        "interoperability/feeds.html", tenant=tenant, feeds=rows, silent=silent,
        can_register=_may_register(user, tenant), standard_options=_published_options(standards),
        standards=[s for s in standards if any(v.status == VersionStatus.PUBLISHED for v in s.versions)],
        kind_options=[(kind.value, label(kind, "feed_kind")) for kind in FeedKind],
        errors=errors or {}, violations=violations or [], detail=detail,
        values=request.form if request.method == "POST" else {"kind": FeedKind.DATA_FEED.value},
    ), status


FEED_FIELDS = {"standard": "standard_version", "version": "standard_version"}


def _sample_violations(errors: dict) -> list[dict[str, str]]:
    """The service's ``{"sample/<pointer>": ["<rule>: <message>"]}`` as rows of a table."""
    rows = []
    for key, messages in errors.items():
        if not key.startswith("sample/"):
            continue
        for message in messages:
            rule, separator, text = str(message).partition(": ")
            rows.append({"pointer": key.removeprefix("sample"), "rule": rule if separator else "",
                         "message": text if separator else rule})
    return rows


def _feed_data(form, code: str, version: str) -> dict:
    """The registration form read through the API's schema (400 for a malformed sample)."""
    sample = _pasted_json(form.get("sample", ""), "sample")
    return DataFeedCreateSchema().load({
        "name": form.get("name", "").strip(), "kind": form.get("kind") or FeedKind.DATA_FEED.value,
        "description": form.get("description", "").strip() or None,
        "standard": code, "version": version, "sample": sample})


def _feed_refused(tenant, label: str, error):
    """The feeds page again: the fields' messages, and the sample's problems as a table."""
    errors = _field_errors(error, FEED_FIELDS)
    violations = _sample_violations(errors)
    if violations:
        errors = {key: value for key, value in errors.items() if not key.startswith("sample/")}
        errors["sample"] = [ngettext("The sample does not conform to %(label)s: %(num)s problem, listed below.",
                                     "The sample does not conform to %(label)s: %(num)s problems, listed below.",
                                     len(violations), label=label)]
    detail = error.detail if isinstance(error, DomainError) else _("Correct the fields marked below.")
    return _render_feeds(tenant, errors=errors, violations=violations, detail=detail,
                         status=getattr(error, "status", 400))


def _register_feed(session, tenant_id: int, actor: str, data: dict):
    try:
        return services.register_feed(session, tenant_id, actor=actor, **data)
    except NotFound as error:
        raise Unprocessable(error.detail,
                            errors={"standard_version": [_("Choose a published version from the list.")]}) from None


@bp.post("/tenants/<slug>/feeds")
def register_feed(slug: str):
    user = page_user()
    tenant = auth.enter_tenant(slug, write=True, roles=FEED_WRITERS)
    code, version = _split_version(request.form.get("standard_version", ""))
    with on_refusal(lambda error: _feed_refused(tenant, " ".join((code, version)), error),
                    DomainError, ma.ValidationError):
        feed = _register_feed(get_session(), tenant.id, user.username, _feed_data(request.form, code, version))
    flash(_("Feed %(name)s registered against %(label)s.", name=feed.name, label=feed.standard_version.label),
          "success")
    return redirect(url_for(".feeds", slug=slug, _anchor=f"feed-{feed.id}"), 303)


@bp.get("/tenants/<slug>/feeds/<int:feed_id>")
def feed_detail(slug: str, feed_id: int):
    page_user()
    tenant = auth.enter_tenant(slug)
    session = get_session()
    feed = services.get_feed(session, feed_id)
    return render_template("interoperability/feed.html", tenant=tenant, feed=feed,
                           state=conformance.feed_conformance(session, feed),
                           history=conformance.feed_history(session, feed),
                           sample_text=json.dumps(feed.sample, indent=2, ensure_ascii=False))


# --- conformance ---------------------------------------------------------------------------------


@bp.get("/conformance")
def conformance_page():
    user = page_user()
    session = get_session()
    if user.is_regional:
        with tenancy.regional_scope():
            data = conformance.conformance(session)
    else:
        slug = flask_session.get("tenant") or (user.tenant_slugs[0] if user.tenant_slugs else None)
        if slug is None:
            abort(404)
        auth.enter_tenant(slug)
        data = conformance.conformance(session)
    return render_template("interoperability/conformance.html", data=data, regional=user.is_regional)


# --- context brokers -----------------------------------------------------------------------------


def _render_brokers(tenant, *, errors: dict | None = None, detail: str | None = None, status: int = 200):
    user = page_user()
    rows = get_session().scalars(brokers.brokers_query(tenant.id)).all()
    return render_template("interoperability/brokers.html", tenant=tenant, brokers=rows,
                           can_manage=user.is_secretariat and not user.read_only, errors=errors or {},
                           detail=detail, values=request.form if request.method == "POST" else {}), status


@bp.get("/tenants/<slug>/brokers")
def brokers_page(slug: str):
    page_user()
    return _render_brokers(auth.enter_tenant(slug))


@bp.post("/tenants/<slug>/brokers")
def register_broker(slug: str):
    user = page_user()
    tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
    with on_refusal(lambda error: _render_brokers(tenant, errors=_field_errors(error), detail=error.detail,
                                                  status=error.status)):
        broker = brokers.register(get_session(), tenant.id, name=request.form.get("name", ""),
                                  url=request.form.get("url", ""), policy=Policy.from_config(current_app.config),
                                  actor=user.username)
    flash(_("Context broker %(name)s registered.", name=broker.name), "success")
    return redirect(url_for(".brokers_page", slug=slug), 303)


@bp.post("/tenants/<slug>/brokers/<int:broker_id>/remove")
def remove_broker(slug: str, broker_id: int):
    user = page_user()
    tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
    brokers.remove(get_session(), tenant.id, broker_id, actor=user.username)
    flash(_("The context broker was removed."), "success")
    return redirect(url_for(".brokers_page", slug=slug), 303)


# --- home ----------------------------------------------------------------------------------------

def _home_feeds(user, tenant_slug):
    """The feeds of the person's tenant that fail conformance, on the utility's and the officer's home."""
    from smartregion import tenancy
    from smartregion.web import home_tenant_id

    if (tenant_id := home_tenant_id(user, tenant_slug, ("utility", "municipality"))) is None:
        return None
    with tenancy.tenant_context(tenant_id):
        rows = get_session().scalars(services.feeds_query()).all()
    failing = [feed for feed in rows if feed.received and feed.accepted < feed.received]
    return {"template": "interoperability/_home_feeds.html", "slug": tenant_slug, "feeds": rows, "failing": failing}


@bp.record_once
def _register_home(state) -> None:
    from smartregion.web import home_section

    home_section(state.app, _home_feeds)
