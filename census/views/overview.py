"""The census overview and the regional analysis."""

from __future__ import annotations

from flask import abort, render_template
from smartregion import tenancy
from smartregion.db import get_session
from smartregion.web import page_language, page_user
from sqlalchemy import select

from census import services
from census.surveys.codelists import ANCI_DOMAINS, SINFI_NETWORK_CATEGORIES
from census.views import bp
from tenants.models import Tenant

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

