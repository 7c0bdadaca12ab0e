"""The census overview and the regional analysis."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from smartregion import tenancy
from smartregion.db import get_session
from smartregion.web import page_language, page_user

from census import services
from census.surveys.codelists import ANCI_DOMAINS, SINFI_NETWORK_CATEGORIES
from census.views import bp

BAND_NAMES = {"under-100k": _l("up to € 100,000"), "100k-1m": _l("€ 100k - 1 M"), "1m-5m": _l("€ 1 - 5 M"),
              "over-5m": _l("over € 5 M")}
ASSET_NAMES = {"public_wifi_hotspots": lazy_pgettext("census asset", "Public Wi-Fi hotspots"),
               "iot_sensors": lazy_pgettext("census asset", "IoT sensors"),
               "smart_lighting_points": lazy_pgettext("census asset", "Remotely managed lighting points"),
               "ev_charging_points": lazy_pgettext("census asset", "EV charging points")}


@bp.get("/census")
def overview():
    user = page_user()
    session = get_session()
    campaign = services.latest_campaign(session)
    standings = (services.visible_standings(session, campaign, regional=user.is_regional,
                                            tenant_slugs=user.tenant_slugs) if campaign else [])
    return render_template(
        "census/overview.html", campaign=campaign, lang=page_language(), standings=standings,
        plan_due_on=services.plan_due_on(session, campaign) if campaign else None,
        schemas=session.scalars(services.schemas_query()).all(),
        can_draft=user.is_secretariat and not user.read_only)


@bp.get("/census/analysis")
def analysis():
    if not page_user().is_regional:
        abort(403)
    session = get_session()
    campaign = services.latest_campaign(session)
    figures = None
    if campaign is not None:
        with tenancy.regional_scope():
            figures = services.indicators(session, campaign)
    return render_template("census/analysis.html", campaign=campaign, figures=figures,
                           labels=_analysis_labels(page_language()), lang=page_language())


def _analysis_labels(lang: str) -> dict:
    return {"domains": {c.code: getattr(c, lang) for c in ANCI_DOMAINS.codes},
            "categories": {c.code: getattr(c, lang) for c in SINFI_NETWORK_CATEGORIES.codes},
            "bands": {code: str(name) for code, name in BAND_NAMES.items()},
            "assets": {code: str(name) for code, name in ASSET_NAMES.items()}}
