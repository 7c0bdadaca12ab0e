"""REST API of the protocol: the secretariat runs it, auditors read everything, members read their own."""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from smartregion import auth, tenancy
from smartregion.api import Blueprint, paginate
from smartregion.audit import current_actor
from smartregion.db import get_session
from smartregion.errors import Forbidden, Unprocessable
from sqlalchemy import select

from protocol import schemas
from protocol.services import adhesions, protocols
from tenants.models import Tenant

blp = Blueprint("protocol", __name__, url_prefix="/api/v1",
                description="The protocol: signatories, waivers, adhesions")


def _reader() -> auth.User:
    """Any signed-in user reads protocols; the rows of tenants are filtered to what they may see."""
    user = auth.require_user()
    tenancy.set_regional(True)  # regional reads, filtered to the caller's tenants by _visible below
    return user


def _visible(user: auth.User, slug: str) -> bool:
    return user.is_regional or slug in user.tenant_slugs


def _tenant_id(slug: str | None, field: str = "tenant") -> int | None:
    if slug is None:
        return None
    tenant_id = get_session().scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise Unprocessable("Unknown tenant.", errors={field: [f"No tenant {slug!r}."]})
    return tenant_id


def _today(query: dict) -> date:
    return query.get("today") or date.today()


# --- protocols -----------------------------------------------------------------------------------

@blp.route("/protocols")
class Protocols(MethodView):
    @blp.response(200, schemas.ProtocolSchema(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, pagination_parameters):
        """Protocols, newest first (a renewal or another region's protocol may sit beside the first)."""
        _reader()
        return paginate(protocols.protocols_query(), pagination_parameters)

    @blp.arguments(schemas.ProtocolSchema)
    @blp.response(201, schemas.ProtocolSchema)
    @blp.documents_errors(400, 422)
    def post(self, data):
        """Record a signed protocol with its terms and original signatories (secretariat)."""
        auth.enter_regional("secretariat")
        return protocols.create_protocol(get_session(), **data, actor=current_actor())


@blp.route("/protocols/<int:protocol_id>")
class ProtocolById(MethodView):
    @blp.response(200, schemas.ProtocolSchema)
    @blp.documents_errors(404)
    def get(self, protocol_id):
        """One protocol with its signatories."""
        _reader()
        return protocols.get_protocol(get_session(), protocol_id)

    @blp.arguments(schemas.ProtocolUpdateSchema)
    @blp.response(200, schemas.ProtocolSchema)
    @blp.documents_errors(400, 404, 422)
    def patch(self, data, protocol_id):
        """Correct a protocol's terms (secretariat); the dates must stay consistent."""
        auth.enter_regional("secretariat")
        return protocols.update_protocol(get_session(), protocol_id, data, actor=current_actor())

    @blp.response(204)
    @blp.documents_errors(404, 409)
    def delete(self, protocol_id):
        """Delete a protocol recorded by mistake (secretariat); refused once it has history."""
        auth.enter_regional("secretariat")
        protocols.delete_protocol(get_session(), protocol_id, actor=current_actor())


@blp.route("/protocols/<int:protocol_id>/signatories")
class Signatories(MethodView):
    @blp.response(200, schemas.ProtocolSignatorySchema(many=True))
    @blp.documents_errors(404)
    def get(self, protocol_id):
        """Original signatories and admitted adherents."""
        _reader()
        return protocols.get_protocol(get_session(), protocol_id).signatories

    @blp.arguments(schemas.ProtocolSignatorySchema)
    @blp.response(201, schemas.ProtocolSignatorySchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, protocol_id):
        """Add an original signatory (secretariat); later organizations join by adhesion."""
        auth.enter_regional("secretariat")
        return protocols.add_signatory(get_session(), protocol_id, data["organization_id"], actor=current_actor())


# --- waivers -------------------------------------------------------------------------------------

@blp.route("/protocols/<int:protocol_id>/waivers")
class Waivers(MethodView):
    @blp.response(200, schemas.WaiverSchema(many=True))
    @blp.documents_errors(404)
    def get(self, protocol_id):
        """Waived milestones with their reasons."""
        auth.enter_regional()
        protocols.get_protocol(get_session(), protocol_id)
        return protocols.waivers(get_session(), protocol_id)

    @blp.arguments(schemas.WaiverSchema)
    @blp.response(201, schemas.WaiverSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, protocol_id):
        """Waive a milestone for one tenant or for all (secretariat); the reason is mandatory."""
        auth.enter_regional("secretariat")
        return protocols.grant_waiver(get_session(), protocol_id, milestone_key=data["milestone_key"],
                                      reason=data["reason"], tenant_id=_tenant_id(data.get("tenant")),
                                      actor=current_actor())


# --- adhesions -----------------------------------------------------------------------------------

@blp.route("/protocols/<int:protocol_id>/adhesions")
class Adhesions(MethodView):
    @blp.arguments(schemas.AdhesionQuerySchema, location="query")
    @blp.response(200, schemas.AdhesionSchema(many=True))
    @blp.paginate()
    @blp.documents_errors(404)
    def get(self, query, protocol_id, pagination_parameters):
        """Adhesion requests with each signatory's decision; refusals and withdrawals keep their reasons."""
        _reader()
        protocols.get_protocol(get_session(), protocol_id)
        return paginate(adhesions.requests_query(protocol_id, status=query.get("status")), pagination_parameters)

    @blp.arguments(schemas.AdhesionSchema)
    @blp.response(201, schemas.AdhesionSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, protocol_id):
        """Record a request to join (secretariat, on the organization's behalf)."""
        auth.enter_regional("secretariat")
        return adhesions.request_adhesion(
            get_session(), protocol_id, organization_id=data.get("organization_id"),
            organization=data.get("new_organization"), lead_company_id=data.get("lead_company_id"),
            lead_company=data.get("new_lead_company"), tenant_slug=data.get("tenant_slug"),
            representative_name=data["representative_name"], representative_role=data["representative_role"],
            representative_email=data.get("representative_email"),
            accepts_objectives=data["accepts_objectives"], accepts_conditions=data["accepts_conditions"],
            requested_on=data.get("requested_on") or date.today(), actor=current_actor())


@blp.route("/protocols/<int:protocol_id>/adhesions/<int:request_id>")
@blp.response(200, schemas.AdhesionSchema)
@blp.documents_errors(404)
def adhesion(protocol_id, request_id):
    """One adhesion request."""
    _reader()
    return adhesions.get_request(get_session(), protocol_id, request_id)


@blp.route("/protocols/<int:protocol_id>/adhesions/<int:request_id>/decisions", methods=["POST"])
@blp.arguments(schemas.AdhesionDecisionSchema)
@blp.response(200, schemas.AdhesionDecidedSchema)
@blp.documents_errors(400, 403, 404, 409, 422)
def decide_adhesion(data, protocol_id, request_id):
    """An original signatory accepts or refuses (with a reason); the acceptance rule then applies.

    The secretariat records any signatory's decision; a municipality's officer records its own.
    """
    user = auth.require_user()
    session = get_session()
    if not user.is_secretariat:
        own = session.scalars(select(Tenant.municipality_id).where(Tenant.slug.in_(user.tenant_slugs))).all()
        if "municipality" not in user.roles or data["organization_id"] not in own:
            raise Forbidden("Only the secretariat or the signatory's own officers record its decision.")
    # An admission writes regional rows and opens a tenant: the decision runs region-wide.
    tenancy.set_regional(True)
    request, job = adhesions.decide(session, protocol_id, request_id, organization_id=data["organization_id"],
                                    decision=data["decision"], reason=data.get("reason"),
                                    decided_on=data.get("decided_on") or date.today(), actor=current_actor())
    return {"request": request, "job_id": job.id if job else None}


@blp.route("/protocols/<int:protocol_id>/adhesions/<int:request_id>/withdraw", methods=["POST"])
@blp.arguments(schemas.WithdrawalSchema)
@blp.response(200, schemas.AdhesionSchema)
@blp.documents_errors(400, 404, 409, 422)
def withdraw_adhesion(data, protocol_id, request_id):
    """The organization withdraws its pending request, with a reason (recorded by the secretariat)."""
    auth.enter_regional("secretariat")
    return adhesions.withdraw(get_session(), protocol_id, request_id, reason=data["reason"], day=date.today(),
                              actor=current_actor())
