"""Conformance counters, silent feeds and inventory checks, on the real database."""

from datetime import UTC, datetime, timedelta

import pytest
from smartregion import tenancy
from smartregion.errors import Conflict, NotFound, Unprocessable
from sqlalchemy import select

from interoperability import conformance, export, inventory, services
from interoperability.models import InventoryCheck
from interoperability.seed import publish_shipped
from tenants.models import Tenant
from tests.interoperability.test_api import streetlight


@pytest.fixture
def firenze(demo, db):
    tenant = db.scalar(select(Tenant).where(Tenant.slug == "firenze"))
    return tenant


def _feed(db, tenant, name="Lampioni", code="TOS-STREETLIGHT", sample=None):
    with tenancy.tenant_context(tenant.id):
        feed = services.register_feed(
            db,
            tenant.id,
            name=name,
            standard=code,
            version="1.0.0",
            sample=sample or streetlight(1),
            actor="test",
        )
        db.commit()
        return feed


def test_seed_is_idempotent(demo, db):
    again = publish_shipped(db)
    assert len(again) == 7 and {v.status for v in again} == {"published"}


def test_a_feed_that_stops_reporting_becomes_silent_after_its_standards_interval(firenze, db):
    feed = _feed(db, firenze)
    with tenancy.tenant_context(firenze.id):
        services.push_entities(db, firenze.id, feed.id, [streetlight(2)], actor="test")
        db.commit()
        observed = services.get_feed(db, feed.id).last_observed_at
    assert observed == datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    within = conformance.conformance(db, now=observed + timedelta(hours=23))
    assert within["silent_feeds"] == []
    late = conformance.conformance(db, now=observed + timedelta(days=1, minutes=1))
    (silent,) = late["silent_feeds"]
    assert (silent["tenant"], silent["name"], silent["max_interval"]) == ("firenze", "Lampioni", "P1D")


def test_the_same_entity_pushed_twice_is_stored_once_with_its_latest_state(firenze, db):
    feed = _feed(db, firenze)
    with tenancy.tenant_context(firenze.id):
        services.push_entities(db, firenze.id, feed.id, [streetlight(7)], actor="test")
        services.push_entities(db, firenze.id, feed.id, [streetlight(7, status="defectiveLamp")], actor="test")
        db.commit()
        (entity,) = list(export.iter_entities(db, key_values=True))
    assert entity["status"] == "defectiveLamp"
    assert services.get_feed(db, feed.id).accepted == 2


def test_pushing_to_a_version_past_its_sunset_is_refused(firenze, db):
    feed = _feed(db, firenze)
    services.create_version(
        db,
        "TOS-STREETLIGHT",
        {**services.get_version(db, "TOS-STREETLIGHT", "1.0.0").definition, "version": "2.0.0"},
        actor="test",
    )
    services.publish(db, "TOS-STREETLIGHT", "2.0.0", actor="test")
    # Deprecated last year with a sunset at the end of it: the sunset was in the future when it was set.
    year = datetime.now(UTC).year - 1
    services.deprecate(db, "TOS-STREETLIGHT", "1.0.0", sunset_on=datetime(year, 12, 31).date(), successor="2.0.0",
                       actor="test", today=datetime(year, 1, 10).date())
    db.commit()
    with tenancy.tenant_context(firenze.id), pytest.raises(Conflict, match="TOS-STREETLIGHT 2.0.0"):
        services.push_entities(db, firenze.id, feed.id, [streetlight(2)], actor="test")
    with pytest.raises(Conflict, match="can no longer be withdrawn"):
        services.withdraw_deprecation(db, "TOS-STREETLIGHT", "1.0.0", actor="test")


def test_a_sunset_must_be_in_the_future_and_a_deprecation_can_be_withdrawn_before_it(firenze, db):
    feed = _feed(db, firenze)
    today = datetime.now(UTC).date()
    for past in (today, today - timedelta(days=1), datetime(2020, 1, 1).date()):
        with pytest.raises(Unprocessable, match="future day") as refused:
            services.deprecate(db, "TOS-STREETLIGHT", "1.0.0", sunset_on=past, successor=None, actor="test")
        assert "sunset_on" in refused.value.errors
    row = services.deprecate(db, "TOS-STREETLIGHT", "1.0.0", sunset_on=today + timedelta(days=30), successor=None,
                             actor="test")
    assert row.status == "deprecated"
    with tenancy.tenant_context(firenze.id):
        services.push_entities(db, firenze.id, feed.id, [streetlight(2)], actor="test")  # still accepted
    row = services.withdraw_deprecation(db, "TOS-STREETLIGHT", "1.0.0", actor="test")
    assert (row.status, row.sunset_on, row.deprecated_at) == ("published", None, None)
    with pytest.raises(Conflict, match="nothing to withdraw"):
        services.withdraw_deprecation(db, "TOS-STREETLIGHT", "1.0.0", actor="test")


def test_lifecycle_rules(demo, db):
    with pytest.raises(Conflict):
        services.publish(db, "TOS-WEATHER", "1.0.0", actor="test")
    with pytest.raises(Unprocessable):
        services.deprecate(
            db, "TOS-WEATHER", "1.0.0", sunset_on=datetime(2030, 1, 1).date(), successor="1.0.0", actor="test"
        )
    with pytest.raises(NotFound):
        services.get_version(db, "TOS-WEATHER", "2.0.0")


def test_inventory_rows_are_checked_against_the_standard_of_their_kind(firenze, db):
    rows = [
        {"asset_id": "PL-1", "latitude": 43.77, "longitude": 11.25, "power_w": 42.5, "street": "Via Roma"},
        {"asset_id": "PL-2", "latitude": 191.0, "longitude": 11.25},
        {"asset_id": "PL-3"},
    ]
    sensors = [
        {"asset_id": "S-1", "sensor_type": "noise", "latitude": 43.7, "longitude": 11.2},
        {"asset_id": "S-2", "sensor_type": "air-quality", "latitude": 43.7, "longitude": 11.2},
    ]
    with tenancy.tenant_context(firenze.id):
        lighting = inventory.check_rows(db, firenze.id, "public-lighting", rows)
        sensed = inventory.check_rows(db, firenze.id, "sensors", sensors)
        db.commit()
        verdicts = {row.asset_id: row for row in db.scalars(select(InventoryCheck))}
    assert lighting == {"checked": 3, "conforming": 1, "skipped": 0}
    assert sensed == {"checked": 1, "conforming": 1, "skipped": 1}
    assert sorted(a for a, row in verdicts.items() if row.valid) == ["PL-1", "S-2"]
    lamp = verdicts["PL-1"].entity
    assert lamp["location"] == {"type": "Point", "coordinates": [11.25, 43.77]}
    assert lamp["powerRating"] == 42.5


def test_an_entity_sent_twice_in_one_batch_keeps_its_last_state(firenze, db):
    feed = _feed(db, firenze)
    with tenancy.tenant_context(firenze.id):
        _report, stored = services.push_entities(
            db, firenze.id, feed.id, [streetlight(8), streetlight(8, powerState="off")], actor="test"
        )
        db.commit()
        (entity,) = list(export.iter_entities(db, key_values=True))
    assert stored == 2 and entity["powerState"] == "off"


def test_a_draft_can_add_constraints_that_reference_the_registry(demo, db):
    common = "https://smart-data-models.github.io/data-models/common-schema.json"
    definition = {
        **services.get_version(db, "TOS-STREETLIGHT", "1.0.0").definition,
        "version": "1.2.0",
        "extra_schema": {
            "required": ["owner"],
            "properties": {
                "owner": {"type": "array", "items": {"$ref": common + "#/definitions/EntityIdentifierType"}}
            },
        },
    }
    services.create_version(db, "TOS-STREETLIGHT", definition, actor="test")
    report = services.validate_payload(
        db,
        "TOS-STREETLIGHT",
        "1.2.0",
        [streetlight(1), {**streetlight(2), "owner": ["urn:ngsi-ld:Organization:firenze"]}],
    )
    assert [r.valid for r in report.results] == [False, True]
    assert (report.results[0].errors[0].pointer, report.results[0].errors[0].rule) == ("/owner", "regional.required")
