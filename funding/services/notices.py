"""Deadline notices: a line that a tenant's project matches closes in 30, 14 or 7 days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from smartregion import audit, tenancy
from smartregion.errors import found
from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from funding.matching import line_timing
from funding.matching.profiles import DEADLINE_FORTHCOMING, DEADLINE_OPEN
from funding.models import FundingLine, Match, Notice
from funding.services.matching import line_profile, today

THRESHOLDS = (30, 14, 7)


def threshold_for(days_left: int) -> int | None:
    """The tightest threshold reached: 7 within a week, 14 within two, 30 within a month."""
    reached = [t for t in THRESHOLDS if days_left <= t]
    return min(reached) if reached else None


def create_deadline_notices(session: Session, *, day: date | None = None) -> dict:
    """One notice per eligible project and line reaching a threshold; running twice adds nothing."""
    day = day or today()
    created = 0
    with tenancy.regional_scope():
        for line in session.scalars(select(FundingLine).order_by(FundingLine.id)):
            timing = line_timing(line_profile(line), day)
            if timing.state not in (DEADLINE_OPEN, DEADLINE_FORTHCOMING) or timing.apply_by is None:
                continue
            threshold = threshold_for(timing.days_left)
            if threshold is None:
                continue
            matches = session.execute(
                select(Match.tenant_id, Match.project_id).where(
                    Match.funding_line_id == line.id, Match.eligible.is_(True)
                )
            ).all()
            for tenant_id, project_id in matches:
                inserted = session.execute(
                    insert(Notice)
                    .values(
                        tenant_id=tenant_id,
                        project_id=project_id,
                        funding_line_id=line.id,
                        deadline=timing.apply_by,
                        threshold_days=threshold,
                        days_left=timing.days_left,
                    )
                    .on_conflict_do_nothing()
                    .returning(Notice.id)
                ).scalar()
                if inserted is not None:
                    created += 1
                    audit.record(
                        session,
                        action="funding.notice.create",
                        entity_type="notice",
                        entity_id=inserted,
                        tenant_id=tenant_id,
                        after={
                            "project_id": project_id,
                            "funding_line_id": line.id,
                            "deadline": timing.apply_by,
                            "threshold_days": threshold,
                        },
                    )
    return {"day": day.isoformat(), "created": created}


def notices_query(tenant_id: int, *, unread_only: bool = False) -> Select:
    statement = (
        select(Notice, FundingLine)
        .join(FundingLine, FundingLine.id == Notice.funding_line_id)
        .where(Notice.tenant_id == tenant_id)
        .order_by(Notice.deadline, Notice.id)
    )
    if unread_only:
        statement = statement.where(Notice.read_at.is_(None))
    return statement


def mark_read(session: Session, tenant_id: int, notice_id: int, *, actor: str | None = None) -> Notice:
    notice = found(session.scalar(select(Notice).where(Notice.tenant_id == tenant_id, Notice.id == notice_id)),
                   f"Notice {notice_id} not found.")
    if notice.read_at is None:
        notice.read_at = datetime.now(UTC)
        session.flush()
        audit.record(
            session,
            action="funding.notice.read",
            entity_type="notice",
            entity_id=notice.id,
            tenant_id=tenant_id,
            after={"read_at": notice.read_at},
            actor=actor,
        )
    return notice
