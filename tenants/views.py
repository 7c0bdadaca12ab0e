"""Pages of the tenants module: the list, a tenant with its memberships, the secretariat's forms."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from smartregion import auth
from smartregion.db import get_session
from smartregion.errors import DomainError, Forbidden, Unprocessable
from smartregion.registry import OrganizationKind, TenantStatus
from smartregion.web import home_section, page_user
from smartregion.web.formatting import label, label_filter, register_labels
from smartregion.web.pages import on_refusal

from tenants import schemas, services

bp = Blueprint("tenant_pages", __name__, template_folder="templates")

STATUS_LABELS = {
    TenantStatus.PENDING: _l("pending"),
    TenantStatus.ACTIVE: _l("active"),
    TenantStatus.SUSPENDED: _l("suspended"),
}
MEMBERSHIP_LABELS = {
    "municipality": _l("Municipality"),
    "lead-company": _l("Lead company"),
    "utility": _l("Utility"),
}
# The services' field messages that do not depend on the data, so that the pages can translate them.
SERVICE_MESSAGES = {
    "Already in use.": _l("Already in use."),
    "Already a tenant.": _l("Already a tenant."),
    "Unchanged.": _l("Unchanged."),
    "A municipality needs its ISTAT code.": _l("A municipality needs its ISTAT code."),
    "A participated company needs its VAT number.": _l("A participated company needs its VAT number."),
    "An ISTAT municipality code has six digits (for example 048017 for Firenze).":
        _l("An ISTAT municipality code has six digits (for example 048017 for Firenze)."),
    "Lower-case letters, digits and hyphens, as in the municipality's name (e.g. firenze).":
        _l("Lower-case letters, digits and hyphens, as in the municipality's name (e.g. firenze)."),
    "Missing data for required field.": _l("Missing data for required field."),
    "Length must be between 3 and 2000.": _l("Between 3 and 2000 characters."),
}


register_labels("service-message", SERVICE_MESSAGES)
label_filter(bp, "tenant_status", STATUS_LABELS)
label_filter(bp, "membership_role", MEMBERSHIP_LABELS)


def translate(message: str) -> str:
    return label(message, "service-message")


def _form_errors(error: DomainError | ma.ValidationError,
                 fields: dict[str, str] | None = None) -> dict[str, list]:
    """The error's field map, keyed by the form's field names and translated where possible."""
    raw = error.messages if isinstance(error, ma.ValidationError) else (error.errors or {})
    mapped: dict[str, list] = {}
    for field, messages in raw.items():
        messages = [messages] if isinstance(messages, str) else list(messages)
        name = (fields or {}).get(field, field)
        mapped.setdefault(name, []).extend(translate(str(m)) for m in messages)
    return mapped


# --- reading -------------------------------------------------------------------------------------

@bp.get("/tenants")
def tenants():
    user = page_user()
    slugs = None if user.is_regional else user.tenant_slugs
    rows = get_session().scalars(services.tenants_query(slugs=slugs, status=request.args.get("status"))).all()
    return render_template("tenants/list.html", tenants=rows, status=request.args.get("status"))


@bp.get("/tenants/<slug>")
def tenant(slug: str):
    page_user()
    return _render_detail(slug)


def _render_detail(slug: str, *, errors: dict | None = None, form: str | None = None,
                   detail: str | None = None, status: int = 200):
    current = auth.enter_tenant(slug)
    session = get_session()
    return render_template("tenants/detail.html", tenant=current,
                           memberships=services.memberships(session, current.id),
                           company_options=_options(services.participated_companies(session)), errors=errors or {},
                           failed_form=form, detail=detail, values=request.form if errors else {}), status


# --- the secretariat's forms ---------------------------------------------------------------------

def _secretariat():
    user = page_user()
    if not user.is_secretariat:
        raise Forbidden(_("Only the regional technical secretariat can change tenants."))
    return user


@bp.route("/tenants/new", methods=["GET", "POST"])
def create():
    _secretariat()
    auth.enter_regional("secretariat")
    if request.method == "GET":
        return _render_create()
    with on_refusal(_render_create, DomainError, ma.ValidationError):
        created = _create_tenant(get_session(), request.form)
    flash(_("Tenant %(name)s created: it is pending until accepted.", name=created.name), "success")
    return redirect(url_for("tenant_pages.tenant", slug=created.slug), 303)


def _create_tenant(session, form):
    """The tenant of the form, with its municipality and company chosen from the lists or new."""
    _validate_new_tenant(form)
    municipality_id = _organization_choice(session, form, "municipality")
    company_id = _organization_choice(session, form, "company")
    return services.create_tenant(session, slug=form["slug"].strip(), municipality_id=municipality_id,
                                  lead_company_id=company_id, name=form.get("name", "").strip() or None)


def _options(organizations) -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in organizations]


NEW_TENANT_FIELDS = {"municipality_id": "municipality_id", "lead_company_id": "company_id",
                     "istat_code": "municipality_istat_code", "vat_number": "company_vat_number"}


def _render_create(error: DomainError | ma.ValidationError | None = None):
    session = get_session()
    errors = _form_errors(error, NEW_TENANT_FIELDS) if error is not None else {}
    detail = None
    if error is not None:
        detail = _("The tenant was not created: correct the fields marked below.")
        if isinstance(error, DomainError) and not errors:
            detail = error.detail
    status = 200 if error is None else getattr(error, "status", 400)
    return render_template("tenants/new.html",
                           municipality_options=_options(services.municipalities_without_tenant(session)),
                           company_options=_options(services.participated_companies(session)),
                           errors=errors, detail=detail, values=request.form), status


def _validate_new_tenant(form) -> None:
    errors = {}
    try:
        schemas.TenantSchema(only=("slug",)).load({"slug": form.get("slug", "").strip()})
    except ma.ValidationError as error:
        errors.update(error.messages)
    if not form.get("municipality_id") and not form.get("municipality_name", "").strip():
        errors["municipality_name"] = [_("Choose a municipality or give the name of a new one.")]
    if not form.get("company_id") and not form.get("company_name", "").strip():
        errors["company_name"] = [_("Choose a company or give the name of a new one.")]
    if errors:
        raise ma.ValidationError(errors)


def _organization_choice(session, form, prefix: str) -> int:
    """The chosen organization, or a new one registered from the form's fields."""
    if chosen := form.get(f"{prefix}_id"):
        try:
            return int(chosen)
        except ValueError:
            raise Unprocessable(_("Unknown organization."),
                                errors={f"{prefix}_id": [_("Choose from the list.")]}) from None
    if prefix == "municipality":
        fields = {"kind": OrganizationKind.MUNICIPALITY, "name": form["municipality_name"].strip(),
                  "istat_code": form.get("municipality_istat_code", "").strip() or None}
    else:
        fields = {"kind": OrganizationKind.PARTICIPATED_COMPANY, "name": form["company_name"].strip(),
                  "vat_number": form.get("company_vat_number", "").strip() or None}
    try:
        return services.create_organization(session, **fields).id
    except DomainError as error:
        # Both organizations report istat_code / vat_number; say which part of the form is wrong.
        error.errors = {f"{prefix}_{field}" if field in ("istat_code", "vat_number") else field: messages
                        for field, messages in (error.errors or {}).items()}
        raise


def _reason(form) -> str:
    return schemas.TenantReasonSchema().load({"reason": form.get("reason", "").strip()})["reason"]


def _act(slug: str, form_name: str, action, success: str):
    _secretariat()
    current = auth.enter_tenant(slug, write=True, roles=("secretariat",))
    with on_refusal(lambda error: _render_detail(
            slug, errors=_form_errors(error), form=form_name, status=getattr(error, "status", 400),
            detail=error.detail if isinstance(error, DomainError) else _("Correct the fields marked below.")),
            DomainError, ma.ValidationError):
        action(get_session(), current)
    flash(success, "success")
    return redirect(url_for("tenant_pages.tenant", slug=slug), 303)


@bp.post("/tenants/<slug>/accept")
def accept(slug: str):
    return _act(slug, "accept", lambda session, t: services.accept_tenant(session, t.slug),
                _("Tenant %(slug)s accepted: its identity group is being created.", slug=slug))


@bp.post("/tenants/<slug>/suspend")
def suspend(slug: str):
    return _act(slug, "suspend",
                lambda session, t: services.suspend_tenant(session, t.slug, _reason(request.form)),
                _("Tenant %(slug)s suspended.", slug=slug))


@bp.post("/tenants/<slug>/reactivate")
def reactivate(slug: str):
    return _act(slug, "reactivate",
                lambda session, t: services.reactivate_tenant(session, t.slug, _reason(request.form)),
                _("Tenant %(slug)s reactivated.", slug=slug))


@bp.post("/tenants/<slug>/lead-company")
def lead_company(slug: str):
    def change(session, current):
        reason = _reason(request.form)
        try:
            organization_id = int(request.form.get("organization_id", ""))
        except ValueError:
            raise Unprocessable(_("Choose the new lead company."),
                                errors={"organization_id": [_("Choose from the list.")]}) from None
        services.change_lead_company(session, current.slug, organization_id, reason)

    return _act(slug, "lead_company", change, _("The lead company of %(slug)s was changed.", slug=slug))


# --- the home page -------------------------------------------------------------------------------

@bp.record_once
def _register_home(state) -> None:
    home_section(state.app, _tenants_overview, order=20)


def _tenants_overview(user: auth.User, tenant_slug: str | None) -> dict | None:
    session = get_session()
    if user.is_regional:
        counts = services.status_counts(session)
        pending = session.scalars(services.tenants_query(status=TenantStatus.PENDING)).all()
        return {"template": "tenants/_home_region.html", "counts": counts, "pending": pending,
                "total": sum(counts.values())}
    if not tenant_slug:
        return None
    current = session.scalar(services.tenants_query(slugs=(tenant_slug,)))
    if current is None:
        return None
    return {"template": "tenants/_home_tenant.html", "tenant": current}
