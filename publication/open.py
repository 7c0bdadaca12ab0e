"""The catalogue (``/catalog``) and the open files (``/open-data/...``): anonymous, for harvesters and people.

Errors are problem+json whatever the client accepts: a harvester reads them, and the OGC API's exception
members (``code``, ``description``) ride along so that GIS clients show the reason too.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, json, request
from smartregion import tenancy
from smartregion.db import get_session
from smartregion.errors import PROBLEM_JSON, BadRequest, DomainError, NotFound
from smartregion.web.downloads import attachment, streamed
from werkzeug.exceptions import HTTPException

from publication import services

bp = Blueprint("publication_open", __name__)

SUFFIXES = {"ttl": "turtle", "rdf": "rdfxml", "jsonld": "jsonld"}
FORMAT_WORDS = {"ttl": "turtle", "turtle": "turtle", "rdf": "rdfxml", "xml": "rdfxml", "rdfxml": "rdfxml",
                "jsonld": "jsonld", "json-ld": "jsonld"}
MEDIA_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/rdf+xml": "rdfxml",
               "application/ld+json": "jsonld", "application/json": "jsonld"}
DOWNLOAD_SUFFIXES = {"csv": "csv", "xlsx": "xlsx", "geojson": "geojson", "ngsi-ld.json": "ngsi-ld"}


def problem_response(status: int, title: str, detail: str, errors: dict | None = None,
                     code: str | None = None, headers: dict | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": request.path,
            "code": code or title.replace(" ", ""), "description": detail}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_errors(blueprint: Blueprint) -> None:
    @blueprint.errorhandler(DomainError)
    def _domain(error: DomainError):
        return problem_response(error.status, error.title, error.detail, error.errors,
                                getattr(error, "code", None), error.headers)

    @blueprint.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return problem_response(error.code or 500, error.name, error.description or error.name)


def record_read(response: Response) -> Response:
    """Count a successful read by its client (the secretariat's page shows the harvesters)."""
    if response.status_code < 400 and request.method == "GET":
        with tenancy.regional_scope():
            services.record_harvest(get_session(), request.headers.get("User-Agent"), request.full_path.rstrip("?"))
    return response


register_errors(bp)
bp.after_request(record_read)


def _page() -> int:
    raw = request.args.get("page", "1")
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"page {raw!r} is not a number.", errors={"page": ["page must be a whole number"]}) \
            from None


def _negotiated() -> str:
    if "format" in request.args:
        chosen = FORMAT_WORDS.get(request.args["format"].lower())
        if chosen is None:
            message = f"unknown format {request.args['format']!r}; use ttl, rdf or jsonld"
            raise BadRequest(message, errors={"format": [message]})
        return chosen
    accept = request.accept_mimetypes
    if not accept or accept.best in ("*/*", "text/html", "application/xhtml+xml", "text/*"):
        return "turtle"
    best = accept.best_match(list(MEDIA_TYPES))
    if best is None:
        return _not_acceptable()
    return MEDIA_TYPES[best]


class NotAcceptable(DomainError):
    status, title = 406, "Not acceptable"


def _not_acceptable():
    raise NotAcceptable("The catalogue is served as text/turtle, application/rdf+xml or application/ld+json.")


def _catalog(serialization: str) -> Response:
    body = services.catalog_document(get_session(), serialization, _page(), current_app.config["CATALOG_PAGE_SIZE"])
    media_type = services.SERIALIZATIONS[serialization][1]
    response = Response(body, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/catalog")
def catalog():
    """The DCAT-AP_IT catalogue, in the serialization the client accepts (Turtle by default)."""
    return _catalog(_negotiated())


@bp.get("/catalog.<suffix>")
def catalog_file(suffix: str):
    """The catalogue as /catalog.ttl, /catalog.rdf or /catalog.jsonld."""
    if suffix not in SUFFIXES:
        raise NotFound(f"No catalogue in {suffix!r}: use /catalog.ttl, /catalog.rdf or /catalog.jsonld.")
    return _catalog(SUFFIXES[suffix])



@bp.get("/open-data/<path:path>")
def download(path: str):
    """A distribution of an open dataset: /open-data/<tenant>/cadastre/<category>.geojson and the like."""
    suffix = next((s for s in DOWNLOAD_SUFFIXES if path.endswith("." + s)), None)
    if suffix is None:
        raise NotFound(f"Unknown file type in {path!r}: use .csv, .xlsx, .geojson or .ngsi-ld.json.")
    file = services.open_file(get_session(), path[: -len(suffix) - 1], DOWNLOAD_SUFFIXES[suffix])
    chunks = streamed(file.tenant_id, file.stream) if file.stream else file.chunks
    return attachment(chunks, file.media_type, file.filename)
