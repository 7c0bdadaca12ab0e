"""Who reads the catalogue and the OGC API: one row per User-Agent, with its last request."""

from __future__ import annotations

from smartregion import audit
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from publication.models import Harvester

UNKNOWN_AGENT = "(no User-Agent)"


def record_harvest(session: Session, user_agent: str | None, path: str) -> None:
    """Count a read of the catalogue or the OGC API by its client.

    A client seen for the first time is an audited event; later reads only move its counters (they are
    reads, and auditing each would put every harvester's page request through the audit chain's lock).
    """
    agent = (user_agent or "").strip()[:300] or UNKNOWN_AGENT
    statement = insert(Harvester).values(user_agent=agent, last_path=path[:400], requests=1)
    statement = statement.on_conflict_do_update(
        index_elements=["user_agent"],
        set_={"last_at": func.now(), "requests": Harvester.requests + 1, "last_path": statement.excluded.last_path},
    ).returning(Harvester.id, Harvester.requests)
    harvester_id, requests = session.execute(statement).one()
    if requests == 1:
        audit.record(session, action="publication.harvester.first_seen", entity_type="publication_harvester",
                     entity_id=harvester_id, after={"user_agent": agent, "path": path[:400]})


def harvesters(session: Session, limit: int = 50) -> list[Harvester]:
    """The clients by their last read, newest first."""
    return list(session.scalars(select(Harvester).order_by(Harvester.last_at.desc()).limit(limit)))
