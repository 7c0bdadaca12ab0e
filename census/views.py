"""Pages of the census: campaign overview, schemas, a tenant's submissions, analysis."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import get_locale
from smartregion import auth, tenancy
from smartregion.db import get_session
from smartregion.errors import NotFound
from smartregion.web import page_user
from sqlalchemy import select

from census import services
from census.surveys.codelists import ANCI_DOMAINS, SINFI_NETWORK_CATEGORIES
from tenants.models import Tenant

bp = Blueprint("census_pages", __name__, template_folder="templates")

BAND_NAMES = {"under-100k": ("fino a 100.000 €", "up to € 100,000"), "100k-1m": ("100.000 € - 1 M€", "€ 100k - 1 M"),
              "1m-5m": ("1 - 5 M€", "€ 1 - 5 M"), "over-5m": ("oltre 5 M€", "over € 5 M")}
ASSET_NAMES = {"public_wifi_hotspots": ("Punti Wi-Fi pubblici", "Public Wi-Fi hotspots"),
               "iot_sensors": ("Sensori IoT", "IoT sensors"),
               "smart_lighting_points": ("Punti luce telegestiti", "Remotely managed lighting points"),
               "ev_charging_points": ("Punti di ricarica elettrica", "EV charging points")}


def _language() -> str:
    return "en" if str(get_locale() or "it").startswith("en") else "it"


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
        "census/overview.html", campaign=campaign, lang=_language(),
        standings=_visible_standings(session, user, campaign) if campaign else [],
        plan_due_on=services.plan_due_on(session, campaign) if campaign else None,
        schemas=session.scalars(services.schemas_query()).all())


@bp.get("/census/schemas/<key>/<int:version>")
def schema(key, version):
    page_user()
    stored = services.get_schema(get_session(), key, version)
    return render_template("census/schema.html", stored=stored, definition=services.definition_of(stored),
                           lang=_language())


def _enter(slug: str):
    try:
        return auth.enter_tenant(slug)
    except NotFound:
        abort(404)


@bp.get("/tenants/<slug>/census")
def tenant_submissions(slug):
    page_user()
    tenant = _enter(slug)
    session = get_session()
    rows = session.scalars(services.submissions_query(tenant_id=tenant.id)).all()
    return render_template("census/submissions.html", tenant=tenant, submissions=rows, lang=_language())


@bp.get("/tenants/<slug>/census/submissions/<int:submission_id>")
def submission(slug, submission_id):
    page_user()
    tenant = _enter(slug)
    session = get_session()
    sub = services.get_submission(session, tenant.id, submission_id)
    return render_template("census/submission.html", tenant=tenant, sub=sub,
                           definition=services.definition_of(sub.schema), report=services.report_of(sub),
                           history=services.submission_history(session, tenant.id, submission_id),
                           lang=_language())


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
    lang = _language()
    labels = {"domains": {c.code: getattr(c, lang) for c in ANCI_DOMAINS.codes},
              "categories": {c.code: getattr(c, lang) for c in SINFI_NETWORK_CATEGORIES.codes},
              "bands": {code: names[lang == "en"] for code, names in BAND_NAMES.items()},
              "assets": {code: names[lang == "en"] for code, names in ASSET_NAMES.items()}}
    return render_template("census/analysis.html", campaign=campaign, figures=figures, labels=labels,
                           lang=_language())
