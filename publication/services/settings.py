"""The secretariat's choices: which datasets are open, per tenant and for the region, and the IPA codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from smartregion import audit
from smartregion.errors import Conflict, NotFound, Unprocessable, found
from sqlalchemy import select
from sqlalchemy.orm import Session

from publication.models import RegionDataset, TenantDataset, TenantPublication
from publication.services.datasets import (
    census_standing,
    gate_of,
    region_dataset_keys,
    tenant_dataset_keys,
)

# Codice IPA: the registry's codes are short lowercase words (c_d612 for a municipality, r_toscan for a region).
IPA_CODE = re.compile(r"^[a-z0-9_]{2,20}$")


def _check_key(key: str, allowed: list[str]) -> None:
    if key not in allowed:
        message = f"unknown dataset {key!r}; use one of {', '.join(allowed)}"
        raise Unprocessable(message, errors={"dataset": [message]})


def open_tenant_dataset(session: Session, tenant_id: int, key: str, *, actor: str) -> TenantDataset:
    """Open one dataset family of a tenant; refused until the census it comes from is accepted."""
    _check_key(key, tenant_dataset_keys())
    standing = census_standing(session, tenant_id)
    gate = gate_of(key)
    if not standing[gate]:
        which = "network census" if gate == "network" else "census survey"
        message = (f"The tenant's {which} is not accepted yet: nothing of a tenant is published before the "
                   "secretariat accepts its census.")
        raise Conflict(message, errors={"dataset": [message]})
    row = session.scalar(select(TenantDataset).where(TenantDataset.tenant_id == tenant_id,
                                                     TenantDataset.dataset == key))
    if row is not None:
        return row
    row = TenantDataset(tenant_id=tenant_id, dataset=key, opened_by=actor, opened_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    audit.record(session, action="publication.dataset.open", entity_type="publication_tenant_dataset",
                 entity_id=row.id, tenant_id=tenant_id, after={"dataset": key}, actor=actor)
    return row


def close_tenant_dataset(session: Session, tenant_id: int, key: str, *, actor: str) -> None:
    """Close one dataset family of a tenant (the catalogue and the OGC API stop serving it at once)."""
    _check_key(key, tenant_dataset_keys())
    row = session.scalar(select(TenantDataset).where(TenantDataset.tenant_id == tenant_id,
                                                     TenantDataset.dataset == key))
    if row is None:
        raise NotFound(f"Dataset {key!r} is not open for this tenant.")
    before = {"dataset": key, "opened_at": row.opened_at, "opened_by": row.opened_by}
    session.delete(row)
    session.flush()
    audit.record(session, action="publication.dataset.close", entity_type="publication_tenant_dataset",
                 entity_id=row.id, tenant_id=tenant_id, before=before, actor=actor)


def open_region_dataset(session: Session, key: str, *, actor: str) -> RegionDataset:
    """Open one regional dataset family."""
    _check_key(key, region_dataset_keys())
    row = session.scalar(select(RegionDataset).where(RegionDataset.dataset == key))
    if row is not None:
        return row
    row = RegionDataset(dataset=key, opened_by=actor, opened_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    audit.record(session, action="publication.dataset.open", entity_type="publication_region_dataset",
                 entity_id=row.id, after={"dataset": key}, actor=actor)
    return row


def close_region_dataset(session: Session, key: str, *, actor: str) -> None:
    _check_key(key, region_dataset_keys())
    row = found(session.scalar(select(RegionDataset).where(RegionDataset.dataset == key)),
                f"Regional dataset {key!r} is not open.")
    before = {"dataset": key, "opened_at": row.opened_at, "opened_by": row.opened_by}
    session.delete(row)
    session.flush()
    audit.record(session, action="publication.dataset.close", entity_type="publication_region_dataset",
                 entity_id=row.id, before=before, actor=actor)


def set_ipa_code(session: Session, tenant_id: int, ipa_code: str | None, *, actor: str) -> TenantPublication:
    """Record the municipality's IPA code, used as the publisher's identifier in the catalogue."""
    code = (ipa_code or "").strip().lower() or None
    if code is not None and not IPA_CODE.match(code):
        message = "an IPA code is 2-20 lowercase letters, digits or underscores (e.g. c_d612)"
        raise Unprocessable(message, errors={"ipa_code": [message]})
    row = session.scalar(select(TenantPublication).where(TenantPublication.tenant_id == tenant_id))
    before = None
    if row is None:
        row = TenantPublication(tenant_id=tenant_id, ipa_code=code, updated_by=actor, updated_at=datetime.now(UTC))
        session.add(row)
    else:
        before = {"ipa_code": row.ipa_code}
        row.ipa_code, row.updated_by, row.updated_at = code, actor, datetime.now(UTC)
    session.flush()
    audit.record(session, action="publication.ipa_code.set", entity_type="publication_tenant_profile",
                 entity_id=row.id, tenant_id=tenant_id, before=before, after={"ipa_code": code}, actor=actor)
    return row


def tenant_settings(session: Session, tenant_id: int) -> dict:
    """What the secretariat has opened for a tenant, since when, and whether its census gates are passed."""
    rows = session.scalars(select(TenantDataset).where(TenantDataset.tenant_id == tenant_id)
                           .order_by(TenantDataset.dataset)).all()
    profile = session.scalar(select(TenantPublication).where(TenantPublication.tenant_id == tenant_id))
    standing = census_standing(session, tenant_id)
    opened = {row.dataset: row for row in rows}
    return {
        "ipa_code": profile.ipa_code if profile else None,
        "census": standing,
        "datasets": [{"dataset": key, "open": key in opened,
                      "opened_at": opened[key].opened_at if key in opened else None,
                      "opened_by": opened[key].opened_by if key in opened else None,
                      "census_accepted": standing[gate_of(key)]}
                     for key in tenant_dataset_keys()],
    }


def region_settings(session: Session) -> list[dict]:
    opened = {row.dataset: row for row in session.scalars(select(RegionDataset))}
    return [{"dataset": key, "open": key in opened,
             "opened_at": opened[key].opened_at if key in opened else None,
             "opened_by": opened[key].opened_by if key in opened else None}
            for key in region_dataset_keys()]
