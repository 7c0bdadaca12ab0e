"""The move to per-tenant chains keeps a deployment's existing log provable, and can be undone."""

import hashlib
import json
import os
import secrets
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from smartregion import audit
from smartregion.config import ROOT
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ADMIN_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _old_hash(event_id, at, actor, tenant_id, action, entity_type, entity_id, before, after, prev_hash) -> str:
    canonical = json.dumps([event_id, at.astimezone(UTC).isoformat(), actor, tenant_id, action, entity_type,
                            entity_id, before, after, prev_hash], sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.fixture
def database():
    admin = make_url(ADMIN_URL)
    name = f"smartregion_migration_{secrets.token_hex(3)}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _alembic(url: str) -> AlembicConfig:
    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


def test_an_existing_single_chain_is_chained_again_per_tenant_and_back(database):
    config = _alembic(database)
    command.upgrade(config, "0008_idempotency")
    conninfo = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    events = [(None, "funding.line.create"), (7, "census.submission.save"), (9, "census.submission.save"),
              (7, "census.submission.submit"), (None, "interoperability.standard.create"), (9, "tenant.update")]
    with psycopg.connect(conninfo) as conn:
        prev = audit.GENESIS
        for n, (tenant, action) in enumerate(events, start=1):
            # As the single chain's record() did: the id from the sequence, then the hash over it.
            assert conn.execute("SELECT nextval('audit_events_id_seq')").fetchone()[0] == n
            at = start + timedelta(minutes=n)
            digest = _old_hash(n, at, "segreteria", tenant, action, "thing", str(n), None, {"n": n}, prev)
            conn.execute("INSERT INTO audit_events (id, at, actor, tenant_id, action, entity_type, entity_id, "
                         "after, prev_hash, hash) VALUES (%s, %s, 'segreteria', %s, %s, 'thing', %s, %s, %s, %s)",
                         (n, at, tenant, action, str(n), json.dumps({"n": n}), prev, digest))
            prev = digest
        conn.execute("INSERT INTO audit_head (id, last_event_id, last_hash) VALUES (1, 6, %s)", (prev,))
        conn.commit()
    old_head = prev

    command.upgrade(config, "heads")
    engine = create_engine(make_url(database).set(drivername="postgresql+psycopg"))
    with Session(engine) as session:  # the owner: row-level security does not hide chains from it
        result = audit.verify(session)
        assert result.ok, result
        assert result.events == 7 and result.chains == 3
        rows = session.execute(select(audit.AuditEvent.tenant_id, audit.AuditEvent.seq, audit.AuditEvent.action)
                               .order_by(audit.AuditEvent.id)).all()
        assert [(r.tenant_id, r.seq) for r in rows] == [(0, 1), (7, 1), (9, 1), (7, 2), (0, 2), (9, 2), (0, 3)]
        rechain = session.scalar(select(audit.AuditEvent).where(audit.AuditEvent.action == "audit.rechain"))
        assert rechain.after == {"previous_single_chain_head": old_head, "events": 6}
    engine.dispose()

    command.downgrade(config, "0008_idempotency")
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT id, at, actor, tenant_id, action, entity_type, entity_id, before, after, "
                            "prev_hash, hash FROM audit_events ORDER BY id").fetchall()
        head = conn.execute("SELECT last_event_id, last_hash FROM audit_head").fetchone()
    prev = audit.GENESIS
    for row in rows:
        assert row[9] == prev and row[10] == _old_hash(*row[:9], prev)
        prev = row[10]
    assert [r[3] for r in rows] == [None, 7, 9, 7, None, 9]
    assert head == (6, prev) and prev == old_head  # the original chain, hash for hash
