"""Response headers that keep pages from being framed, sniffed or scripted, and safe redirect targets.

The Content-Security-Policy allows scripts, styles, fonts and images from this site only (plus the
map's tile server and the identity provider a login form may post to); no inline script, handler or
style attribute runs. Stand-alone documents (reports and plan exports meant to be saved) carry their
own stricter policy: no script at all, their embedded stylesheet only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app

# Downloadable HTML documents are self-contained: an embedded stylesheet, no script, nothing fetched.
DOCUMENT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                "form-action 'none'; frame-ancestors 'none'")


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(app: Flask) -> str:
    """The pages' policy, built once from the configuration."""
    config = app.config
    images = ["'self'", "data:"]
    if tiles := _origin((config.get("MAP_TILE_URL") or "").replace("{s}", "a")):
        images.append(tiles.replace("://a.", "://*."))
    # A form that logs out redirects to the identity provider: browsers hold redirects after a form
    # submission to form-action too.
    forms = ["'self'"]
    if idp := _origin(config.get("KEYCLOAK_URL")):
        forms.append(idp)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": forms,
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _set_headers(response: Response) -> Response:
    # Each header is added unless the response set its own: the names present are looked up once, not
    # scanned for once per header.
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    defaults = current_app.extensions["smartregion.security_headers"]
    for name, value in defaults["page" if response.mimetype == "text/html" else "other"]:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def default_headers(app: Flask) -> dict[str, tuple[tuple[str, str], ...]]:
    """The headers every response carries unless it set its own: for pages, and for anything else."""
    common = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
              ("Referrer-Policy", "strict-origin-when-cross-origin"), ("Cross-Origin-Opener-Policy", "same-origin")]
    if app.config["ENV"] == "production":
        seconds = app.config["HSTS_SECONDS"]
        common.append(("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains"))
    # Anything but a page (JSON, files, problem details) is never a page: nothing in it may run.
    return {"page": (("Content-Security-Policy", app.extensions["smartregion.csp"]), *common),
            "other": (("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"), *common)}


def safe_redirect_target(target: str | None, default: str) -> str:
    """``target`` when it is a path of this site, ``default`` otherwise.

    Refused: absolute and scheme-relative URLs, backslashes (read as slashes by browsers), and control
    characters, which browsers strip (``/\\t/evil.example`` becomes ``//evil.example``) and which
    cannot go into a Location header anyway.
    """
    if not target or len(target) > 2000:
        return default
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target) or "\\" in target:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def session_cookie_settings(app: Flask) -> None:
    config = app.config
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    config["SESSION_COOKIE_SECURE"] = bool(config.get("SESSION_COOKIE_SECURE"))


def document_response(body: str | bytes, **kwargs) -> Response:
    """A stand-alone HTML document (a report to save), with the policy of documents."""
    response = Response(body, mimetype="text/html", **kwargs)
    response.headers["Content-Security-Policy"] = DOCUMENT_CSP
    return response


def init_app(app: Flask) -> None:
    app.extensions["smartregion.csp"] = content_security_policy(app)
    app.extensions["smartregion.security_headers"] = default_headers(app)
    session_cookie_settings(app)
    app.after_request(_set_headers)
