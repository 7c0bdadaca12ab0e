"""The audit log as auditors read it: filtered lists and a CSV export safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from smartregion.audit import AuditEvent
from smartregion.errors import Unprocessable
from smartregion.registry import Tenant
from smartregion.spreadsheets import neutralise
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

CSV_COLUMNS = ("id", "at", "actor", "tenant", "action", "entity_type", "entity_id", "before", "after", "hash")


def events_query(session: Session, *, tenant: str | None = None, actor: str | None = None,
                 entity_type: str | None = None, entity_id: str | None = None, action: str | None = None,
                 since: date | None = None, until: date | None = None) -> Select:
    """Events, newest first; `action` matches a prefix (`census.` gives every census action)."""
    if since and until and until < since:
        raise Unprocessable("The period ends before it starts.", errors={"until": ["Must be on or after since."]})
    statement = select(AuditEvent).order_by(AuditEvent.id.desc())
    if tenant:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == tenant))
        statement = statement.where(AuditEvent.tenant_id == (tenant_id if tenant_id is not None else -1))
    if actor:
        statement = statement.where(AuditEvent.actor == actor)
    if entity_type:
        statement = statement.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        statement = statement.where(AuditEvent.entity_id == entity_id)
    if action:
        statement = statement.where(AuditEvent.action.startswith(action, autoescape=True))
    if since:
        statement = statement.where(AuditEvent.at >= datetime.combine(since, time.min, UTC))
    if until:
        statement = statement.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), time.min, UTC))
    return statement


def csv_rows(session: Session, statement: Select, batch: int = 2000) -> Iterator[str]:
    """The filtered events as CSV lines (header first), read in batches."""
    slugs = dict(session.execute(select(Tenant.id, Tenant.slug)).all())
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    last_id = None
    while True:
        page = statement if last_id is None else statement.where(AuditEvent.id < last_id)
        events = session.scalars(page.limit(batch)).all()
        if not events:
            break
        for event in events:
            cells = [event.id, event.at.isoformat(), event.actor, slugs.get(event.tenant_id, ""), event.action,
                     event.entity_type, event.entity_id or "",
                     "" if event.before is None else json.dumps(event.before, ensure_ascii=False, sort_keys=True),
                     "" if event.after is None else json.dumps(event.after, ensure_ascii=False, sort_keys=True),
                     event.hash]
            writer.writerow([neutralise(str(cell)) for cell in cells])
        yield flush()
        last_id = events[-1].id
