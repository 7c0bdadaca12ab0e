"""The kernel's pages: layout, login and logout, language, tenant switcher, vendored assets."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from smartregion import auth, oidc, ratelimit, tenancy
from smartregion.errors import Forbidden
from smartregion.security import safe_redirect_target
from werkzeug.routing import BuildError

bp = Blueprint("web", __name__)
WEB_DIR = Path(__file__).resolve().parent
NODE_MODULES = WEB_DIR / "node_modules"
# The API and the identity provider's endpoints work with bearer tokens, not with the page's forms.
CSRF_EXEMPT_PATHS = ("/api/", "/realms/", "/admin/realms/")
VENDOR_DIRS = {
    "bootstrap-italia": NODE_MODULES / "bootstrap-italia" / "dist",
    "chart.js": NODE_MODULES / "chart.js" / "dist",
    "leaflet": NODE_MODULES / "leaflet" / "dist",
    "leaflet.markercluster": NODE_MODULES / "leaflet.markercluster" / "dist",
    "axe-core": NODE_MODULES / "axe-core",
}


ROLE_LABELS = {
    "secretariat": _l("Regional technical secretariat"),
    "municipality": _l("Municipality officer"),
    "utility": _l("Utility operator"),
    "auditor": _l("Auditor"),
}

# The footer's links: each an external URL when configured, the platform's own page otherwise.
FOOTER_PAGES = (
    ("accessibility", _l("Accessibility statement")),
    ("privacy", _l("Privacy")),
    ("legal-notes", _l("Legal notes")),
)

# Titles of error pages (errors.py and werkzeug), listed so that the catalogue translates them.
ERROR_TITLES = (
    _l("Bad request"), _l("Authentication required"), _l("Forbidden"), _l("Not found"), _l("Conflict"),
    _l("Precondition failed"), _l("Payload too large"), _l("Unprocessable content"),
    _l("Precondition required"),
    _l("Service unavailable"), _l("Internal server error"), _l("Bad Request"), _l("Not Found"),
    _l("Method Not Allowed"), _l("Unauthorized"), _l("Request Entity Too Large"),
)


# What each error means to a person, in place of the generic English text of the HTTP library.
ERROR_EXPLANATIONS = {
    400: _l("The page could not understand the request: go back, check what you typed and try again."),
    401: _l("You need to log in to see this page."),
    403: _l("Your role does not allow you to open this page or to do this."),
    404: _l("The page you asked for does not exist, or it is not among those you can see. Check the address, "
            "or start again from the home page."),
    405: _l("This page cannot be used this way: start again from the page that links to it."),
    409: _l("The change conflicts with the data as they are now: reload the page and try again."),
    413: _l("The file or the form is too large."),
    429: _l("Too many requests in a short time: wait a minute and try again."),
    500: _l("Something went wrong on our side; the error has been logged. Try again in a few minutes."),
    503: _l("The service is not available right now; retry in a moment."),
}
# Details of the platform's own errors, listed so that the catalogue translates them on the pages.
ERROR_DETAILS = (
    _l("The request was refused to protect tenant data."),
    _l("A value in the request is out of range or of the wrong type."),
    _l("The database is not reachable right now; retry in a moment."),
    _l("An unexpected error occurred; it has been logged."),
    _l("The request does not match the expected schema."),
    _l("The request body is not valid JSON."),
)


def error_explanation(status: int, detail: str | None) -> dict:
    """The error page's text: the detail when it says something specific (translated when the catalogue
    knows it), the explanation of the status when it is the HTTP library's generic description."""
    from werkzeug.exceptions import default_exceptions

    generic = default_exceptions.get(status)
    if not detail or (generic is not None and detail == generic.description):
        return {"detail": None, "explanation": ERROR_EXPLANATIONS.get(status)}
    return {"detail": _(detail), "explanation": ERROR_EXPLANATIONS.get(status) if status >= 500 else None}


def init_app(app: Flask) -> None:
    from . import formatting, operations

    formatting.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(operations.bp)
    app.extensions["smartregion.home_sections"] = []
    app.extensions["smartregion.menu"] = {}
    for role, text, order in (
            ("secretariat", _l("Imports, reports and periodic work; retry what failed."), 90),
            ("municipality", _l("Your imports and reports, and how they went."), 50),
            ("utility", _l("Your imports and reports, and how they went."), 40),
            ("auditor", _l("Imports, reports and periodic work."), 90)):
        menu_entry(app, role, "operations_pages.jobs_page", _l("Background jobs"), text, order=order, more=True)
    menu_entry(app, "secretariat", "operations_pages.tenant_exports", _l("Tenant data packages"),
               _l("Everything a municipality's tenant holds, as one archive."), order=100, more=True)
    app.context_processor(_layout_context)
    app.add_template_filter(width_class)
    app.before_request(_csrf_protect)


def home_section(app: Flask, provider, *, order: int = 100) -> None:
    """Add a block to the home page: ``provider(user, tenant_slug)`` returns its context or None.

    The context names the partial to include (``template``); the block receives it as ``section``.
    Blocks show in ``order``, then in the order they were added.
    """
    sections = app.extensions["smartregion.home_sections"]
    sections.append((order, provider))
    sections.sort(key=lambda item: item[0])


def menu_entry(app: Flask, role: str, endpoint: str, title, text, *, order: int, menu=None,
               more: bool = False) -> None:
    """List a page among those a role works with (menu and home page), by its endpoint.

    Each module lists its own pages from its ``init_app``; entries show in ``order``. ``menu`` is a
    shorter name for the header's menu, so that it stays on one row at 1366 px; a page ``more`` is
    reached from the menu's "More" list rather than from its row. A page that needs a tenant (an
    endpoint with a ``slug``) is listed only when the user has one.
    """
    entries = app.extensions["smartregion.menu"].setdefault(role, [])
    entries.append((order, endpoint, title, text, title if menu is None else menu, more))
    entries.sort(key=lambda item: item[0])


def width_class(percent) -> str:
    """The class that sets a bar's width (``sr-w-0`` to ``sr-w-100``): no style attribute under the CSP."""
    try:
        value = round(float(percent))
    except (TypeError, ValueError):
        value = 0
    return f"sr-w-{min(100, max(0, value))}"


def current_tenant_slug(user: auth.User | None) -> str | None:
    """The tenant chosen in the header (the first one at login), if the user may still see it."""
    slug = session.get("tenant") if user else None
    return slug if slug and auth.can_see_tenant(user, slug) else None


def role_pages(user: auth.User, tenant_slug: str | None) -> list[dict]:
    """The pages of the user's role that exist in this installation, with their URLs."""
    pages = []
    for _order, endpoint, title, text, menu, more in current_app.extensions["smartregion.menu"].get(user.role, []):
        values = {}
        if "slug" in _endpoint_arguments(endpoint):
            if not tenant_slug:
                continue
            values["slug"] = tenant_slug
        try:
            url = url_for(endpoint, **values)
        except BuildError:
            continue
        pages.append({"endpoint": endpoint, "title": title, "text": text, "url": url, "menu": menu, "more": more})
    return pages


def _endpoint_arguments(endpoint: str) -> set[str]:
    try:
        return set().union(*(rule.arguments for rule in current_app.url_map.iter_rules(endpoint)))
    except KeyError:
        return set()


def _layout_context() -> dict:
    from flask_babel import get_locale

    user = auth.current_user()
    tenant = current_tenant_slug(user)
    return {
        "user": user,
        "current_tenant": tenant,
        "role_label": ROLE_LABELS.get(user.role, user.role) if user else "",
        "nav_pages": role_pages(user, tenant) if user else [],
        "locale": str(get_locale()),
        "csrf_token": _csrf_token(),
        "footer_links": footer_links(),
        "bootstrap_italia": (VENDOR_DIRS["bootstrap-italia"] / "css" / "bootstrap-italia.min.css").exists(),
    }


def footer_links() -> list[dict]:
    """The footer's accessibility statement, privacy and legal notes links (``FOOTER_<KEY>_URL`` in config)."""
    links = []
    for key, title in FOOTER_PAGES:
        setting = "FOOTER_" + key.upper().replace("-", "_")
        url = current_app.config.get(f"{setting}_URL") or url_for("web.legal_page", key=key)
        links.append({"key": key, "title": title, "url": url})
    return links


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def _csrf_protect() -> None:
    # Pages post forms with the session cookie; the API uses bearer tokens and is exempt.
    if request.method in auth.SAFE_METHODS or request.path.startswith(CSRF_EXEMPT_PATHS):
        return
    if request.headers.get("Authorization"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
    if not sent or sent != session.get("csrf"):
        abort(400, description=_("The form expired: reload the page and try again."))


@bp.get("/")
def home():
    user = auth.current_user()
    if user is None:
        return redirect(url_for("web.login"))
    tenant = current_tenant_slug(user)
    sections = [section for _order, provider in current_app.extensions["smartregion.home_sections"]
                if (section := provider(user, tenant))]
    return render_template("home.html", sections=sections, pages=role_pages(user, tenant))


@bp.get("/login")
@ratelimit.login
def login():
    """Send the person to the identity provider's login (authorization code with PKCE)."""
    target = safe_redirect_target(request.args.get("next"), url_for("web.home"))
    if auth.current_user() is not None:
        return redirect(target)
    return oidc.start_login(target, page_language())


@bp.get("/login/callback")
@ratelimit.login
def oidc_callback():
    return redirect(safe_redirect_target(oidc.finish_login(), url_for("web.home")))


@bp.post("/logout")
def logout():
    return oidc.logout_response(page_language())


@bp.get("/logged-out")
def logged_out():
    """Where the identity provider sends the browser back after the logout."""
    oidc.clear_logout_state()
    if auth.current_user() is not None:
        return redirect(url_for("web.home"))
    return render_template("logged_out.html")


@bp.post("/language")
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_redirect_target(request.form.get("next"), url_for("web.home")))


@bp.post("/tenant")
def switch_tenant():
    user = auth.require_user()
    slug = request.form.get("tenant")
    if slug and auth.can_see_tenant(user, slug):
        session["tenant"] = slug
    return redirect(safe_redirect_target(request.form.get("next"), url_for("web.home")))


@bp.get("/legal/<any(accessibility, privacy, 'legal-notes'):key>")
def legal_page(key: str):
    """The accessibility statement, privacy notice and legal notes: the configured text
    (``FOOTER_<KEY>_TEXT_IT`` / ``_EN``, paragraphs separated by blank lines) or the platform's own."""
    setting = "FOOTER_" + key.upper().replace("-", "_")
    text = current_app.config.get(f"{setting}_TEXT_{page_language().upper()}") or ""
    title = dict(FOOTER_PAGES)[key]
    paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
    return render_template("legal.html", key=key, title=title, paragraphs=paragraphs)


@bp.get("/static/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    if package == "swagger-ui":
        import swagger_ui_bundle

        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
    directory = VENDOR_DIRS.get(package)
    if directory is None:
        abort(404)
    return send_from_directory(directory, filename, max_age=86400)


def page_language() -> str:
    """The language the page is rendered in: ``"it"`` or ``"en"``."""
    return "en" if str(get_locale() or "it").startswith("en") else "it"


def page_secretariat(reason: str | None = None) -> auth.User:
    """The secretariat on a page that changes regional data, in the regional scope as the API's writes are;
    anybody else, auditors included, gets 403 with the reason."""
    user = page_user()
    if not user.is_secretariat or user.read_only:
        raise Forbidden(reason or _("Only the regional technical secretariat can do this."))
    tenancy.set_regional(True)
    return user


def home_tenant_id(user: auth.User, tenant_slug: str | None, roles: tuple[str, ...]) -> int | None:
    """For a home block of ``roles``: the id of the tenant chosen in the header, None for other roles."""
    if user.role not in roles or not tenant_slug:
        return None
    from smartregion.db import get_session
    from smartregion.registry import Tenant
    from sqlalchemy import select

    return get_session().scalar(select(Tenant.id).where(Tenant.slug == tenant_slug))


def page_user() -> auth.User:
    """The logged-in user of a page, or a redirect to the login page."""
    user = auth.current_user()
    if user is None:
        abort(redirect(url_for("web.login", next=request.full_path.rstrip("?"))))
    g.page_user = user
    return user
