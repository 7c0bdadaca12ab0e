"""Pages of the tenants module."""

from __future__ import annotations

from flask import Blueprint, render_template

from smartregion.db import get_session
from smartregion.web import page_user
from tenants import services

bp = Blueprint("tenant_pages", __name__, template_folder="templates")


@bp.get("/tenants")
def tenants():
    user = page_user()
    slugs = None if user.is_regional else user.tenant_slugs
    rows = get_session().scalars(services.tenants_query(slugs=slugs)).all()
    return render_template("tenants/list.html", tenants=rows)
