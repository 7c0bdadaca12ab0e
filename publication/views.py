"""Pages: the secretariat's open datasets (what is open, since when, who harvests) and the public landing page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from smartregion import tenancy
from smartregion.db import get_session
from smartregion.errors import DomainError, Forbidden
from smartregion.web import page_language, page_secretariat, page_user
from smartregion.web.pages import back_to, on_refusal

from publication import services

bp = Blueprint("publication_pages", __name__, template_folder="templates")

DATASET_LABELS = {
    "census": _l("Census: aggregate figures"),
    "broadband": _l("Ultra-broadband plan status"),
    "conformance": _l("Conformance of the data feeds"),
    "standards": _l("Regional data standards"),
    "plan": _l("Approved operational plan"),
}


def dataset_label(key: str) -> str:
    if key.startswith("cadastre:"):
        from census.services import KINDS

        kind = KINDS.get(key.split(":", 1)[1])
        name = kind.label if kind else key.split(":", 1)[1]
        return _("Network cadastre: %(kind)s", kind=name)
    return str(DATASET_LABELS.get(key, key))


@bp.app_template_filter("dataset_label")
def _dataset_label_filter(key: str) -> str:
    return dataset_label(key)


def _tenants():
    from tenants.services import tenants_query

    return get_session().scalars(tenants_query()).all()


@bp.get("/publication")
def open_datasets():
    """The secretariat's page (auditors read it): what is open per tenant and for the region, harvesters."""
    user = page_user()
    if not user.is_regional:
        raise Forbidden(_("Only the regional technical secretariat and auditors can see this page."))
    tenancy.set_regional(True)
    session = get_session()
    tenants = [{"tenant": t, **services.tenant_settings(session, t.id)} for t in _tenants()]
    return render_template("publication/open_datasets.html", tenants=tenants,
                           region=services.region_settings(session), datasets=services.published(session),
                           harvesters=services.harvesters(session), lang=page_language(),
                           can_edit=user.is_secretariat and not user.read_only)


def _back(anchor: str = ""):
    return redirect(url_for("publication_pages.open_datasets") + anchor)


def _not_changed(anchor: str):
    """A refused change: its reason flashed, back to the same place of the page."""
    return back_to(url_for("publication_pages.open_datasets") + anchor,
                   lambda error: _("Not changed: %(reason)s", reason=_reason(error)))


@bp.post("/publication/tenants/<slug>/datasets")
def change_tenant_dataset(slug: str):
    user = page_secretariat()
    session = get_session()
    from tenants.services import get_tenant

    tenant = get_tenant(session, slug)
    key, action = request.form.get("dataset", ""), request.form.get("action", "")
    with on_refusal(_not_changed(f"#tenant-{slug}")):
        if action == "open":
            services.open_tenant_dataset(session, tenant.id, key, actor=user.username)
            flash(_("%(dataset)s of %(tenant)s is open.", dataset=dataset_label(key), tenant=tenant.name), "success")
        else:
            services.close_tenant_dataset(session, tenant.id, key, actor=user.username)
            flash(_("%(dataset)s of %(tenant)s is closed.", dataset=dataset_label(key), tenant=tenant.name),
                  "success")
    return _back(f"#tenant-{slug}")


@bp.post("/publication/tenants/<slug>/ipa-code")
def change_ipa_code(slug: str):
    user = page_secretariat()
    session = get_session()
    from tenants.services import get_tenant

    tenant = get_tenant(session, slug)
    with on_refusal(_not_changed(f"#tenant-{slug}")):
        services.set_ipa_code(session, tenant.id, request.form.get("ipa_code"), actor=user.username)
        flash(_("IPA code of %(tenant)s saved.", tenant=tenant.name), "success")
    return _back(f"#tenant-{slug}")


@bp.post("/publication/region/datasets")
def change_region_dataset():
    user = page_secretariat()
    session = get_session()
    key, action = request.form.get("dataset", ""), request.form.get("action", "")
    with on_refusal(_not_changed("#region")):
        if action == "open":
            services.open_region_dataset(session, key, actor=user.username)
            flash(_("%(dataset)s is open.", dataset=dataset_label(key)), "success")
        else:
            services.close_region_dataset(session, key, actor=user.username)
            flash(_("%(dataset)s is closed.", dataset=dataset_label(key)), "success")
    return _back("#region")


def _reason(error: DomainError) -> str:
    if error.status == 409:
        return _("the tenant's census is not accepted yet; nothing of a tenant is published before that.")
    if error.status == 422 and "ipa_code" in error.errors:
        return _("an IPA code is 2-20 lowercase letters, digits or underscores (e.g. c_d612).")
    if error.status == 404:
        return _("the dataset is not open.")
    return _("the request was refused.")


@bp.get("/open-data")
def landing():
    """The public landing page of the region: the catalogue, the OGC API, the licence and the open datasets."""
    session = get_session()
    config = current_app.config
    publisher = services.publisher(session)
    return render_template("publication/landing.html", publisher=publisher, datasets=services.published(session),
                           lang=page_language(), base=config["PUBLIC_URL"].rstrip("/"))
