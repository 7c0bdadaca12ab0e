"""Demo data: the first set of regional standards, version 1.0.0, published."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from interoperability import services
from interoperability.models import Standard, StandardVersion, VersionStatus
from interoperability.standards import shipped_definitions

ACTOR = "seed:interoperability"


def publish_shipped(session: Session) -> list[StandardVersion]:
    """Create and publish the shipped regional standards that are missing (idempotent)."""
    published = []
    for definition in shipped_definitions():
        data = definition.to_dict()
        standard = session.scalar(select(Standard).where(Standard.code == definition.code))
        if standard is None:
            row = services.create_standard(session, data, actor=ACTOR)
        else:
            row = next((v for v in standard.versions if v.version == definition.version), None)
            if row is None:
                row = services.create_version(session, definition.code, data, actor=ACTOR)
        if row.status == VersionStatus.DRAFT:
            row = services.publish(session, definition.code, definition.version, actor=ACTOR)
        published.append(row)
    return published


def demo(session: Session) -> None:
    """Load the demo data of the module (idempotent)."""
    publish_shipped(session)
    session.flush()
