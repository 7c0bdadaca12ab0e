"""NGSI-LD export pushed to a context broker (a local stand-in speaking the batch upsert endpoint)."""

import json
import os
import subprocess
import sys

import pytest
from smartregion.outbound import Policy

from interoperability import export, ngsild
from tests.interoperability.broker import BrokerStandIn
from tests.interoperability.test_api import register_feed, streetlight

# The stand-in broker listens on 127.0.0.1: these pushes allow loopback, as a single-machine installation would.
LOCAL = Policy(allow_loopback=True)


def _entities(count):
    return [ngsild.with_context(ngsild.to_normalized(streetlight(n))) for n in range(count)]


def test_push_sends_batches_with_the_tenant_and_ld_json():
    with BrokerStandIn() as broker:
        result = export.push_to_broker(_entities(250), broker.url, tenant="firenze", batch_size=100, policy=LOCAL)
    assert (result["sent"], result["batches"], result["refused"]) == (250, 3, [])
    assert [len(json.loads(r["body"])) for r in broker.requests] == [100, 100, 50]
    assert {r["headers"]["NGSILD-Tenant"] for r in broker.requests} == {"firenze"}
    assert {r["headers"]["Content-Type"] for r in broker.requests} == {"application/ld+json"}
    assert len(broker.entities) == 250


def test_push_retries_a_busy_broker_then_succeeds():
    with BrokerStandIn(fail_first=2) as broker:
        result = export.push_to_broker(_entities(10), broker.url, tenant="pisa", batch_size=10, backoff_s=0.01,
                                        policy=LOCAL)
    assert (result["sent"], result["attempts"]) == (10, 3)
    assert len(broker.entities) == 10


def test_push_gives_up_after_the_retries():
    with BrokerStandIn(fail_first=10) as broker:
        with pytest.raises(export.BrokerError, match="failed after 3 attempts"):
            export.push_to_broker(_entities(3), broker.url, tenant="pisa", retries=2, backoff_s=0.01, policy=LOCAL)
        assert len(broker.requests) == 3


def test_entities_the_broker_refuses_are_reported():
    entities = _entities(2) + [{"id": "not-a-urn", "type": "Streetlight", "@context": []}]
    with BrokerStandIn() as broker:
        result = export.push_to_broker(entities, broker.url, tenant="pisa", policy=LOCAL)
    assert result["refused"] == [{"entityId": "not-a-urn", "error": {"title": "BadRequestData"}}]


def test_unreachable_broker_is_a_clear_error():
    with BrokerStandIn() as broker:
        url = broker.url
    with pytest.raises(export.BrokerError, match="ConnectionError"):
        export.push_to_broker(_entities(1), url, tenant="pisa", retries=1, backoff_s=0.01, policy=LOCAL)


def test_the_tenants_streetlights_are_accepted_by_the_broker_through_the_cli(demo, as_user):
    utility = as_user("firenze-utility")
    feed_id = register_feed(utility).json["id"]
    pushed = utility.post(
        f"/api/v1/tenants/firenze/feeds/{feed_id}/entities", json=[streetlight(n) for n in range(1, 6)]
    )
    assert pushed.status_code == 200
    with BrokerStandIn(fail_first=1) as broker:
        outcome = subprocess.run(
            [
                sys.executable,
                "-m",
                "smartregion.cli",
                "ngsi-ld",
                "push",
                "--tenant",
                "firenze",
                "--broker",
                broker.url,
                "--type",
                "Streetlight",
                "--batch-size",
                "2",
            ],
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert outcome.returncode == 0, outcome.stderr
        assert "Pushed 5 entities of firenze in 3 batches" in outcome.stdout
    assert sorted(key for key in broker.entities) == [("firenze", streetlight(n)["id"]) for n in range(1, 6)]
    entity = broker.entities[("firenze", streetlight(1)["id"])]
    assert entity["type"] == "Streetlight" and entity["status"] == {"type": "Property", "value": "ok"}
    assert entity["@context"]


def test_push_job_runs_on_a_real_worker(demo, as_user, rq_worker, wait_for_job):
    utility = as_user("firenze-utility")
    feed_id = register_feed(utility).json["id"]
    utility.post(f"/api/v1/tenants/firenze/feeds/{feed_id}/entities", json=[streetlight(n) for n in range(3)])
    with BrokerStandIn() as broker:
        registered = as_user("segreteria").post("/api/v1/tenants/firenze/ngsi-ld/brokers",
                                                json={"name": "Orion-LD di prova", "url": broker.url})
        assert registered.status_code == 201, registered.json
        job = utility.post("/api/v1/tenants/firenze/ngsi-ld/push",
                           json={"broker_id": registered.json["id"], "batch_size": 2})
        assert job.status_code == 202, job.json
        done = wait_for_job(job.json["id"])
    assert done["state"] == "finished", done["error"]
    assert done["result"]["sent"] == 3 and done["result"]["batches"] == 2
    assert len(broker.entities) == 3
