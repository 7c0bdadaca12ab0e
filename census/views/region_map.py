"""The region's map on the secretariat's and the auditors' home: each municipality coloured by its census
state, drawn from the shipped boundaries (simplified for the browser), with a list for screen readers."""

from __future__ import annotations

from flask import current_app, jsonify
from smartregion import tenancy
from smartregion.db import get_session
from smartregion.errors import Forbidden
from smartregion.registry import Tenant
from smartregion.web import home_section, page_user
from sqlalchemy import select

from census import services
from census.inventories import territory
from census.views import bp

# The census states in the order of the legend, from the least to the most advanced.
STATES = ("late", "not-started", "in-progress", "submitted", "accepted")


def _region() -> str:
    return current_app.config.get("MAP_REGION") or "Toscana"


@bp.get("/census/region-map.geojson")
def region_map_layer():
    """The region's municipalities, simplified (about 200 KB for Tuscany), kept by the browser for a day."""
    if not page_user().is_regional:
        raise Forbidden()
    response = jsonify(territory.region_outlines(_region()))
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def census_by_municipality(session) -> list[dict]:
    """Each participating municipality's census state in the latest campaign, with its ISTAT code."""
    campaign = session.scalar(services.campaigns_query().limit(1))
    if campaign is None:
        return []
    with tenancy.regional_scope():
        standings = services.standings(session, campaign)
        tenants = {t.id: t for t in session.scalars(select(Tenant))}
    rows = []
    for standing in standings:
        tenant = tenants.get(standing.tenant_id)
        state = "late" if standing.late and str(standing.state) != "accepted" else str(standing.state)
        rows.append({"slug": standing.slug, "name": standing.name, "state": state,
                     "completeness": standing.completeness,
                     "istat_code": tenant.municipality.istat_code if tenant is not None else None})
    return sorted(rows, key=lambda row: (STATES.index(row["state"]) if row["state"] in STATES else 9, row["name"]))


def _home_region_map(user, tenant_slug):
    if not user.is_regional:
        return None
    rows = census_by_municipality(get_session())
    counts = {state: sum(1 for row in rows if row["state"] == state) for state in STATES}
    return {"template": "census/_home_region_map.html", "rows": rows, "counts": counts, "states": STATES,
            "scripts": [("leaflet", "leaflet.js"), ("census_pages.static", "region-map.js")],
            "styles": [("leaflet", "leaflet.css")]}


@bp.record_once
def _register(state) -> None:
    home_section(state.app, _home_region_map)
