"""A region with open data: Firenze's network census accepted and its cadastre opened, Pisa's census still
under review (its assets must never leave the platform), Prato accepted but nothing opened."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from smartregion import audit, tenancy
from sqlalchemy import select

from census.inventories import cadastre
from census.inventories.models import CensusReviewStatus, InventoryAsset
from publication import services
from tenants.models import Tenant

# Public lighting points along real Florentine streets, as a utility's inventory carries them.
FIRENZE_LIGHTS = [
    ("FI-PL-0001", 43.7731, 11.2560, {"lamp_technology": "LED", "power_w": 42.5, "street": "Via dei Calzaiuoli",
                                      "installed_on": "2019-05-14", "dimmable": True, "smart_node": False}),
    ("FI-PL-0002", 43.7714, 11.2530, {"lamp_technology": "LED", "power_w": 35.0, "street": "Via Porta Rossa",
                                      "installed_on": "2020-03-02", "dimmable": True, "smart_node": True}),
    ("FI-PL-0003", 43.7687, 11.2655, {"lamp_technology": "HPS", "power_w": 100.0, "street": "Lungarno della Zecca",
                                      "installed_on": "2008-11-20"}),
    ("FI-PL-0004", 43.7765, 11.2480, {"lamp_technology": "MH", "power_w": 70.0, "street": "Via della Scala",
                                      "installed_on": "2015-06-30"}),
    ("FI-PL-0005", 43.7800, 11.2600, {"lamp_technology": "LED", "power_w": 28.0, "street": "Via Cavour",
                                      "installed_on": "2021-09-01"}),
    ("FI-PL-0006", 43.7620, 11.2500, {"lamp_technology": "LED", "power_w": 30.0, "street": "Viale Machiavelli"}),
    ("FI-PL-0007", 43.7910, 11.2430, {"lamp_technology": "CFL", "power_w": 18.0, "street": "Via Bolognese",
                                      "installed_on": "2012-02-15"}),
]
FIRENZE_PIPES = [
    ("FI-AQ-001", "water", [[11.2500, 43.7700], [11.2550, 43.7705], [11.2600, 43.7712]],
     {"network": "water", "material": "PEAD", "diameter_mm": 110.0, "status": "in-service",
      "installed_on": "2010-04-01"}),
    ("FI-GAS-001", "gas", [[11.2400, 43.7800], [11.2700, 43.7800]],
     {"network": "gas", "material": "acciaio", "diameter_mm": 150.0, "status": "in-service"}),
]
PISA_LIGHTS = [("PI-PL-0001", 43.7160, 10.3966, {"lamp_technology": "LED", "power_w": 40.0,
                                                 "street": "Lungarno Mediceo", "installed_on": "2019-01-10"})]


@dataclass
class Region:
    firenze: Tenant
    pisa: Tenant
    prato: Tenant


def _point(tenant_id, asset_id, lat, lon, attributes, kind="public-lighting", category="public-lighting"):
    return InventoryAsset(tenant_id=tenant_id, kind=kind, asset_id=asset_id, category=category,
                          operator="Servizi Esempio S.p.A.", latitude=lat, longitude=lon, length_m=0.0,
                          attributes=attributes, upload_id=1, line=2)


def _line(tenant_id, asset_id, category, coordinates, attributes):
    lon, lat = coordinates[0]
    return InventoryAsset(tenant_id=tenant_id, kind="network-segments", asset_id=asset_id, category=category,
                          operator="Reti Esempio S.p.A.", latitude=lat, longitude=lon, length_m=600.0,
                          geometry={"type": "LineString", "coordinates": coordinates}, attributes=attributes,
                          upload_id=2, line=3)


@pytest.fixture
def region(demo, db) -> Region:
    return build_region(db)


def build_region(db) -> Region:
    """Write the region's assets, census reviews and publication choices (the demo must be loaded)."""
    tenants = {t.slug: t for t in db.scalars(select(Tenant))}
    firenze, pisa, prato = tenants["firenze"], tenants["pisa"], tenants["prato"]
    with audit.acting_as("segreteria"):
        with tenancy.tenant_context(firenze.id):
            db.add_all([_point(firenze.id, a, lat, lon, attrs) for a, lat, lon, attrs in FIRENZE_LIGHTS])
            db.add_all([_line(firenze.id, a, c, coords, attrs) for a, c, coords, attrs in FIRENZE_PIPES])
            db.add(_point(firenze.id, "FI-BB-01", 43.7750, 11.2500,
                          {"technology": "FTTH", "download_mbps": 1000.0, "housing_units": 24},
                          kind="broadband-coverage", category="broadband"))
            db.flush()
            cadastre.review_network_census(db, firenze.id, status=CensusReviewStatus.ACCEPTED, note=None,
                                           actor="segreteria")
        with tenancy.tenant_context(pisa.id):
            db.add_all([_point(pisa.id, a, lat, lon, attrs) for a, lat, lon, attrs in PISA_LIGHTS])
            db.flush()
            cadastre.review_network_census(db, pisa.id, status=CensusReviewStatus.SUBMITTED, note=None,
                                           actor="segreteria")
        with tenancy.tenant_context(prato.id):
            db.add(_point(prato.id, "PO-PL-1", 43.8800, 11.0970, {"power_w": 50.0}))
            db.flush()
            cadastre.review_network_census(db, prato.id, status=CensusReviewStatus.ACCEPTED, note=None,
                                           actor="segreteria")
        services.open_tenant_dataset(db, firenze.id, "cadastre:public-lighting", actor="segreteria")
        services.open_tenant_dataset(db, firenze.id, "cadastre:network-segments", actor="segreteria")
        services.open_tenant_dataset(db, firenze.id, "broadband", actor="segreteria")
        services.open_tenant_dataset(db, firenze.id, "conformance", actor="segreteria")
        services.set_ipa_code(db, firenze.id, "c_d612", actor="segreteria")
        for key in ("standards", "broadband"):
            services.open_region_dataset(db, key, actor="segreteria")
    db.commit()
    return Region(firenze, pisa, prato)
