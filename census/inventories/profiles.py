"""Import profiles (profili di importazione): the mapping a tenant used for files with given headers.

Utilities export the same table again and again; once its columns are mapped, the next file with
the same headers is offered the same mapping, values and coordinate system.
"""

from __future__ import annotations

from datetime import UTC, datetime

from smartregion import audit
from sqlalchemy import select
from sqlalchemy.orm import Session

from .mapping import Settings, header_signature
from .models import ImportProfile


def find(session: Session, tenant_id: int, kind: str, headers: list[str]) -> ImportProfile | None:
    """The tenant's profile for files of this kind with these headers, if one was saved."""
    return session.scalar(select(ImportProfile).where(
        ImportProfile.tenant_id == tenant_id, ImportProfile.kind == kind,
        ImportProfile.header_signature == header_signature(headers)))


def remember(session: Session, tenant_id: int, kind: str, headers: list[str], mapping: dict[str, str],
             settings: Settings, *, actor: str) -> ImportProfile:
    """Save (or update) the profile for these headers with the mapping and choices just used."""
    profile = find(session, tenant_id, kind, headers)
    before = None
    if profile is None:
        profile = ImportProfile(tenant_id=tenant_id, kind=kind, header_signature=header_signature(headers),
                                headers=[str(h) for h in headers])
        session.add(profile)
    else:
        before = as_dict(profile)
    profile.mapping = dict(mapping)
    profile.defaults = dict(settings.defaults)
    profile.epsg = settings.epsg
    profile.layer = settings.layer
    profile.updated_by = actor
    profile.updated_at = datetime.now(UTC)
    session.flush()
    after = as_dict(profile)
    if before is None or {k: v for k, v in before.items() if k != "updated_at"} != \
            {k: v for k, v in after.items() if k != "updated_at"}:
        audit.record(session, action="census.inventory.profile", entity_type="inventory_import_profile",
                     entity_id=profile.id, tenant_id=tenant_id, before=before, after=after)
    return profile


def as_dict(profile: ImportProfile) -> dict:
    return {"id": profile.id, "kind": profile.kind, "headers": list(profile.headers), "mapping": dict(profile.mapping),
            "defaults": dict(profile.defaults), "epsg": profile.epsg, "layer": profile.layer,
            "updated_by": profile.updated_by,
            "updated_at": profile.updated_at.isoformat() if profile.updated_at else None}
