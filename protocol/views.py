"""Pages of the protocol: the list of protocols and the adhesions (request, decisions, withdrawal).

Every form posts to the same service calls as the API, is checked by the API's schemas, and is
allowed to the same people: the secretariat runs the protocol, a municipality's officer records its
own municipality's decision on an adhesion, auditors read everything and write nothing.
"""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from smartregion import audit, auth, jobs, tenancy
from smartregion.db import get_session
from smartregion.errors import DomainError, Forbidden, NotFound, Unprocessable
from smartregion.web import page_secretariat, page_user
from sqlalchemy import select

from protocol import schemas
from protocol.models import AdhesionStatus, Decision
from protocol.services import adhesions, protocols
from tenants.models import Organization, OrganizationKind, Tenant

bp = Blueprint("protocol_pages", __name__, template_folder="templates")

ADHESION_STATUS_LABELS = {
    AdhesionStatus.PENDING: _l("pending"),
    AdhesionStatus.ADMITTED: _l("admitted"),
    AdhesionStatus.REFUSED: _l("refused"),
    AdhesionStatus.WITHDRAWN: _l("withdrawn"),
}
DECISION_LABELS = {Decision.ACCEPT: _l("accepted"), Decision.REFUSE: _l("refused")}
KIND_LABELS = {
    OrganizationKind.REGION: _l("Region"),
    OrganizationKind.ASSOCIATION: _l("Association"),
    OrganizationKind.MUNICIPALITY: _l("Municipality"),
    OrganizationKind.UNION_OF_MUNICIPALITIES: _l("Union of municipalities"),
    OrganizationKind.PARTICIPATED_COMPANY: _l("Participated company"),
    OrganizationKind.UNIVERSITY: _l("University"),
    OrganizationKind.RESEARCH_CENTRE: _l("Research centre"),
}
JOB_STATE_LABELS = {"queued": _l("queued"), "started": _l("running"), "finished": _l("done"), "failed": _l("failed")}
# The new organization's and the new lead company's fields, as the API's nested objects name them.
ORGANIZATION_FIELDS = ("kind", "name", "istat_code", "vat_number", "fiscal_code", "website")
COMPANY_FIELDS = ("name", "vat_number", "fiscal_code", "website")


@bp.app_template_filter("adhesion_status")
def adhesion_status_label(status: str) -> str:
    return str(ADHESION_STATUS_LABELS.get(status, status))


@bp.app_template_filter("decision_label")
def decision_label(decision: str) -> str:
    return str(DECISION_LABELS.get(decision, decision))


@bp.app_template_filter("organization_kind")
def organization_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_filter("job_state")
def job_state_label(state: str) -> str:
    return str(JOB_STATE_LABELS.get(state, state))


# --- who may do what -----------------------------------------------------------------------------

def _regional_reader() -> auth.User:
    user = page_user()
    tenancy.set_regional(True)  # rows of other tenants are filtered out below for members
    return user


def _own_municipalities(user: auth.User) -> set[int]:
    """The municipalities whose officer the user is (the API's rule for recording a decision)."""
    if "municipality" not in user.roles or user.read_only:
        return set()
    return set(get_session().scalars(select(Tenant.municipality_id).where(Tenant.slug.in_(user.tenant_slugs))))


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- forms: posted values, the API's schemas, errors keyed by the form's fields -------------------

def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _given(**values) -> dict:
    """The posted values that are not empty: an empty required field is reported as missing."""
    return {name: value for name, value in values.items() if value not in ("", None)}


def _errors(error: DomainError | ma.ValidationError, rename: dict[str, str] | None = None) -> dict[str, list[str]]:
    """The error's field map, flattened (`new_organization.name`) and keyed by the form's field names."""
    raw = error.messages if isinstance(error, ma.ValidationError) else (error.errors or {})
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
            return
        name = (rename or {}).get(prefix, prefix)
        flat.setdefault(name, []).extend([value] if isinstance(value, str) else [str(m) for m in value])

    walk("", raw if isinstance(raw, dict) else {"_schema": raw})
    return flat


def _detail(error: DomainError | ma.ValidationError) -> str:
    if isinstance(error, DomainError):
        return error.detail
    return _("Nothing was saved: correct the fields marked below.")


def _status(error: DomainError | ma.ValidationError) -> int:
    return error.status if isinstance(error, DomainError) else 400


def _tenant_id(session, slug: str | None) -> int | None:
    if not slug:
        return None
    tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise Unprocessable(_("Unknown tenant."), errors={"tenant": [f"No tenant {slug!r}."]})
    return tenant_id


def _visible_job(job_id: str | None) -> jobs.Job | None:
    """A job the user may follow (the kernel's rule for GET /api/v1/jobs/<id>), or None."""
    from smartregion.routes import visible_job

    if not job_id:
        return None
    try:
        return visible_job(job_id)
    except NotFound:
        return None


# --- the protocols and their timeline ------------------------------------------------------------

@bp.get("/protocols")
def protocols_page():
    _regional_reader()
    rows = get_session().scalars(protocols.protocols_query()).all()
    return render_template("protocol/list.html", protocols=rows, today=date.today())


# --- adhesions -----------------------------------------------------------------------------------

@bp.route("/protocols/<int:protocol_id>/adhesions/new", methods=["GET", "POST"])
def new_adhesion_page(protocol_id: int):
    """Record a request to join, on the organization's behalf (secretariat), as POST .../adhesions."""
    page_secretariat()
    session = get_session()
    protocol = protocols.get_protocol(session, protocol_id)
    if request.method == "GET":
        return _render_new_adhesion(protocol)
    payload = _adhesion_payload()
    try:
        data = schemas.AdhesionSchema().load(payload)
        created = adhesions.request_adhesion(
            session, protocol_id, organization_id=data.get("organization_id"),
            organization=data.get("new_organization"), lead_company_id=data.get("lead_company_id"),
            lead_company=data.get("new_lead_company"), tenant_slug=data.get("tenant_slug"),
            representative_name=data["representative_name"], representative_role=data["representative_role"],
            representative_email=data.get("representative_email"),
            accepts_objectives=data["accepts_objectives"], accepts_conditions=data["accepts_conditions"],
            requested_on=data.get("requested_on") or date.today(), actor=audit.current_actor())
    except (DomainError, ma.ValidationError) as error:
        session.rollback()
        return _render_new_adhesion(protocols.get_protocol(session, protocol_id), error=error, payload=payload)
    flash(_("The adhesion request of %(name)s was recorded: the original signatories now decide.",
            name=created.organization.name), "success")
    return redirect(url_for(".adhesion_page", protocol_id=protocol_id, request_id=created.id), 303)


def _adhesion_payload() -> dict:
    """The API's request body from the form: an organization chosen or described, its lead company."""
    payload = _given(representative_name=_text("representative_name"),
                     representative_role=_text("representative_role"),
                     representative_email=_text("representative_email"), tenant_slug=_text("tenant_slug"),
                     requested_on=_text("requested_on"))
    payload["accepts_objectives"] = request.form.get("accepts_objectives") == "yes"
    payload["accepts_conditions"] = request.form.get("accepts_conditions") == "yes"
    if _text("organization_id"):
        payload["organization_id"] = _text("organization_id")
    elif new := _given(**{name: _text(f"org_{name}") for name in ORGANIZATION_FIELDS}):
        payload["new_organization"] = new
    if _text("lead_company_id"):
        payload["lead_company_id"] = _text("lead_company_id")
    elif new := _given(**{name: _text(f"lead_{name}") for name in COMPANY_FIELDS}):
        payload["new_lead_company"] = new
    return payload


def _adhesion_errors(error: DomainError | ma.ValidationError, payload: dict) -> dict[str, list[str]]:
    """Errors of the schema and of the services, keyed by the form's fields.

    The services name the organization's and the lead company's identifiers alike (`vat_number`):
    an ISTAT code is the adhering organization's; any other identifier is the lead company's when
    the organization is an existing one or a municipality (a company has no lead), its own otherwise.
    """
    rename = {f"new_organization.{name}": f"org_{name}" for name in ORGANIZATION_FIELDS}
    rename |= {f"new_lead_company.{name}": f"lead_{name}" for name in COMPANY_FIELDS}
    new_org = payload.get("new_organization")
    rename["organization"] = "org_name" if new_org else "organization_id"
    rename["lead_company"] = "lead_name" if payload.get("new_lead_company") else "lead_company_id"
    if isinstance(error, DomainError):
        lead_owns = new_org is None or new_org.get("kind") == OrganizationKind.MUNICIPALITY
        for name in ORGANIZATION_FIELDS:
            rename.setdefault(name, "org_istat_code" if name == "istat_code" else
                              (f"lead_{name}" if lead_owns and name in COMPANY_FIELDS else f"org_{name}"))
    return _errors(error, rename)


def _render_new_adhesion(protocol, *, error: DomainError | ma.ValidationError | None = None,
                         payload: dict | None = None):
    session = get_session()
    signed = {s.organization_id for s in protocol.signatories}
    candidates = session.scalars(select(Organization).where(Organization.kind.in_(adhesions.MAY_ADHERE))
                                 .order_by(Organization.name)).all()
    companies = session.scalars(select(Organization).where(
        Organization.kind == OrganizationKind.PARTICIPATED_COMPANY).order_by(Organization.name)).all()
    if error is None:
        values = {"requested_on": date.today().isoformat()}
    else:
        values = request.form
    return render_template(
        "protocol/adhesion_new.html", protocol=protocol, values=values,
        errors=_adhesion_errors(error, payload or {}) if error is not None else {},
        detail=_detail(error) if error is not None else None,
        organization_options=[(o.id, f"{o.name} ({organization_kind_label(o.kind)})") for o in candidates
                              if o.id not in signed],
        company_options=[(c.id, c.name) for c in companies],
        kind_options=[(kind.value, organization_kind_label(kind)) for kind in adhesions.MAY_ADHERE],
    ), _status(error) if error is not None else 200


@bp.get("/protocols/<int:protocol_id>/adhesions/<int:request_id>")
def adhesion_page(protocol_id: int, request_id: int):
    """One request: its data, each signatory's decision, its steps and the job an admission started."""
    _regional_reader()  # every signed-in user reads the adhesions, as in the API
    return _render_adhesion(protocol_id, request_id)


def _render_adhesion(protocol_id: int, request_id: int, *, failed: str | None = None,
                     error: DomainError | ma.ValidationError | None = None):
    user = auth.current_user()
    session = get_session()
    protocol = protocols.get_protocol(session, protocol_id)
    item = adhesions.get_request(session, protocol_id, request_id)
    waiting = adhesions.pending_voters(protocol, item)
    if user.is_secretariat:
        deciders = waiting
    else:
        own = _own_municipalities(user)
        deciders = [s for s in waiting if s.organization_id in own]
    pending = item.status == AdhesionStatus.PENDING
    tenant = session.get(Tenant, item.tenant_id) if item.tenant_id else None
    started = adhesions.admission_job(session, item)
    return render_template(
        "protocol/adhesion.html", protocol=protocol, item=item, waiting=waiting,
        decider_options=[(s.organization_id, s.organization.name) for s in deciders] if pending else [],
        can_withdraw=pending and user.is_secretariat, steps=adhesions.history(session, item),
        job=_visible_job(started.id) if started else None, tenant=tenant,
        failed=failed, errors=_errors(error) if error is not None else {},
        detail=_detail(error) if error is not None else None, values=request.form if error is not None else {},
        defaults={"decided_on": date.today().isoformat()},
    ), _status(error) if error is not None else 200


@bp.post("/protocols/<int:protocol_id>/adhesions/<int:request_id>/decisions")
def decide_adhesion_page(protocol_id: int, request_id: int):
    """An original signatory accepts or refuses: the secretariat for any, an officer for its municipality."""
    user = page_user()
    if not (user.is_secretariat or _own_municipalities(user)):
        raise Forbidden(_("Only the secretariat or the signatory's own officers record its decision."))
    tenancy.set_regional(True)  # an admission writes regional rows and opens a tenant, as in the API
    session = get_session()
    adhesions.get_request(session, protocol_id, request_id)
    try:
        data = schemas.AdhesionDecisionSchema().load(_given(
            organization_id=_text("organization_id"), decision=_text("decision"), reason=_text("reason"),
            decided_on=_text("decided_on")))
    except ma.ValidationError as error:
        return _render_adhesion(protocol_id, request_id, failed="decision", error=error)
    if not user.is_secretariat and data["organization_id"] not in _own_municipalities(user):
        raise Forbidden(_("Only the secretariat or the signatory's own officers record its decision."))
    try:
        item, job = adhesions.decide(session, protocol_id, request_id, organization_id=data["organization_id"],
                                     decision=data["decision"], reason=data.get("reason"),
                                     decided_on=data.get("decided_on") or date.today(),
                                     actor=audit.current_actor())
    except DomainError as error:
        session.rollback()
        return _render_adhesion(protocol_id, request_id, failed="decision", error=error)
    if item.status == AdhesionStatus.ADMITTED:
        message = _("Decision recorded: the acceptance rule is met and %(name)s is admitted.",
                    name=item.organization.name)
        if job is not None:
            message += " " + _("Its tenant %(slug)s is open; its identity group is being created.",
                               slug=item.tenant_slug)
    elif item.status == AdhesionStatus.REFUSED:
        message = _("Decision recorded: the request is refused.")
    else:
        message = _("Decision recorded: %(n)s signatories still have to decide.",
                    n=len(adhesions.pending_voters(protocols.get_protocol(session, protocol_id), item)))
    flash(message, "success")
    return redirect(url_for(".adhesion_page", protocol_id=protocol_id, request_id=request_id), 303)


@bp.post("/protocols/<int:protocol_id>/adhesions/<int:request_id>/withdraw")
def withdraw_adhesion_page(protocol_id: int, request_id: int):
    """The organization withdraws its pending request, with a reason (recorded by the secretariat)."""
    page_secretariat()
    session = get_session()
    adhesions.get_request(session, protocol_id, request_id)
    try:
        data = schemas.WithdrawalSchema().load(_given(reason=_text("reason")))
        adhesions.withdraw(session, protocol_id, request_id, reason=data["reason"], day=date.today(),
                           actor=audit.current_actor())
    except (DomainError, ma.ValidationError) as error:
        session.rollback()
        return _render_adhesion(protocol_id, request_id, failed="withdraw", error=error)
    flash(_("The request was withdrawn."), "success")
    return redirect(url_for(".adhesion_page", protocol_id=protocol_id, request_id=request_id), 303)


def _slugs(session) -> dict[int, str]:
    return dict(session.execute(select(Tenant.id, Tenant.slug)).all())
