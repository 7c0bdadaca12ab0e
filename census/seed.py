"""Demo census: the campaign of the demo protocol, the three shipped schemas approved, and submissions
for Firenze and Prato in several states (accepted, submitted, returned with comments, draft)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from smartregion.registry import Tenant
from sqlalchemy import select
from sqlalchemy.orm import Session

from census import services
from census.inventories import seed as inventories_seed
from census.models import Submission, SubmissionVersion
from protocol.services import Protocol

DEMO_DIR = Path(__file__).parent / "data" / "demo"
SECRETARIAT = "segreteria"

# (tenant, schema, officer, final state, day it was handed in)
PLAN = [
    ("firenze", "smart-services", "firenze-comune", "accepted", datetime(2018, 5, 28, 10, 30, tzinfo=UTC)),
    ("firenze", "networks", "firenze-utility", "submitted", datetime(2018, 6, 20, 16, 0, tzinfo=UTC)),
    ("firenze", "projects", "firenze-comune", "returned", datetime(2018, 6, 12, 9, 15, tzinfo=UTC)),
    ("prato", "networks", "prato-utility", "accepted", datetime(2018, 6, 5, 11, 0, tzinfo=UTC)),
    ("prato", "projects", "prato-comune", "submitted", datetime(2018, 7, 3, 15, 45, tzinfo=UTC)),
    ("prato", "smart-services", "prato-comune", "draft", None),
]
RETURN_COMMENTS = {
    "/projects/2/cup": "Indicare il CUP se il progetto è già finanziato.",
    "/projects/0/funded_amount": "Specificare la quota FESR nella descrizione.",
}


def _protocol(session: Session) -> Protocol | None:
    # The protocol module seeds before this one, in module order.
    return session.scalar(select(Protocol).order_by(Protocol.id).limit(1))


def _backdate(session: Session, sub: Submission, handed_in: datetime | None) -> None:
    """Put the demo's history in 2018, when the census of the demo protocol ran."""
    if handed_in is None:
        return
    if sub.submitted_at is not None:
        sub.submitted_at = handed_in
    if sub.reviewed_at is not None:
        sub.reviewed_at = handed_in.replace(day=min(handed_in.day + 3, 28))
    for version in session.scalars(select(SubmissionVersion).where(
            SubmissionVersion.tenant_id == sub.tenant_id, SubmissionVersion.submission_id == sub.id)):
        version.at = handed_in


def demo(session: Session) -> None:
    """Load the demo census (idempotent), then the inventories' demo data when that sub-package has one."""
    _census(session)
    inventories_seed.demo(session)


def _census(session: Session) -> None:
    services.install_shipped_schemas(session, actor=SECRETARIAT)
    protocol = _protocol(session)
    if protocol is None or services.campaign_for_protocol(session, protocol.id) is not None:
        return
    campaign = services.create_campaign(session, protocol.id, actor=SECRETARIAT)
    slugs = sorted({row[0] for row in PLAN})
    tenants = {t.slug: t for t in session.scalars(select(Tenant).where(Tenant.slug.in_(slugs)))}
    for slug, key, officer, state, handed_in in PLAN:
        tenant = tenants.get(slug)
        if tenant is None:
            continue
        answers = json.loads((DEMO_DIR / f"{slug}.{key}.json").read_text(encoding="utf-8"))
        sub = services.create_submission(session, tenant.id, schema_key=key, schema_version=1, answers={},
                                         campaign_id=campaign.id, actor=officer)
        sub = services.update_submission(session, tenant.id, sub.id, answers, if_match=sub.etag,
                                         actor=officer)
        if state != "draft":
            services.submit_submission(session, tenant.id, sub.id, actor=officer)
        if state == "accepted":
            services.accept_submission(session, tenant.id, sub.id, actor=SECRETARIAT)
        if state == "returned":
            services.return_submission(session, tenant.id, sub.id, comments=RETURN_COMMENTS,
                                       note="Completare i dati di finanziamento prima dell'accettazione.",
                                       actor=SECRETARIAT)
        _backdate(session, sub, handed_in)
    session.flush()
