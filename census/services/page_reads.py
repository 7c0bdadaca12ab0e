"""What the census pages read beyond one entity: standings a user may see, forms a tenant may start,
the protocols a campaign may open for, the approved versions and the schema keys."""

from __future__ import annotations

from smartregion import tenancy
from smartregion.registry import Tenant
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from census.models import Campaign, Submission, SurveySchema
from census.services.campaigns import campaigns_query, standings
from census.services.schemas import schemas_query
from protocol.services import Protocol


def latest_campaign(session: Session) -> Campaign | None:
    """The most recent campaign, open or closed."""
    return session.scalar(campaigns_query().limit(1))


def visible_standings(session: Session, campaign: Campaign, *, regional: bool, tenant_slugs) -> list:
    """The standings a user sees: every tenant's in the regional scope, else those of the user's tenants."""
    if regional:
        with tenancy.regional_scope():
            return standings(session, campaign)
    rows = []
    for tenant in session.scalars(select(Tenant).where(Tenant.slug.in_(sorted(tenant_slugs)))):
        with tenancy.tenant_context(tenant.id):
            rows += standings(session, campaign, tenant_ids=[tenant.id])
    return rows


def startable_schemas(session: Session, campaign: Campaign | None, submissions: list[Submission]) -> list:
    """The approved schemas of the campaign a tenant has not answered yet."""
    if campaign is None:
        return []
    answered = {s.schema_key for s in submissions if s.campaign_id == campaign.id}
    approved = {s.key: s for s in session.scalars(schemas_query(status="approved"))}
    return [approved[key] for key in campaign.schema_keys if key not in answered and key in approved]


def approved_versions(session: Session) -> dict[str, int]:
    """Each key's latest approved version: the one a municipality's new submission is pinned to."""
    out: dict[str, int] = {}
    for stored in session.scalars(schemas_query(status="approved")):
        out[stored.key] = max(out.get(stored.key, 0), stored.version)
    return out


def protocols_newest_first(session: Session) -> list[Protocol]:
    return session.scalars(select(Protocol).order_by(Protocol.signed_on.desc(), Protocol.id.desc())).all()


def openable_campaigns(protocols: list[Protocol], campaigns: list[Campaign]) -> list[dict]:
    """The protocols without a campaign yet, each with the due date its campaign would have."""
    taken = {c.protocol_id for c in campaigns}
    return [{"protocol": p, "due_on": p.census_due_on()} for p in protocols if p.id not in taken]


def latest_schema(session: Session, key: str) -> SurveySchema | None:
    """A key's latest version, whatever its status."""
    return session.scalar(select(SurveySchema).where(SurveySchema.key == key)
                          .order_by(SurveySchema.version.desc()).limit(1))


def next_schema_version(session: Session, key: str) -> int:
    latest = session.scalar(select(func.max(SurveySchema.version)).where(SurveySchema.key == key)) if key else None
    return (latest or 0) + 1


def schema_keys(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(SurveySchema.key))))
