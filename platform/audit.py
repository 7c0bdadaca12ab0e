"""The append-only audit log, chained by SHA-256 so that any edited or deleted event is detected."""

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

from smartregion.db import Base
from sqlalchemy import BigInteger, Identity, Index, String, Text, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

GENESIS = "0" * 64
# One chain for the whole platform: writers take this transaction-level lock in turn.
CHAIN_LOCK = 0x5A4D_A0D1

_actor: ContextVar[str | None] = ContextVar("smartregion_actor", default=None)


class AuditEvent(Base):
    """One write: who, in which tenant, did what to which entity, before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_tenant_at", "tenant_id", "at"),
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(120), index=True)
    entity_type: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str | None] = mapped_column(String(120))
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The last link of the chain, so that deleting the newest events is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


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
    if payload is None:
        return None
    return json.loads(json.dumps(payload, default=_plain))


def event_hash(event_id: int, at: datetime, actor: str, tenant_id: int | None, action: str, entity_type: str,
               entity_id: str | None, before: dict | None, after: dict | None, prev_hash: str) -> str:
    canonical = json.dumps(
        [event_id, at.astimezone(UTC).isoformat(), actor, tenant_id, action, entity_type, entity_id, before,
         after, prev_hash],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(session: Session, *, action: str, entity_type: str, entity_id: Any = None,
           tenant_id: int | None = None, before: dict | None = None, after: dict | None = None,
           actor: str | None = None) -> AuditEvent:
    """Append an event to the chain, in the caller's transaction."""
    session.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK)))
    head = session.get(AuditHead, 1, with_for_update=True)
    prev_hash = head.last_hash if head else GENESIS
    event_id = session.scalar(select(func.nextval(text("'audit_events_id_seq'"))))
    at = datetime.now(UTC)
    actor = actor or current_actor()
    before, after = normalise(before), normalise(after)
    entity_id = None if entity_id is None else str(entity_id)
    digest = event_hash(event_id, at, actor, tenant_id, action, entity_type, entity_id, before, after, prev_hash)
    event = AuditEvent(id=event_id, at=at, actor=actor, tenant_id=tenant_id, action=action,
                       entity_type=entity_type, entity_id=entity_id, before=before, after=after,
                       prev_hash=prev_hash, hash=digest)
    session.add(event)
    if head is None:
        session.add(AuditHead(id=1, last_event_id=event_id, last_hash=digest))
    else:
        head.last_event_id, head.last_hash = event_id, digest
    session.flush()
    return event


@dataclass
class Verification:
    ok: bool
    events: int
    first_bad_event_id: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "events": self.events, "first_bad_event_id": self.first_bad_event_id,
                "reason": self.reason}


def verify(session: Session, batch: int = 5000) -> Verification:
    """Recompute the chain from the first event; report the first event that does not fit."""
    prev_hash, count, last_id = GENESIS, 0, 0
    while True:
        rows = session.execute(
            select(*AuditEvent.__table__.c).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.prev_hash != prev_hash:
                return Verification(False, count, event.id, "an earlier event was deleted or altered")
            expected = event_hash(event.id, event.at, event.actor, event.tenant_id, event.action,
                                  event.entity_type, event.entity_id, event.before, event.after, event.prev_hash)
            if expected != event.hash:
                return Verification(False, count, event.id, "the event's content does not match its hash")
            prev_hash, count, last_id = event.hash, count + 1, event.id
    head = session.get(AuditHead, 1)
    if head is None and count:
        return Verification(False, count, None, "the chain head is missing")
    if head is not None and (head.last_event_id != last_id or head.last_hash != prev_hash):
        return Verification(False, count, head.last_event_id, "the newest events were deleted")
    return Verification(True, count)
