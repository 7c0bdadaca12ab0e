"""Domain errors and their RFC 9457 problem+json rendering, for the API and the pages alike."""

from __future__ import annotations

import logging
from typing import TypeVar

import psycopg
from flask import Flask, Response, json, render_template, request
from smartregion.tenancy import NoTenantContext
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
T = TypeVar("T")


class DomainError(Exception):
    """An error a user can act on. Subclasses fix the HTTP status."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str | None = None, *, errors: dict | None = None, headers: dict | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}
        self.headers = headers or {}


class BadRequest(DomainError):
    status, title = 400, "Bad request"


class Unauthorized(DomainError):
    status, title = 401, "Authentication required"

    def __init__(self, detail: str | None = None, *, error: str | None = "invalid_token", **kwargs):
        super().__init__(detail, **kwargs)
        value = "Bearer" if error is None else f'Bearer error="{error}"'
        if error and detail:
            value += f', error_description="{detail.replace(chr(34), chr(39))}"'
        self.headers.setdefault("WWW-Authenticate", value)


class Forbidden(DomainError):
    status, title = 403, "Forbidden"


class NotFound(DomainError):
    status, title = 404, "Not found"


class Conflict(DomainError):
    status, title = 409, "Conflict"


class PreconditionFailed(DomainError):
    status, title = 412, "Precondition failed"


class PayloadTooLarge(DomainError):
    status, title = 413, "Payload too large"


class Unprocessable(DomainError):
    status, title = 422, "Unprocessable content"


class PreconditionRequired(DomainError):
    status, title = 428, "Precondition required"


class ServiceUnavailable(DomainError):
    status, title = 503, "Service unavailable"


def found(value: T | None, message: str) -> T:
    """The value looked up, or a 404 saying what is missing (``found(session.scalar(q), "Feed 7 not found.")``)."""
    if value is None:
        raise NotFound(message)
    return value


def get_or_404(session, model: type[T], ident, message: str) -> T:
    """The row of ``model`` with this primary key, or a 404 with ``message``."""
    return found(session.get(model, ident), message)


def problem(status: int, title: str, detail: str | None = None, errors: dict | None = None,
            headers: dict | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if request:
        body["instance"] = request.path
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def wants_html() -> bool:
    if request.path.startswith(("/api/", "/realms/", "/admin/", "/healthz")):
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best == "text/html"


def render(status: int, title: str, detail: str | None = None, errors: dict | None = None,
           headers: dict | None = None) -> Response:
    if wants_html():
        from smartregion.web import error_explanation

        html = render_template("error.html", status=status, title=title, errors=errors or {},
                               **error_explanation(status, detail))
        response = Response(html, status=status, mimetype="text/html")
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response
    return problem(status, title, detail, errors, headers)


def field_map(messages) -> dict:
    """Flatten webargs/marshmallow messages ({"json": {"field": [...]}}) into {"field": [...]}."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files", "headers", "view_args"}:
        flat: dict = {}
        for location_messages in messages.values():
            if isinstance(location_messages, dict):
                flat.update(location_messages)
            else:
                flat.setdefault("_schema", []).extend(location_messages)
        return flat
    return messages if isinstance(messages, dict) else {"_schema": messages}


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        return render(error.status, error.title, error.detail, error.errors, error.headers)

    @app.errorhandler(NoTenantContext)
    def _no_tenant(error: NoTenantContext):
        log.error("tenant context missing: %s", error)
        return render(500, "Internal server error", "The request was refused to protect tenant data.")

    @app.errorhandler(IntegrityError)
    def _integrity(error: IntegrityError):
        constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        return render(409, "Conflict", f"The change conflicts with existing data ({constraint or 'constraint'}).")

    @app.errorhandler(DataError)
    @app.errorhandler(psycopg.DataError)
    def _data(error: Exception):
        # PostgreSQL refused a value (an identifier beyond BIGINT, say): the request is at fault.
        return render(400, "Bad request", "A value in the request is out of range or of the wrong type.")

    @app.errorhandler(OperationalError)
    @app.errorhandler(psycopg.OperationalError)
    def _database_unavailable(error: Exception):
        # The database went away (restarted, failed over): the pool reconnects; the client may retry.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
        return render(503, "Service unavailable", "The database is not reachable right now; retry in a moment.",
                      headers={"Retry-After": "5"})

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        data = getattr(error, "data", None) or {}
        errors = field_map(data["messages"]) if "messages" in data else None
        detail = error.description
        if error.code == 400 and errors:
            detail = "The request does not match the expected schema."
        elif error.code == 400 and "json" in (detail or "").lower():
            detail = "The request body is not valid JSON."
        headers = dict(data.get("headers") or {})
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        return render(error.code or 500, error.name, detail, errors, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render(500, "Internal server error", "An unexpected error occurred; it has been logged.")
