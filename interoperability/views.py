"""Pages of the interoperability module: standards and conformance."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask import session as flask_session
from smartregion import auth, tenancy
from smartregion.db import get_session
from smartregion.web import page_user

from interoperability import conformance, services

bp = Blueprint("interoperability_pages", __name__, template_folder="templates")


@bp.get("/standards")
def standards_page():
    page_user()
    rows = get_session().scalars(services.standards_query()).all()
    return render_template("interoperability/standards.html", standards=rows)


@bp.get("/conformance")
def conformance_page():
    user = page_user()
    session = get_session()
    if user.is_regional:
        with tenancy.regional_scope():
            data = conformance.conformance(session)
    else:
        slug = flask_session.get("tenant") or (user.tenant_slugs[0] if user.tenant_slugs else None)
        if slug is None:
            abort(404)
        auth.enter_tenant(slug)
        data = conformance.conformance(session)
    return render_template("interoperability/conformance.html", data=data, regional=user.is_regional)
