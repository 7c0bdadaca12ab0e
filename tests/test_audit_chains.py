"""Audit chains per tenant: tenants never wait for each other, each reads only its own events, and the
region's chain anchors their heads so that even a chain rewritten from end to end is caught."""

import threading

import psycopg
import pytest
from click.testing import CliRunner
from smartregion import audit, tenancy
from smartregion.audit import AuditEvent, AuditHead
from smartregion.db import db as database
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tenants.models import Tenant


def _owner(owner_url):
    return psycopg.connect(make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True)


def _tenant_ids(db) -> dict[str, int]:
    return dict(db.execute(select(Tenant.slug, Tenant.id)).all())


def _record_in(app, tenant_id: int, action: str):
    """A session of the tenant, with an event recorded and the transaction left open."""
    session = database.new_session()
    with tenancy.tenant_context(tenant_id):
        audit.record(session, action=action, entity_type="test", tenant_id=tenant_id, actor="tester")
    return session


def test_writers_of_different_tenants_do_not_wait_for_each_other(app, demo, db):
    ids = _tenant_ids(db)
    with app.app_context():
        holder = _record_in(app, ids["firenze"], "test.firenze")  # holds Firenze's chain until it ends
        try:
            other = database.new_session()
            with tenancy.tenant_context(ids["prato"]):
                other.execute(text("SET LOCAL lock_timeout = '2s'"))
                audit.record(other, action="test.prato", entity_type="test", tenant_id=ids["prato"], actor="t")
                other.commit()
            other.close()

            same = database.new_session()
            with tenancy.tenant_context(ids["firenze"]), pytest.raises(OperationalError, match="lock timeout"):
                same.execute(text("SET LOCAL lock_timeout = '300ms'"))
                audit.record(same, action="test.firenze.2", entity_type="test", tenant_id=ids["firenze"], actor="t")
            same.rollback()
            same.close()
        finally:
            holder.commit()
            holder.close()
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("test.%"))
                      .order_by(AuditEvent.id)).all() == ["test.firenze", "test.prato"]


def test_concurrent_writers_of_twenty_tenants_keep_every_chain_intact(app, demo, db):
    ids = sorted(_tenant_ids(db).values())
    errors = []

    def write(tenant_id: int) -> None:
        try:
            with app.app_context():
                for n in range(5):
                    with database.new_session() as session, tenancy.tenant_context(tenant_id):
                        audit.record(session, action=f"test.write.{n}", entity_type="test", tenant_id=tenant_id,
                                     actor="load")
                        session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(ids[i % len(ids)],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = audit.verify(db)
    assert result.ok, result
    seqs = db.execute(select(AuditEvent.tenant_id, AuditEvent.seq).where(AuditEvent.action.like("test.write.%"))
                      .order_by(AuditEvent.tenant_id, AuditEvent.seq)).all()
    assert len(seqs) == 100
    for tenant_id in ids:
        mine = [seq for t, seq in seqs if t == tenant_id]
        assert mine == sorted(set(mine))  # no position taken twice


def test_a_tenant_reads_and_extends_only_its_own_chain(app, demo, db):
    ids = _tenant_ids(db)
    with app.app_context(), database.new_session() as session, tenancy.tenant_context(ids["pisa"]):
        seen = set(session.scalars(select(AuditEvent.tenant_id).distinct()))
        assert seen == {ids["pisa"]}
        assert set(session.scalars(select(AuditHead.tenant_id))) == {ids["pisa"]}
        with pytest.raises(Exception, match="row-level security"):
            audit.record(session, action="test.forged", entity_type="test", tenant_id=ids["siena"], actor="x")
        session.rollback()
    regional = set(db.scalars(select(AuditEvent.tenant_id).distinct()))
    assert {0, ids["pisa"], ids["siena"]} <= regional


def test_an_event_without_tenant_goes_to_the_regions_chain_and_in_a_tenant_scope_to_that_tenant(app, demo, db):
    ids = _tenant_ids(db)
    event_id = audit.record(db, action="test.regional", entity_type="test", actor="segreteria")
    with app.app_context(), database.new_session() as session, tenancy.tenant_context(ids["prato"]):
        own = audit.record(session, action="test.in-scope", entity_type="test", actor="prato-comune")
        session.commit()
    db.commit()
    assert db.get(AuditEvent, (0, event_id)).tenant is None
    assert db.get(AuditEvent, (ids["prato"], own)).tenant == ids["prato"]


def test_anchors_catch_a_tenant_chain_rewritten_from_end_to_end(demo, db, owner_url, as_user):
    ids = _tenant_ids(db)
    anchor_id = audit.anchor(db)
    db.commit()
    anchor = db.scalar(select(AuditEvent).where(AuditEvent.id == anchor_id))
    assert anchor.tenant_id == 0 and anchor.action == "audit.anchor"
    assert set(anchor.after["heads"]) == {str(t) for t in db.scalars(select(AuditHead.tenant_id)) if t}
    assert audit.anchor(db) is None  # nothing moved since
    assert as_user("revisore").get("/api/v1/audit/verify").json["ok"] is True

    # Someone with the owner's password rewrites Siena's chain consistently: new content, hashes, head.
    siena = ids["siena"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.tenant_id == siena).order_by(AuditEvent.seq)).all()
    target = events[0]
    prev_hash = audit.GENESIS
    rewritten = []
    for event in events:
        actor = "forger" if event.id == target.id else event.actor
        digest = audit.event_hash(siena, event.seq, event.prev_id, event.at, actor, event.action, event.entity_type,
                                  event.entity_id, event.before, event.after, prev_hash)
        rewritten.append((actor, prev_hash, digest, event.id))
        prev_hash = digest
    db.rollback()
    with _owner(owner_url) as conn:
        for actor, prev, digest, event_id in rewritten:
            conn.execute("UPDATE audit_events SET actor = %s, prev_hash = %s, hash = %s WHERE id = %s",
                         (actor, prev, digest, event_id))
        conn.execute("UPDATE audit_heads SET last_hash = %s WHERE tenant_id = %s", (prev_hash, siena))
    result = as_user("revisore").get("/api/v1/audit/verify").json
    assert result["ok"] is False
    assert result["reason"] == "the event differs from the one the region's chain anchored"
    assert result["first_bad_event_id"] == events[-1].id  # the anchored position


def test_deleting_a_whole_tenant_chain_is_caught_by_its_head_and_the_anchor(demo, db, owner_url):
    ids = _tenant_ids(db)
    audit.anchor(db)
    db.commit()
    with _owner(owner_url) as conn:
        conn.execute("DELETE FROM audit_events WHERE tenant_id = %s", (ids["grosseto"],))
    result = audit.verify(db)
    assert result.ok is False
    assert result.reason in {"the newest events were deleted", "events the region's chain anchored are missing"}


def test_the_anchor_runs_as_a_periodic_job_and_the_cli_counts_chains(app, demo, db, rq_worker, wait_for_job):
    from smartregion import jobs

    assert "smartregion.audit.anchor_job" in jobs.PERIODIC
    with app.app_context():
        job = jobs.enqueue(db, "periodic", "smartregion.audit.anchor_job", description="anchor")
        db.commit()
    done = wait_for_job(job.id)
    assert done["state"] == "finished", done["error"]
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.id == done["result"]["anchor_event_id"])) \
        == "audit.anchor"
    from smartregion.cli import main

    output = CliRunner().invoke(main, ["audit", "verify"]).output
    chains = len(set(db.scalars(select(AuditEvent.tenant_id))))
    assert f"in {chains} chains, intact" in output


def test_reordering_two_events_of_a_chain_is_detected(demo, db, owner_url):
    ids = _tenant_ids(db)
    first, second = db.execute(select(AuditEvent.id, AuditEvent.seq).where(AuditEvent.tenant_id == ids["firenze"])
                               .order_by(AuditEvent.seq).limit(2)).all()
    assert audit.verify(db).ok
    with _owner(owner_url) as conn:  # swap their places (the unique position is freed for a moment)
        conn.execute("UPDATE audit_events SET seq = -1 WHERE id = %s", (first.id,))
        conn.execute("UPDATE audit_events SET seq = %s WHERE id = %s", (first.seq, second.id))
        conn.execute("UPDATE audit_events SET seq = %s WHERE id = %s", (second.seq, first.id))
    result = audit.verify(db)
    assert result.ok is False
    assert result.first_bad_event_id == second.id  # now the chain's first event, pointing at a predecessor
    assert result.reason == "an earlier event was deleted or altered"
