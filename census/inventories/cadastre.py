"""The tenant's network cadastre (catasto delle reti, L.R. 48/2015): summaries, exports, sharing.

Sharing follows the cadastre law: a tenant sees the shared regional layers beyond its own territory
only once the secretariat has accepted its own network census.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from flask_babel import lazy_pgettext
from smartregion import audit, tenancy
from smartregion.cache import VersionedCache, tenant_data_version
from smartregion.db import apply_scope
from smartregion.errors import Forbidden, Unprocessable
from smartregion.i18n import in_both
from sqlalchemy import Numeric, func, select, text
from sqlalchemy.orm import Session

from .kinds import KINDS, NETWORKS
from .models import CensusReviewStatus, InventoryAsset, NetworkCensusReview
from .pipeline import neutralise

# A category's name is not its kind's ("Urban trees" are «Alberi» here, «Alberi (catasto degli alberi)» as a kind).
CATEGORY_LABELS = {
    "public-lighting": lazy_pgettext("cadastre category", "Public lighting"),
    "sensors": lazy_pgettext("cadastre category", "Sensors"),
    "broadband": lazy_pgettext("cadastre category", "Broadband coverage"),
    "water": lazy_pgettext("cadastre category", "Water supply"),
    "sewer": lazy_pgettext("cadastre category", "Sewerage"),
    "gas": lazy_pgettext("cadastre category", "Gas distribution"),
    "electricity": lazy_pgettext("cadastre category", "Electricity distribution"),
    "district-heating": lazy_pgettext("cadastre category", "District heating"),
    "telecom": lazy_pgettext("cadastre category", "Telecommunications"),
    "urban-trees": lazy_pgettext("cadastre category", "Urban trees"),
    "ev-charging": lazy_pgettext("cadastre category", "EV charging points"),
    "transit-stops": lazy_pgettext("cadastre category", "Public transport stops"),
}
CATEGORIES = tuple(dict.fromkeys([*CATEGORY_LABELS, *NETWORKS.values()]))


def category_names() -> dict[str, str]:
    """Every category's name in the page's language."""
    return {category: str(label) for category, label in CATEGORY_LABELS.items()}


def check_category(category: str | None) -> None:
    if category is not None and category not in CATEGORIES:
        message = f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}"
        raise Unprocessable(message, errors={"category": [message]})


# Summaries by tenant, each kept until the tenant's next audited write: every batch of an inventory
# import, every review and every upload is audited in its own transaction.
_SUMMARIES = VersionedCache(size=512)


def summary_cached(session: Session, tenant_id: int) -> dict:
    """``summary``, computed again only after the tenant's data changed; callers must not alter it."""
    return _SUMMARIES.get_or_build(tenant_id, tenant_data_version(session, tenant_id),
                                   lambda: summary(session, tenant_id))


def summary(session: Session, tenant_id: int) -> dict:
    """Per category: kilometres of network, number of assets, operators; broadband coverage units."""
    rows = session.execute(
        select(InventoryAsset.category, InventoryAsset.kind, func.count(),
               func.coalesce(func.sum(InventoryAsset.length_m), 0),
               func.array_remove(func.array_agg(func.distinct(InventoryAsset.operator)), None))
        .where(InventoryAsset.tenant_id == tenant_id)
        .group_by(InventoryAsset.category, InventoryAsset.kind)
        .order_by(InventoryAsset.category, InventoryAsset.kind)).all()
    categories = []
    for category, kind, count, metres, operators in rows:
        it, en = in_both(CATEGORY_LABELS[category]) if category in CATEGORY_LABELS else (category, category)
        categories.append({"category": category, "kind": kind, "label_en": en, "label_it": it, "assets": count,
                           "km": round(float(metres) / 1000, 3), "operators": sorted(operators or [])})
    units = InventoryAsset.attributes
    coverage_rows = session.execute(
        select(units["technology"].astext, func.count(),
               func.coalesce(func.sum(units["housing_units"].astext.cast(Numeric)), 0),
               func.max(units["download_mbps"].astext.cast(Numeric)))
        .where(InventoryAsset.tenant_id == tenant_id, InventoryAsset.kind == "broadband-coverage")
        .group_by(text("1")).order_by(text("1"))).all()
    coverage = [{"technology": t, "units": n, "housing_units": int(h), "max_download_mbps": float(m or 0)}
                for t, n, h, m in coverage_rows]
    return {"categories": categories, "coverage": coverage,
            "review": review_status(session, tenant_id)}


def assets_query(tenant_id: int, category: str | None = None):
    """The tenant's assets in the order they were first stored (the key's order: one index range)."""
    statement = (select(InventoryAsset).where(InventoryAsset.tenant_id == tenant_id)
                 .order_by(InventoryAsset.tenant_id, InventoryAsset.id))
    if category is not None:
        statement = statement.where(InventoryAsset.category == category)
    return statement


def _assets(session: Session, statement) -> Iterator[InventoryAsset]:
    yield from session.scalars(statement.execution_options(yield_per=2000))


def _statement(tenant_id: int | None, category: str | None, *, exclude_tenant: bool = False):
    statement = select(InventoryAsset)
    if tenant_id is not None:
        statement = statement.where(InventoryAsset.tenant_id != tenant_id if exclude_tenant
                                    else InventoryAsset.tenant_id == tenant_id)
    if category:
        statement = statement.where(InventoryAsset.category == category)
    return statement.order_by(InventoryAsset.tenant_id, InventoryAsset.kind, InventoryAsset.asset_id)


def _feature(asset: InventoryAsset, *, with_tenant: bool = False) -> dict:
    geometry = asset.geometry or {"type": "Point", "coordinates": [asset.longitude, asset.latitude]}
    properties = {"kind": asset.kind, "category": asset.category, "operator": asset.operator,
                  "length_m": asset.length_m, **(asset.attributes or {})}
    if with_tenant:
        properties["tenant_id"] = asset.tenant_id
    return {"type": "Feature", "id": asset.asset_id, "geometry": geometry, "properties": properties}


def sample_statement(tenant_id: int, category: str | None, limit: int):
    """At most ``limit`` assets spread over the whole cadastre (ordered by a hash of their ids, not by id, so
    that a map of the sample covers the territory instead of the first streets in alphabetical order)."""
    return (select(InventoryAsset)
            .where(InventoryAsset.tenant_id == tenant_id,
                   *([InventoryAsset.category == category] if category else []))
            .order_by(func.md5(InventoryAsset.kind + ":" + InventoryAsset.asset_id))
            .limit(limit))


def geojson_chunks(session: Session, tenant_id: int, category: str | None = None, *,
                   limit: int | None = None) -> Iterator[str]:
    """The tenant's cadastre as a GeoJSON FeatureCollection (WGS84), streamed; with ``limit``, an even
    sample of at most that many assets."""
    check_category(category)
    statement = _statement(tenant_id, category) if limit is None else sample_statement(tenant_id, category, limit)
    yield '{"type":"FeatureCollection","features":['
    first = True
    for asset in _assets(session, statement):
        yield ("" if first else ",") + json.dumps(_feature(asset), ensure_ascii=False)
        first = False
    yield "]}"


def csv_chunks(session: Session, tenant_id: int, category: str | None = None) -> Iterator[str]:
    """The tenant's cadastre as CSV, one asset per line, formulas neutralised."""
    check_category(category)
    attribute_names = list(dict.fromkeys(
        f.name for kind in KINDS.values() for f in kind.fields
        if f.name not in ("asset_id", "latitude", "longitude", "x", "y", "wkt", "operator")))
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    stream.write("\ufeff")
    writer.writerow(["kind", "category", "asset_id", "operator", "latitude", "longitude", "length_m",
                     *attribute_names, "geometry_wkt"])
    for count, asset in enumerate(_assets(session, _statement(tenant_id, category)), start=1):
        attributes = asset.attributes or {}
        writer.writerow([asset.kind, asset.category, neutralise(asset.asset_id), neutralise(asset.operator or ""),
                         asset.latitude, asset.longitude, asset.length_m,
                         *[_cell(attributes.get(name)) for name in attribute_names], _wkt(asset.geometry)])
        if count % 2000 == 0:
            yield stream.getvalue()
            stream.seek(0)
            stream.truncate()
    yield stream.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return neutralise(str(value))


def _wkt(geometry: dict | None) -> str:
    if not geometry:
        return ""
    if geometry["type"] == "LineString":
        return "LINESTRING(" + ", ".join(f"{x} {y}" for x, y in geometry["coordinates"]) + ")"
    if geometry["type"] == "MultiLineString":
        parts = ("(" + ", ".join(f"{x} {y}" for x, y in part) + ")" for part in geometry["coordinates"])
        return "MULTILINESTRING(" + ", ".join(parts) + ")"
    return ""


def review_status(session: Session, tenant_id: int) -> dict | None:
    review = session.scalar(select(NetworkCensusReview).where(NetworkCensusReview.tenant_id == tenant_id))
    if review is None:
        return None
    return {"status": review.status, "note": review.note, "decided_by": review.decided_by,
            "decided_at": review.decided_at.isoformat() if review.decided_at else None}


def review_network_census(session: Session, tenant_id: int, *, status: CensusReviewStatus, note: str | None,
                          actor: str) -> NetworkCensusReview:
    """Record the secretariat's decision on a tenant's network census."""
    review = session.scalar(select(NetworkCensusReview).where(NetworkCensusReview.tenant_id == tenant_id))
    before = None
    if review is None:
        review = NetworkCensusReview(tenant_id=tenant_id, status=status, note=note, decided_by=actor,
                                     decided_at=datetime.now(UTC))
        session.add(review)
    else:
        before = {"status": review.status, "note": review.note}
        review.status, review.note, review.decided_by = status, note, actor
        review.decided_at = datetime.now(UTC)
    session.flush()
    audit.record(session, action="census.network.review", entity_type="network_census_review",
                 entity_id=review.id, tenant_id=tenant_id, before=before, after={"status": status, "note": note})
    return review


def shared_layers(session: Session, tenant_id: int, category: str | None = None) -> dict:
    """The regional layers of the other tenants, once this tenant's network census is accepted."""
    check_category(category)
    review = session.scalar(select(NetworkCensusReview).where(NetworkCensusReview.tenant_id == tenant_id))
    if review is None or review.status != CensusReviewStatus.ACCEPTED:
        raise Forbidden("The shared regional layers open once this tenant's own network census is accepted by "
                        "the regional secretariat (L.R. 48/2015).")
    with tenancy.regional_scope():  # the other tenants' rows, opened by the rule checked just above
        apply_scope(session)
        features = [_feature(a, with_tenant=True)
                    for a in _assets(session, _statement(tenant_id, category, exclude_tenant=True))]
    apply_scope(session)
    return {"type": "FeatureCollection", "features": features}
