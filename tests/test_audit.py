"""The audit chain: every write leaves an event; editing or deleting any past event is detected."""

import psycopg
from click.testing import CliRunner
from smartregion.audit import AuditEvent
from sqlalchemy import select
from sqlalchemy.engine import make_url


def _owner(owner_url):
    return psycopg.connect(make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True)


def _verify(as_user):
    response = as_user("revisore").get("/api/v1/audit/verify")
    assert response.status_code == 200
    return response.json


def test_writes_are_audited_with_actor_tenant_before_and_after(as_user, db):
    as_user("segreteria").patch("/api/v1/tenants/pisa", json={"name": "Pisa (comune)"})
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.update")).one()
    assert event.actor == "segreteria"
    assert event.entity_type == "tenant"
    assert event.before["name"] == "Pisa" and event.after["name"] == "Pisa (comune)"
    assert event.tenant_id == event.after["id"]


def test_intact_chain_verifies(as_user):
    result = _verify(as_user)
    assert result["ok"] is True
    assert result["events"] > 10  # the demo region's own creation is audited


def test_editing_a_past_event_is_detected(as_user, owner_url, db):
    victim = db.scalars(select(AuditEvent.id).order_by(AuditEvent.id).offset(3).limit(1)).one()
    with _owner(owner_url) as conn:
        conn.execute("UPDATE audit_events SET actor = 'someone-else' WHERE id = %s", (victim,))
    result = _verify(as_user)
    assert result == {"ok": False, "events": 3, "first_bad_event_id": victim,
                      "reason": "the event's content does not match its hash"}


def test_deleting_a_past_event_is_detected(as_user, owner_url, db):
    victim = db.scalars(select(AuditEvent.id).order_by(AuditEvent.id).offset(5).limit(1)).one()
    with _owner(owner_url) as conn:
        conn.execute("DELETE FROM audit_events WHERE id = %s", (victim,))
    result = _verify(as_user)
    assert result["ok"] is False
    assert result["first_bad_event_id"] == victim + 1


def test_deleting_the_newest_event_is_detected(as_user, owner_url, db):
    newest = db.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).one()
    with _owner(owner_url) as conn:
        conn.execute("DELETE FROM audit_events WHERE id = %s", (newest,))
    assert _verify(as_user)["reason"] == "the newest events were deleted"


def test_the_application_role_cannot_change_the_log(demo, owner_url):
    url = make_url(owner_url).set(drivername="postgresql", username="smartregion_app")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        try:
            conn.execute("UPDATE audit_events SET actor = 'x'")
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
        else:  # pragma: no cover - the assertion below reports it
            raise AssertionError("the app role could update audit events")


def test_cli_audit_verify_exit_status(demo, owner_url, db):
    from smartregion.cli import main

    runner = CliRunner()
    ok = runner.invoke(main, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output
    with _owner(owner_url) as conn:
        conn.execute("UPDATE audit_events SET after = '{\"name\": \"forged\"}' WHERE id = 2")
    broken = runner.invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "BROKEN at event 2" in broken.output


def test_only_regional_roles_verify_the_chain(as_user):
    assert as_user("firenze-comune").get("/api/v1/audit/verify").status_code == 403
