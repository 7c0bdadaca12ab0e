"""The append-only audit log: one SHA-256 chain per tenant, and the region's chain that anchors them.

Every tenant's events form a chain of their own (``seq`` 1, 2, 3... each hashing the one before), so
writers of different tenants never wait for each other: a writer locks only its own chain's head.
Events without a tenant (the secretariat's standards, funding lines, schemas) form the region's chain,
kept under ``tenant_id`` 0, a number no tenant gets: a distribution column cannot be NULL, and the
region's chain is then one more chain, distributed like the others. A periodic job appends to the
region's chain an ``audit.anchor`` event with the head of every tenant chain that moved since the last
anchor, so a tenant chain rewritten from end to end (hashes and head recomputed) still disagrees with
what the region recorded. ``verify`` checks every chain, every head and every anchor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from smartregion import tenancy
from smartregion.db import Base, apply_scope, driver_rows, sequential_on_citus
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Identity,
    Index,
    String,
    UniqueConstraint,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

GENESIS = "0" * 64
REGION = 0  # the chain of events that belong to no tenant
ANCHOR_ACTION = "audit.anchor"

_actor: ContextVar[str | None] = ContextVar("smartregion_actor", default=None)


class AuditEvent(Base):
    """One write: who, in which tenant, did what to which entity, before and after; its place in its chain."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_tenant_at", "tenant_id", "at"),
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        UniqueConstraint("tenant_id", "seq"),
        CheckConstraint("tenant_id >= 0", name="tenant_or_region"),
    )

    tenant_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    # The previous event of the chain, so that a deleted event is found where it was written.
    prev_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(120), index=True)
    entity_type: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str | None] = mapped_column(String(120))
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def tenant(self) -> int | None:
        """The tenant of the event, None for the region's own events."""
        return self.tenant_id or None


class AuditHead(Base):
    """The last link of a chain, so that deleting a chain's newest events is detected too."""

    __tablename__ = "audit_heads"

    tenant_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    # The position the region's chain has anchored last (tenant chains only).
    anchored_seq: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


def current_actor() -> str:
    return _actor.get() or "system"


def set_actor(actor: str | None) -> None:
    _actor.set(actor)


def enter_clean():
    return _actor.set(None)


def leave(token) -> None:
    _actor.reset(token)


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def normalise(payload: dict | None) -> dict | None:
    """What the database will give back: plain JSON values only."""
    return _normalised(payload)[0]


def _normalised(payload: dict | None) -> tuple[dict | None, str | None]:
    """The payload in plain JSON values, and its JSON text (what is stored)."""
    if payload is None:
        return None, None
    stored = json.dumps(payload, default=_plain)
    return json.loads(stored), stored


def event_hash(tenant_id: int, seq: int, prev_id: int | None, at: datetime, actor: str, action: str,
               entity_type: str, entity_id: str | None, before: dict | None, after: dict | None,
               prev_hash: str) -> str:
    canonical = json.dumps(
        [tenant_id, seq, prev_id, at.astimezone(UTC).isoformat(), actor, action, entity_type, entity_id, before,
         after, prev_hash],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# The chain's statements, in the driver's SQL: run on every audited write, they skip SQLAlchemy's
# statement cache and result description (``smartregion.db.driver_rows``).
_LOCK_HEAD = "SELECT seq, last_event_id, last_hash FROM audit_heads WHERE tenant_id = %(tenant_id)s FOR UPDATE"
_NEW_HEAD = ("INSERT INTO audit_heads (tenant_id, seq, last_event_id, last_hash, anchored_seq) "
             "VALUES (%(tenant_id)s, 0, 0, %(genesis)s, 0) ON CONFLICT (tenant_id) DO NOTHING")
# The event and its chain's new head in one statement (one round trip), on the chain's own shard.
_APPEND = """
    WITH event AS (
        INSERT INTO audit_events (tenant_id, seq, prev_id, at, actor, action, entity_type, entity_id, before,
                                  after, prev_hash, hash)
        VALUES (%(tenant_id)s, %(seq)s, %(prev_id)s, %(at)s, %(actor)s, %(action)s, %(entity_type)s,
                %(entity_id)s, CAST(%(before)s AS jsonb), CAST(%(after)s AS jsonb), %(prev_hash)s, %(hash)s)
        RETURNING id
    )
    UPDATE audit_heads SET seq = %(seq)s, last_hash = %(hash)s, last_event_id = (SELECT id FROM event)
    WHERE tenant_id = %(tenant_id)s
    RETURNING last_event_id"""


def _chain_of(tenant_id: int | None) -> int:
    if tenant_id is not None:
        return tenant_id
    # Inside one tenant's scope an event is that tenant's (row-level security keeps it there).
    if not tenancy.is_regional() and tenancy.current_tenant_id_or_none() is not None:
        return tenancy.current_tenant_id()
    return REGION


def _lock_head(session: Session, chain: int) -> tuple[int, int | None, str]:
    heads = driver_rows(session, _LOCK_HEAD, {"tenant_id": chain})
    if not heads:
        driver_rows(session, _NEW_HEAD, {"tenant_id": chain, "genesis": GENESIS})
        heads = driver_rows(session, _LOCK_HEAD, {"tenant_id": chain})
    seq, last_event_id, last_hash = heads[0]
    return seq, last_event_id or None, last_hash


def record(session: Session, *, action: str, entity_type: str, entity_id: Any = None,
           tenant_id: int | None = None, before: dict | None = None, after: dict | None = None,
           actor: str | None = None) -> int:
    """Append an event to its tenant's chain (the region's when there is no tenant), in the caller's
    transaction; returns the event's id. Only writers of the same chain wait for each other."""
    session.flush()
    chain = _chain_of(tenant_id)
    (before, before_json), (after, after_json) = _normalised(before), _normalised(after)
    event = {"tenant_id": chain, "at": datetime.now(UTC), "actor": actor or current_actor(), "action": action,
             "entity_type": entity_type, "entity_id": None if entity_id is None else str(entity_id),
             "before": before, "after": after, "json": (before_json, after_json)}
    if tenancy.is_regional() or tenancy.current_tenant_id_or_none() is not None:
        return _append(session, event)
    # A handler outside any scope (the secretariat's work on regional tables) still writes its chain:
    # the append alone is widened, and row-level security still refuses it inside another tenant's scope.
    try:
        with tenancy.regional_scope():
            apply_scope(session)
            return _append(session, event)
    finally:
        apply_scope(session)  # the caller's own scope again, for its next statement


def _append(session: Session, event: dict) -> int:
    chain = event["tenant_id"]
    seq, prev_id, prev_hash = _lock_head(session, chain)
    seq += 1
    digest = event_hash(chain, seq, prev_id, event["at"], event["actor"], event["action"], event["entity_type"],
                        event["entity_id"], event["before"], event["after"], prev_hash)
    before_json, after_json = event["json"]
    ((event_id,),) = driver_rows(session, _APPEND, event | {
        "seq": seq, "prev_id": prev_id, "before": before_json, "after": after_json, "prev_hash": prev_hash,
        "hash": digest})
    return event_id


_MOVED_HEADS = text("""
    UPDATE audit_heads SET anchored_seq = seq
    WHERE tenant_id <> 0 AND seq > anchored_seq
    RETURNING tenant_id, seq, last_hash""")


def anchor(session: Session) -> int | None:
    """Record in the region's chain the head of every tenant chain that moved since the last anchor
    (regional scope); returns the anchor event's id, None when no chain moved."""
    sequential_on_citus(session)
    moved = session.execute(_MOVED_HEADS).all()
    if not moved:
        return None
    heads = {str(row.tenant_id): [row.seq, row.last_hash] for row in sorted(moved)}
    return record(session, action=ANCHOR_ACTION, entity_type="audit_chain", tenant_id=REGION,
                  after={"heads": heads}, actor="system:audit")


def anchor_job(ctx) -> dict:
    """Periodic job: anchor the tenant chains' heads in the region's chain."""
    event_id = anchor(ctx.session)
    return {"anchor_event_id": event_id}


@dataclass
class Verification:
    ok: bool
    events: int
    first_bad_event_id: int | None = None
    reason: str | None = None
    chains: int = 0

    def as_dict(self) -> dict:
        return {"ok": self.ok, "events": self.events, "first_bad_event_id": self.first_bad_event_id,
                "reason": self.reason}


@dataclass
class _Fault:
    event_id: int | None
    reason: str
    order: int  # where the fault sits in the log (event id; past the end for a missing newest event)
    missing_after: int | None = None  # a deleted event's id: the log breaks at the first event after it


def _hole(event, tail_id: int | None) -> int | None:
    """The id of the deleted event just before ``event`` in its chain, when the event names one."""
    if event.prev_id is not None and event.prev_id != tail_id:
        return event.prev_id
    return None


def _walk_chains(session: Session, batch: int) -> Iterator[Any]:
    columns = AuditEvent.__table__.c
    last = (-1, 0)
    while True:
        rows = session.execute(
            select(*columns).where(tuple_(columns.tenant_id, columns.seq) > tuple_(*last))
            .order_by(columns.tenant_id, columns.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = (rows[-1].tenant_id, rows[-1].seq)


def verify(session: Session, batch: int = 5000) -> Verification:
    """Recompute every chain; check each head and each anchor of the region's chain.

    The fault reported is the earliest in the log: its event, and how many events precede it.
    """
    anchored: dict[tuple[int, int], tuple[str, int]] = {}
    for event_id, after in session.execute(
            select(AuditEvent.id, AuditEvent.after).where(AuditEvent.tenant_id == REGION,
                                                         AuditEvent.action == ANCHOR_ACTION)):
        for tenant, (seq, digest) in ((after or {}).get("heads") or {}).items():
            anchored[(int(tenant), int(seq))] = (digest, event_id)
    heads = {head.tenant_id: head for head in session.scalars(select(AuditHead))}
    faults: list[_Fault] = []
    tails: dict[int, tuple[int, str, int | None]] = {}
    broken: set[int] = set()
    count = 0
    for event in _walk_chains(session, batch):
        count += 1
        chain = event.tenant_id
        if chain in broken:
            continue
        seq, prev_hash, prev_id = tails.get(chain, (0, GENESIS, None))
        fault = None
        if event.seq != seq + 1 or event.prev_hash != prev_hash or event.prev_id != prev_id:
            fault = "an earlier event was deleted or altered"
        elif event_hash(chain, event.seq, event.prev_id, event.at, event.actor, event.action, event.entity_type,
                        event.entity_id, event.before, event.after, event.prev_hash) != event.hash:
            fault = "the event's content does not match its hash"
        elif (chain, event.seq) in anchored and anchored[(chain, event.seq)][0] != event.hash:
            fault = "the event differs from the one the region's chain anchored"
        if fault:
            faults.append(_Fault(event.id, fault, event.id, missing_after=_hole(event, prev_id)))
            broken.add(chain)
            continue
        tails[chain] = (event.seq, event.hash, event.id)
    end = session.scalar(select(func.max(AuditEvent.id))) or 0
    for chain, head in heads.items():
        if chain in broken:
            continue
        seq, digest, _ = tails.get(chain, (0, GENESIS, None))
        if head.seq != seq or head.last_hash != digest:
            faults.append(_Fault(head.last_event_id, "the newest events were deleted", end + 1))
    for chain, (_, _, event_id) in tails.items():
        if chain not in heads and chain not in broken:
            faults.append(_Fault(event_id, "the chain head is missing", end + 1))
    for (chain, seq), (_, anchor_id) in anchored.items():
        if chain not in broken and seq > tails.get(chain, (0, GENESIS, None))[0]:
            faults.append(_Fault(anchor_id, "events the region's chain anchored are missing", end + 1))
    if not faults:
        return Verification(True, count, chains=len(tails))
    for fault in faults:
        if fault.missing_after is not None and session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.id == fault.missing_after)):
            fault.missing_after = None  # the previous event is there, elsewhere: moved, not deleted
        if fault.missing_after is not None:
            # Reported where the deleted event was written: the first event of the log after it.
            fault.order = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.id > fault.missing_after))
            fault.event_id = fault.order
    first = min(faults, key=lambda fault: fault.order)
    before = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.id < first.order))
    return Verification(False, before, first.event_id, first.reason, chains=len(tails))
