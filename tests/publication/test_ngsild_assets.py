"""NGSI-LD for every asset of the cadastre: street lights as Smart Data Models Streetlight valid against the
regional standard, each inventory kind typed from one table, exported and pushed with NGSILD-Tenant."""

from __future__ import annotations

import pytest
from smartregion import tenancy

from census.inventories.kinds import KINDS
from interoperability import assets, export, inventory, ngsild
from interoperability.services import compiled_for, latest_published
from tests.interoperability.broker import BrokerStandIn

SMART_DATA_MODEL_TYPES = {
    "public-lighting": "Streetlight", "sensors": "Device", "ev-charging": "EVChargingStation",
    "transit-stops": "GtfsStop",
}


def test_every_inventory_kind_has_an_ngsi_ld_type():
    for slug in KINDS:
        mapping = assets.asset_type(slug)
        assert mapping.kind == slug and slug in assets.ASSET_TYPES, slug
    # The kinds the census is adding plug in by their slugs.
    for slug, entity_type in SMART_DATA_MODEL_TYPES.items():
        assert assets.ASSET_TYPES[slug].entity_type == entity_type
        assert assets.ASSET_TYPES[slug].data_model.endswith(f"/{entity_type}/schema.json")
    assert assets.ASSET_TYPES["urban-trees"].entity_type == "UrbanTree"
    assert assets.asset_type("bike-racks").entity_type == "BikeRacks"


def test_new_kinds_map_their_fields_to_the_models_attributes():
    charger = assets.entity({"asset_id": "EV-001", "kind": "ev-charging", "longitude": 11.25, "latitude": 43.77,
                             "operator": "Be Charge", "length_m": 0, "geometry": None,
                             "attributes": {"connectors": "2", "socket_types": "Type2; CCS", "power_kw": "22,0",
                                            "street": "Piazza della Libertà"}})
    assert charger["id"] == "urn:ngsi-ld:EVChargingStation:EV-001"
    assert charger["capacity"] == 2 and charger["socketType"] == ["Type2", "CCS"]
    assert charger["address"] == {"streetAddress": "Piazza della Libertà"}
    assert "power" not in charger  # "22,0" is not a number the census would have stored
    stop = assets.entity({"asset_id": "FI-1234", "kind": "transit-stops", "longitude": 11.24, "latitude": 43.77,
                          "operator": "Autolinee Toscane", "length_m": 0, "geometry": None,
                          "attributes": {"stop_name": "Stazione SMN", "stop_code": "1234"}})
    assert (stop["type"], stop["name"], stop["code"]) == ("GtfsStop", "Stazione SMN", "1234")
    tree = assets.normalized({"asset_id": "T-9", "kind": "urban-trees", "longitude": 11.2, "latitude": 43.7,
                              "operator": None, "length_m": 0, "geometry": None,
                              "attributes": {"species": "Tilia cordata", "height_m": 14.5, "planted_on": "1990-03-01"}})
    assert tree["height"] == {"type": "Property", "value": 14.5, "unitCode": "MTR"}
    assert tree["datePlanted"]["value"] == {"@type": "DateTime", "@value": "1990-03-01T00:00:00Z"}


def test_the_street_lights_export_validates_against_the_regional_standard(region, db):
    with tenancy.tenant_context(region.firenze.id):
        lights = list(export.iter_entities(db, entity_type="Streetlight"))
        everything = list(export.iter_entities(db, key_values=True))
        version = latest_published(db, "TOS-STREETLIGHT")
    assert len(lights) == 7
    compiled = compiled_for(version)
    for entity in lights:
        assert ngsild.detect_form(entity) == ngsild.NORMALIZED
        result = compiled.check(entity)
        # Status and power state are readings a feed reports; an inventory describes the asset itself.
        errors = [e for e in result.errors if not inventory._observation_only(e, compiled.definition)]
        assert errors == [], (entity["id"], [e.to_dict() for e in errors])
    assert {e["type"] for e in everything} == {"Streetlight", "NetworkSegment", "BroadbandCoverageUnit"}
    pipe = next(e for e in everything if e["id"] == "urn:ngsi-ld:NetworkSegment:FI-AQ-001")
    assert pipe["location"]["type"] == "LineString" and pipe["diameter"] == 110.0 and pipe["network"] == "water"

    # The same check catches a street light whose power is not a number.
    broken = {**lights[0], "powerRating": {"type": "Property", "value": "forty", "unitCode": "WTT"}}
    assert [e.attribute for e in compiled.check(broken).errors
            if not inventory._observation_only(e, compiled.definition)] == ["powerRating"]


def test_the_api_export_and_the_push_carry_every_asset_with_its_tenant(region, as_user, app, db):
    utility = as_user("firenze-utility")
    answer = utility.get("/api/v1/tenants/firenze/ngsi-ld/entities?type=Streetlight")
    assert answer.status_code == 200 and answer.headers["NGSILD-Tenant"] == "firenze"
    assert sorted(e["id"] for e in answer.json)[0] == "urn:ngsi-ld:Streetlight:FI-PL-0001"
    assert "PI-PL-0001" not in answer.get_data(as_text=True)
    assert as_user("prato-utility").get("/api/v1/tenants/firenze/ngsi-ld/entities").status_code == 404
    with BrokerStandIn() as broker, tenancy.tenant_context(region.firenze.id):
        result = export.push_to_broker(export.iter_entities(db), broker.url, tenant="firenze", batch_size=4)
    assert result["sent"] == 10 and result["refused"] == []
    assert {r["headers"]["NGSILD-Tenant"] for r in broker.requests} == {"firenze"}
    assert ("firenze", "urn:ngsi-ld:Streetlight:FI-PL-0003") in broker.entities


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_of_the_census_exports_as_a_valid_ngsi_ld_entity(kind):
    spec = KINDS[kind]
    row = {"asset_id": "A-1", "kind": kind, "category": spec.category, "operator": "Gestore",
           "longitude": 11.25, "latitude": 43.77, "length_m": 0.0, "geometry": None,
           "attributes": {f.name: f.example for f in spec.fields
                          if f.example and f.name not in ("asset_id", "latitude", "longitude", "wkt", "operator")}}
    body = assets.normalized(row)
    assert body["id"].startswith(f"urn:ngsi-ld:{body['type']}:") and body["location"]["type"] == "GeoProperty"
    assert all(ngsild.is_attribute(value) for name, value in body.items() if name not in ("id", "type"))
