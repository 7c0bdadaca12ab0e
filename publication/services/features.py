"""OGC API - Features over the network cadastre: collections per tenant and inventory kind, items with
bbox, datetime, limit and offset, GeoJSON in CRS84 or in one of the Italian CRSs (Part 2).

Who sees a collection: anybody when the secretariat has opened it (and the tenant's network census stands
accepted); with a bearer token, also the tenants of the caller (all of them for the regional roles). Assets
are read in the scope of exactly the collection's tenant, so row-level security still guards every row.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from pyproj import CRS, Transformer
from smartregion import tenancy
from smartregion.errors import BadRequest, NotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from publication.services.datasets import CADASTRE, open_tenant_keys

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
# WGS84 (longitude first as CRS84, and EPSG 4326 in its own latitude-first order), Monte Mario / Italy
# zone 1 (Gauss-Boaga), RDN2008 / UTM 32N and ETRS89 / UTM 32N: the systems Italian GIS offices use.
SUPPORTED_CRS = (CRS84, EPSG.format(4326), EPSG.format(3003), EPSG.format(6707), EPSG.format(25832))
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
DATE_PART = re.compile(r"^(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$")


class OgcError(BadRequest):
    """A bad request in the OGC API; carries the OGC exception code."""

    def __init__(self, detail: str, *, code: str = "InvalidParameterValue", parameter: str | None = None):
        super().__init__(detail, errors={parameter: [detail]} if parameter else None)
        self.code = code


@dataclass(frozen=True)
class Viewer:
    """Who asks: anonymous, a tenant's user, or a regional role."""

    regional: bool = False
    tenant_slugs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Collection:
    id: str
    tenant_id: int
    tenant_slug: str
    tenant_name: str
    kind: str
    assets: int
    bbox: list[float]
    installed: list[str] | None
    open: bool
    categories: list[str]


@lru_cache(maxsize=16)
def _to_crs(uri: str) -> Transformer | None:
    if uri == CRS84:
        return None
    return Transformer.from_crs(CRS.from_user_input("OGC:CRS84"), CRS.from_epsg(int(uri.rsplit("/", 1)[1])))


@lru_cache(maxsize=16)
def _from_crs(uri: str) -> Transformer | None:
    if uri == CRS84:
        return None
    return Transformer.from_crs(CRS.from_epsg(int(uri.rsplit("/", 1)[1])), CRS.from_user_input("OGC:CRS84"))


def check_crs(value: str | None, parameter: str) -> str:
    if value is None or value == "":
        return CRS84
    value = value.strip().strip("[]")
    if value.upper() in ("EPSG:4326", "EPSG:3003", "EPSG:6707", "EPSG:25832"):
        value = EPSG.format(value.split(":")[1])
    if value not in SUPPORTED_CRS:
        raise OgcError(f"{parameter} {value!r} is not supported; use one of {', '.join(SUPPORTED_CRS)}",
                       parameter=parameter)
    return value


def parse_bbox(raw: str | None, bbox_crs: str) -> tuple[float, float, float, float] | None:
    """The bbox as WGS84 lon/lat (minx, miny, maxx, maxy); refuses malformed, inverted or out-of-range boxes."""
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise OgcError("bbox takes 4 numbers (minx,miny,maxx,maxy) or 6 with heights", parameter="bbox")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise OgcError(f"bbox {raw!r} is not a list of numbers", parameter="bbox") from None
    if not all(math.isfinite(n) for n in numbers):
        raise OgcError("bbox numbers must be finite", parameter="bbox")
    x0, y0, x1, y1 = (numbers[0], numbers[1], numbers[3], numbers[4]) if len(numbers) == 6 else numbers
    if bbox_crs == EPSG.format(4326):  # latitude first in EPSG 4326
        x0, y0, x1, y1 = y0, x0, y1, x1
    if x0 > x1 or y0 > y1:
        raise OgcError("bbox is inverted: the lower corner must come first (minx,miny,maxx,maxy); boxes "
                       "across the antimeridian are not served", parameter="bbox")
    if bbox_crs in (CRS84, EPSG.format(4326)):
        if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
            raise OgcError("bbox is out of range: longitudes lie in [-180, 180] and latitudes in [-90, 90]",
                           parameter="bbox")
        return x0, y0, x1, y1
    transformer = _from_crs(bbox_crs)
    bounds = transformer.transform_bounds(x0, y0, x1, y1, densify_pts=21)
    if not all(math.isfinite(b) for b in bounds):
        raise OgcError(f"bbox is out of range for {bbox_crs}", parameter="bbox")
    return bounds


def parse_datetime(raw: str | None) -> tuple[date | None, date | None] | None:
    """An instant or an interval (``a/b``, ``../b``, ``a/..``) as an inclusive date range."""
    if raw is None:
        return None

    def one(value: str, end: bool) -> date | None:
        if value in ("..", ""):
            return None
        match = DATE_PART.match(value)
        if not match:
            raise OgcError(f"datetime {raw!r} is not RFC 3339 (2019-05-14, 2019-05-14T00:00:00Z or an "
                           "interval start/end with '..' for an open end)", parameter="datetime")
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            raise OgcError(f"datetime {raw!r} is not a real date", parameter="datetime") from None

    if "/" in raw:
        start_raw, _, end_raw = raw.partition("/")
        start, end = one(start_raw, False), one(end_raw, True)
        if start is None and end is None:
            raise OgcError("datetime '../..' bounds nothing", parameter="datetime")
        if start and end and start > end:
            raise OgcError("datetime interval ends before it starts", parameter="datetime")
        return start, end
    instant = one(raw, False)
    return instant, instant


def collections(session: Session, viewer: Viewer) -> list[Collection]:
    """The collections this viewer may read, in tenant and kind order."""
    from smartregion.registry import Tenant

    from census.services import features

    with tenancy.regional_scope():
        open_keys = open_tenant_keys(session)
        tenants = {t.id: t for t in session.scalars(select(Tenant))}
        visible = [t.id for t in tenants.values()
                   if t.id in open_keys or viewer.regional or t.slug in viewer.tenant_slugs]
        summaries = features.kinds_summary(session, visible) if visible else []
    result = []
    for summary in summaries:
        tenant = tenants[summary["tenant_id"]]
        is_open = CADASTRE + summary["kind"] in open_keys.get(tenant.id, {})
        if not (is_open or viewer.regional or tenant.slug in viewer.tenant_slugs):
            continue
        result.append(Collection(f"{tenant.slug}-{summary['kind']}", tenant.id, tenant.slug, tenant.name,
                                 summary["kind"], summary["assets"], _extent(session, tenant.id, summary),
                                 summary["installed"], is_open, summary["categories"]))
    return sorted(result, key=lambda c: c.id)


def _extent(session: Session, tenant_id: int, summary: dict) -> list[float]:
    """The extent of a kind: its points', or for a line kind the envelope of every vertex."""
    from census.services import KINDS, features

    spec = KINDS.get(summary["kind"])
    if spec is None or spec.geometry != "line":
        return summary["bbox"]
    with tenancy.tenant_context(tenant_id):
        return features.line_extent(session, tenant_id, summary["kind"]) or summary["bbox"]


def resolve(session: Session, viewer: Viewer, collection_id: str) -> Collection:
    """A collection by id without its extent (what an items request needs), or 404 whether it does not
    exist or is not open to this viewer; costs a few indexed lookups, not a pass over the cadastre."""
    from smartregion.registry import Tenant

    from census.services import KINDS, features

    kind = next((k for k in sorted(KINDS, key=len, reverse=True) if collection_id.endswith("-" + k)), None)
    slug = collection_id[: -len(kind) - 1] if kind else None
    with tenancy.regional_scope():
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
        is_open = tenant is not None and CADASTRE + kind in open_tenant_keys(session, [tenant.id]).get(tenant.id, {})
    if tenant is None or not (is_open or viewer.regional or tenant.slug in viewer.tenant_slugs):
        raise NotFound(f"Collection {collection_id!r} not found.")
    with tenancy.tenant_context(tenant.id):
        if not features.count(session, features.AssetQuery(tenant.id, kind), at_least_one=True):
            raise NotFound(f"Collection {collection_id!r} not found.")
    return Collection(collection_id, tenant.id, tenant.slug, tenant.name, kind, 0, [], None, is_open, [])


def collection(session: Session, viewer: Viewer, collection_id: str) -> Collection:
    """One collection with its extent, or 404 whether it does not exist or is not open to this viewer."""
    from census.services import features

    item = resolve(session, viewer, collection_id)
    with tenancy.tenant_context(item.tenant_id):
        summary = next(s for s in features.kinds_summary(session, [item.tenant_id], kind=item.kind))
    return Collection(item.id, item.tenant_id, item.tenant_slug, item.tenant_name, item.kind, summary["assets"],
                      _extent(session, item.tenant_id, summary), summary["installed"], item.open,
                      summary["categories"])


def _is_line_kind(kind: str) -> bool:
    from census.services import KINDS

    spec = KINDS.get(kind)
    return spec is None or spec.geometry != "point"


def has_time(item: Collection) -> bool:
    from census.services import KINDS

    spec = KINDS.get(item.kind)
    return bool(spec and spec.field("installed_on"))


def items(session: Session, item: Collection, *, bbox, when, limit: int, offset: int, crs: str,
          category: str | None = None) -> dict:
    """A page of features of a collection, with numberMatched and numberReturned."""
    from census.services import features

    if when is not None and not has_time(item):
        raise OgcError(f"collection {item.id!r} has no time: its assets carry no installation date",
                       parameter="datetime")
    query = features.AssetQuery(item.tenant_id, item.kind, bbox=bbox,
                                installed_from=when[0] if when else None, installed_to=when[1] if when else None,
                                category=category, lines=_is_line_kind(item.kind))
    with tenancy.tenant_context(item.tenant_id):
        matched = features.count(session, query)
        if offset > 0 and offset >= matched:
            raise NotFound(f"offset {offset} is beyond the end: {matched} features match.")
        rows = features.page(session, query, limit=limit, offset=offset)
    return {"matched": matched, "features": [feature(row, crs) for row in rows]}


def one_feature(session: Session, item: Collection, feature_id: str, crs: str) -> dict:
    from census.services import features

    with tenancy.tenant_context(item.tenant_id):
        row = features.one(session, item.tenant_id, item.kind, feature_id)
    if row is None:
        raise NotFound(f"Feature {feature_id!r} not found in {item.id!r}.")
    return feature(row, crs)


def feature(row: dict, crs: str) -> dict:
    """A GeoJSON feature of an asset, its geometry in the CRS asked for."""
    properties = {"asset_id": row["asset_id"], "kind": row["kind"], "category": row["category"],
                  "operator": row["operator"], "length_m": row["length_m"], **row["attributes"],
                  "updated_at": row["updated_at"].isoformat() if isinstance(row["updated_at"], datetime) else None}
    return {"type": "Feature", "id": row["asset_id"], "geometry": transform(row["geometry"], crs),
            "properties": properties}


def transform(geometry: dict, crs: str) -> dict:
    transformer = _to_crs(crs)
    if transformer is None:
        return geometry

    def convert(coordinates):
        if coordinates and isinstance(coordinates[0], (int, float)):
            x, y = transformer.transform(coordinates[0], coordinates[1])
            return [round(x, 8 if crs.endswith("/4326") else 3), round(y, 8 if crs.endswith("/4326") else 3)]
        return [convert(part) for part in coordinates]

    return {"type": geometry["type"], "coordinates": convert(geometry["coordinates"])}
