"""OGC API - Features at /ogcapi: landing page, conformance, API definition, collections and items.

Anonymous clients read the collections the secretariat opened; a bearer token adds the caller's own tenants
(every tenant for the secretariat and auditors). Errors are problem+json carrying the OGC exception members.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, json, request
from smartregion import auth
from smartregion.db import get_session

from publication.open import record_read, register_errors
from publication.services import features
from publication.services.features import CRS84, SUPPORTED_CRS, OgcError, Viewer

bp = Blueprint("publication_ogcapi", __name__, url_prefix="/ogcapi")
register_errors(bp)
bp.after_request(record_read)

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
ITEM_PARAMETERS = {"limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f", "category"}


def _base() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/ogcapi"


def _json(body: dict, media_type: str = JSON, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), mimetype=media_type, headers=headers or {})


def _check_f(allowed: tuple[str, ...] = ("json",)) -> None:
    value = request.args.get("f")
    if value is not None and value not in allowed:
        raise OgcError(f"f={value!r} is not offered here; use {' or '.join(allowed)}", parameter="f")


def _viewer() -> Viewer:
    user = auth.current_user()
    if user is None:
        return Viewer()
    return Viewer(regional=user.is_regional, tenant_slugs=user.tenant_slugs)


@bp.get("")
@bp.get("/")
def landing():
    """The landing page: links to the API definition, the conformance classes and the collections."""
    _check_f()
    base = _base()
    return _json({
        "title": "smartregion OGC API - Features",
        "description": "Network cadastre of the smart-city protocol (L.R. 48/2015, SINFI), per municipality and "
                       "inventory kind.",
        "links": [
            {"href": base, "rel": "self", "type": JSON, "title": "This document"},
            {"href": f"{base}/api", "rel": "service-desc", "type": OPENAPI, "title": "The API definition"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": JSON, "title": "Conformance classes"},
            {"href": f"{base}/collections", "rel": "data", "type": JSON, "title": "Collections"},
            {"href": current_app.config["PUBLIC_URL"].rstrip("/") + "/catalog", "rel": "describedby",
             "type": "text/turtle", "title": "DCAT-AP_IT catalogue"},
            {"href": current_app.config["PUBLICATION_LICENSE_URL"], "rel": "license", "type": "text/html",
             "title": current_app.config["PUBLICATION_LICENSE_TITLE"]},
        ],
    })


@bp.get("/conformance")
def conformance():
    _check_f()
    return _json({"conformsTo": features.CONFORMANCE})


@bp.get("/api")
def definition():
    """The API definition (OpenAPI 3.0)."""
    from publication.openapi import document

    return _json(document(_base(), current_app.config["OGCAPI_MAX_LIMIT"]), OPENAPI)


def _collection_body(item: features.Collection) -> dict:
    base = _base()
    body = {
        "id": item.id,
        "title": f"{item.tenant_name}: {item.kind}",
        "description": f"Assets of kind {item.kind} in the network cadastre of {item.tenant_name}.",
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [item.bbox], "crs": CRS84}},
        "crs": list(SUPPORTED_CRS),
        "storageCrs": CRS84,
        "links": [
            {"href": f"{base}/collections/{item.id}", "rel": "self", "type": JSON},
            {"href": f"{base}/collections/{item.id}/items", "rel": "items", "type": GEOJSON},
            {"href": current_app.config["PUBLICATION_LICENSE_URL"], "rel": "license", "type": "text/html"},
        ],
    }
    if item.installed and features.has_time(item):
        first, last = item.installed
        body["extent"]["temporal"] = {"interval": [[f"{first}T00:00:00Z", f"{last}T00:00:00Z"]],
                                      "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return body


@bp.get("/collections")
def collections():
    _check_f()
    items = features.collections(get_session(), _viewer())
    base = _base()
    return _json({
        "links": [{"href": f"{base}/collections", "rel": "self", "type": JSON}],
        "collections": [_collection_body(item) for item in items],
        "crs": list(SUPPORTED_CRS),
    })


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    _check_f()
    return _json(_collection_body(features.collection(get_session(), _viewer(), collection_id)))


def _integer(name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise OgcError(f"{name} {raw!r} is not a whole number", parameter=name) from None
    if value < minimum:
        raise OgcError(f"{name} must be at least {minimum}", parameter=name)
    if maximum is not None and value > maximum:
        raise OgcError(f"{name} {value} is above the maximum of {maximum}", parameter=name)
    return value


def _item_arguments() -> dict:
    """The items' query parameters checked: an unknown one, a wrong value or CRS is a 400 naming it."""
    unknown = sorted(set(request.args) - ITEM_PARAMETERS)
    if unknown:
        raise OgcError(f"unknown query parameter(s): {', '.join(unknown)}; use {', '.join(sorted(ITEM_PARAMETERS))}",
                       parameter=unknown[0])
    _check_f(("json", "geojson"))
    config = current_app.config
    return {"limit": _integer("limit", config["OGCAPI_DEFAULT_LIMIT"], 1, config["OGCAPI_MAX_LIMIT"]),
            "offset": _integer("offset", 0, 0), "crs": features.check_crs(request.args.get("crs"), "crs"),
            "bbox": features.parse_bbox(request.args.get("bbox"),
                                        features.check_crs(request.args.get("bbox-crs"), "bbox-crs")),
            "when": features.parse_datetime(request.args.get("datetime")), "category": request.args.get("category")}


def _item_links(collection_id: str, limit: int, offset: int, matched: int) -> list[dict]:
    """The page's own link, its collection's, and the next and previous pages' where there are."""
    url = f"{_base()}/collections/{collection_id}/items"
    kept = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}

    def link(rel: str, at: int) -> dict:
        return {"href": f"{url}?{urlencode({**kept, 'limit': limit, 'offset': at})}", "rel": rel, "type": GEOJSON}

    links = [link("self", offset), {"href": f"{_base()}/collections/{collection_id}", "rel": "collection",
                                    "type": JSON}]
    if offset + limit < matched:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    return links


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """A page of features: bbox, datetime, limit, offset, crs and bbox-crs; next/prev links for paging."""
    arguments = _item_arguments()
    session = get_session()
    page = features.items(session, features.resolve(session, _viewer(), collection_id), **arguments)
    links = _item_links(collection_id, arguments["limit"], arguments["offset"], page["matched"])
    crs = arguments["crs"]
    body = {"type": "FeatureCollection", "features": page["features"], "links": links,
            "numberMatched": page["matched"], "numberReturned": len(page["features"]),
            "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}
    return _json(body, GEOJSON, {"Content-Crs": f"<{crs}>"})


@bp.get("/collections/<collection_id>/items/<feature_id>")
def feature(collection_id: str, feature_id: str):
    _check_f(("json", "geojson"))
    crs = features.check_crs(request.args.get("crs"), "crs")
    session = get_session()
    item = features.resolve(session, _viewer(), collection_id)
    body = features.one_feature(session, item, feature_id, crs)
    body["links"] = [
        {"href": f"{_base()}/collections/{collection_id}/items/{feature_id}", "rel": "self", "type": GEOJSON},
        {"href": f"{_base()}/collections/{collection_id}", "rel": "collection", "type": JSON},
    ]
    return _json(body, GEOJSON, {"Content-Crs": f"<{crs}>"})
