"""Audit chains per tenant: the region's events under tenant 0, a head per chain, row-level security.

Events already recorded are chained again, per tenant, in the order they were written; the old single
chain's head is kept in the region's chain as the first event after them (``audit.rechain``).

Revision ID: 0017a_audit_chains
Revises: 0008_idempotency
Create Date: 2026-12-06 17:00:00
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from smartregion.migrations_helpers import disable_tenant_rls, enable_tenant_rls, grant_app

revision = "0017a_audit_chains"
down_revision = "0013b_funding_action_type"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _digest(values: list) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).hexdigest()


def _chain_hash(tenant_id, seq, prev_id, at, actor, action, entity_type, entity_id, before, after,
                prev_hash) -> str:
    # The per-tenant chain's hash, as smartregion.audit.event_hash computes it.
    return _digest([tenant_id, seq, prev_id, at.astimezone(UTC).isoformat(), actor, action, entity_type, entity_id,
                    before, after, prev_hash])


def _global_hash(event_id, at, actor, tenant_id, action, entity_type, entity_id, before, after, prev_hash) -> str:
    # The single chain's hash of the previous schema, for the downgrade.
    return _digest([event_id, at.astimezone(UTC).isoformat(), actor, tenant_id, action, entity_type, entity_id,
                    before, after, prev_hash])


def _events(conn):
    return conn.execute(sa.text("SELECT id, tenant_id, at, actor, action, entity_type, entity_id, before, after "
                                "FROM audit_events ORDER BY id")).all()


def _update(conn, rows: list[dict]) -> None:
    if rows:
        conn.execute(sa.text("UPDATE audit_events SET tenant_id = :tenant_id, seq = :seq, prev_id = :prev_id, "
                             "prev_hash = :prev_hash, hash = :hash WHERE id = :id"), rows)


def upgrade() -> None:
    conn = op.get_bind()
    old_head = conn.execute(sa.text("SELECT last_hash FROM audit_head WHERE id = 1")).scalar()
    op.add_column("audit_events", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_events", sa.Column("prev_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE audit_events SET tenant_id = 0 WHERE tenant_id IS NULL")
    heads: dict[int, tuple[int, str, int | None]] = {}
    rows = []
    for event in _events(conn):
        seq, prev_hash, prev_id = heads.get(event.tenant_id, (0, GENESIS, None))
        digest = _chain_hash(event.tenant_id, seq + 1, prev_id, event.at, event.actor, event.action,
                             event.entity_type, event.entity_id, event.before, event.after, prev_hash)
        rows.append({"id": event.id, "tenant_id": event.tenant_id, "seq": seq + 1, "prev_id": prev_id,
                     "prev_hash": prev_hash, "hash": digest})
        heads[event.tenant_id] = (seq + 1, digest, event.id)
    _update(conn, rows)
    if old_head is not None:
        # The old chain's last hash stays on record, in the region's chain.
        seq, prev_hash, prev_id = heads.get(0, (0, GENESIS, None))
        at = datetime.now(UTC)
        after = {"previous_single_chain_head": old_head, "events": len(rows)}
        digest = _chain_hash(0, seq + 1, prev_id, at, "system:migration", "audit.rechain", "audit_chain", None,
                             None, after, prev_hash)
        event_id = conn.execute(sa.text(
            "INSERT INTO audit_events (tenant_id, seq, prev_id, at, actor, action, entity_type, after, prev_hash, "
            "hash) VALUES (0, :seq, :prev_id, :at, 'system:migration', 'audit.rechain', 'audit_chain', "
            "CAST(:after AS jsonb), :prev_hash, :hash) RETURNING id"),
            {"seq": seq + 1, "prev_id": prev_id, "at": at, "after": json.dumps(after), "prev_hash": prev_hash,
             "hash": digest}).scalar()
        heads[0] = (seq + 1, digest, event_id)

    op.alter_column("audit_events", "seq", nullable=False)
    op.alter_column("audit_events", "tenant_id", nullable=False)
    op.drop_constraint("uq_audit_events_hash", "audit_events", type_="unique")
    op.drop_constraint("pk_audit_events", "audit_events", type_="primary")
    op.create_primary_key("pk_audit_events", "audit_events", ["tenant_id", "id"])
    op.create_unique_constraint("uq_audit_events_tenant_id_seq", "audit_events", ["tenant_id", "seq"])
    op.create_check_constraint("ck_audit_events_tenant_or_region", "audit_events", "tenant_id >= 0")

    op.drop_table("audit_head")
    op.create_table(
        "audit_heads",
        sa.Column("tenant_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("anchored_seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_audit_heads")),
    )
    if heads:
        conn.execute(sa.text("INSERT INTO audit_heads (tenant_id, seq, last_event_id, last_hash) "
                             "VALUES (:tenant_id, :seq, :event_id, :hash)"),
                     [{"tenant_id": t, "seq": s, "hash": h, "event_id": i} for t, (s, h, i) in heads.items()])
    # A tenant reads and extends its own chain; the secretariat, auditors and system jobs all of them.
    enable_tenant_rls(op, "audit_events")
    enable_tenant_rls(op, "audit_heads")
    grant_app(op, "audit_events", "SELECT, INSERT")
    grant_app(op, "audit_heads", "SELECT, INSERT, UPDATE")


def downgrade() -> None:
    conn = op.get_bind()
    disable_tenant_rls(op, "audit_heads")
    disable_tenant_rls(op, "audit_events")
    op.drop_table("audit_heads")
    op.drop_constraint("ck_audit_events_tenant_or_region", "audit_events", type_="check")
    op.drop_constraint("uq_audit_events_tenant_id_seq", "audit_events", type_="unique")
    op.drop_constraint("pk_audit_events", "audit_events", type_="primary")
    op.create_primary_key("pk_audit_events", "audit_events", ["id"])
    op.alter_column("audit_events", "tenant_id", nullable=True)
    op.execute("DELETE FROM audit_events WHERE action = 'audit.rechain'")
    op.execute("UPDATE audit_events SET tenant_id = NULL WHERE tenant_id = 0")
    op.drop_column("audit_events", "seq")
    op.drop_column("audit_events", "prev_id")
    prev_hash, last_id, rows = GENESIS, None, []
    for event in _events(conn):
        digest = _global_hash(event.id, event.at, event.actor, event.tenant_id, event.action, event.entity_type,
                              event.entity_id, event.before, event.after, prev_hash)
        rows.append({"id": event.id, "prev_hash": prev_hash, "hash": digest})
        prev_hash, last_id = digest, event.id
    if rows:
        conn.execute(sa.text("UPDATE audit_events SET prev_hash = :prev_hash, hash = :hash WHERE id = :id"), rows)
    op.create_unique_constraint("uq_audit_events_hash", "audit_events", ["hash"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    if last_id is not None:
        conn.execute(sa.text("INSERT INTO audit_head (id, last_event_id, last_hash) VALUES (1, :id, :hash)"),
                     {"id": last_id, "hash": prev_hash})
