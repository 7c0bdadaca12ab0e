"""factory-boy factories for the main entities, written to the real database.

For a test that needs its own small world instead of the demo region. The ``factories`` fixture binds
the test's session (the application role, regional scope) and hands this module back:

    def test_a_tenant_alone(factories, db):
        tenant = factories.TenantFactory(slug="lucca")
        project = factories.ProjectFactory(tenant=tenant, title="Smart lighting")

Rows are flushed, never committed: the test's session sees them, and they go with its rollback (the
database is emptied after every test anyway). ``token_of(user)`` signs an access token for a user made
here, as the development identity provider does at login.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, date, datetime

import factory
from factory.alchemy import SQLAlchemyModelFactory
from smartregion import devauth
from werkzeug.security import generate_password_hash

from census.inventories.models import InventoryAsset, InventoryUpload, UploadStatus
from census.models import Campaign, CampaignStatus, SchemaStatus, Submission, SubmissionStatus, SurveySchema
from funding.models import FundingLine, Project
from protocol.models import Protocol
from tenants.models import Organization, OrganizationKind, Tenant, TenantStatus

_session: ContextVar = ContextVar("factory_session", default=None)

SIGNED_ON = date(2017, 12, 27)
# A survey schema as small as the definition format allows: one required text, one optional amount.
MINI_DEFINITION = {
    "key": "mini", "version": 1, "title": {"it": "Rilevazione di prova", "en": "Test survey"},
    "sections": [{"key": "main", "title": {"it": "Dati", "en": "Data"}, "fields": [
        {"key": "name", "type": "text", "label": {"it": "Nome", "en": "Name"}, "required": True},
        {"key": "budget", "type": "money", "label": {"it": "Importo", "en": "Amount"}}]}],
}


def bind(session):
    """Make ``session`` the one the factories write to; returns the token that ``unbind`` takes."""
    return _session.set(session)


def unbind(token) -> None:
    _session.reset(token)


def current_session():
    session = _session.get()
    if session is None:
        raise RuntimeError("No session for the factories: use the `factories` fixture.")
    return session


class Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = current_session
        sqlalchemy_session_persistence = "flush"


class OrganizationFactory(Factory):
    class Meta:
        model = Organization

    kind = OrganizationKind.ASSOCIATION
    name = factory.Sequence(lambda n: f"Associazione {n}")


class MunicipalityFactory(OrganizationFactory):
    kind = OrganizationKind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"Comune di Prova {n}")
    istat_code = factory.Sequence(lambda n: f"{990000 + n:06d}")


class CompanyFactory(OrganizationFactory):
    kind = OrganizationKind.PARTICIPATED_COMPANY
    name = factory.Sequence(lambda n: f"Servizi Digitali {n} S.p.A.")
    vat_number = factory.Sequence(lambda n: f"{90000000000 + n:011d}")


class RegionFactory(OrganizationFactory):
    kind = OrganizationKind.REGION
    name = factory.Sequence(lambda n: f"Regione di Prova {n}")


class TenantFactory(Factory):
    """An active municipality's tenant with its lead participated company."""

    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"comune-{n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    lead_company = factory.SubFactory(CompanyFactory)
    name = factory.LazyAttribute(lambda o: o.municipality.name)
    status = TenantStatus.ACTIVE
    joined_on = SIGNED_ON
    keycloak_group = factory.LazyAttribute(lambda o: f"/tenants/{o.slug}")


class UserFactory(Factory):
    """A person of the development identity provider; ``tenants`` puts them in those tenants' groups."""

    class Meta:
        model = devauth.DevUser

    class Params:
        password = None
        tenants = ()

    username = factory.Sequence(lambda n: f"utente-{n}")
    password_hash = factory.LazyAttribute(lambda o: generate_password_hash(o.password or o.username))
    name = factory.LazyAttribute(lambda o: o.username.replace("-", " ").title())
    email = factory.LazyAttribute(lambda o: f"{o.username}@test.smartregion.invalid")
    roles = factory.List(["municipality"])
    groups = factory.LazyAttribute(lambda o: [f"/tenants/{getattr(t, 'slug', t)}" for t in o.tenants])


def token_of(user: devauth.DevUser) -> str:
    """An access token for ``user``, signed as the identity provider signs them (needs an app context)."""
    return devauth.issue_token(user)["access_token"]


class TenantOwnedFactory(Factory):
    """A row of a tenant (``tenant=`` one made elsewhere, or a new tenant)."""

    class Meta:
        abstract = True

    class Params:
        tenant = factory.SubFactory(TenantFactory)

    tenant_id = factory.SelfAttribute("tenant.id")


class ProtocolFactory(Factory):
    class Meta:
        model = Protocol

    title = factory.Sequence(lambda n: f"Protocollo di prova {n}")
    region = factory.SubFactory(RegionFactory)
    signed_on = SIGNED_ON


class SurveySchemaFactory(Factory):
    """An approved survey schema (``MINI_DEFINITION`` unless ``definition`` is given)."""

    class Meta:
        model = SurveySchema

    key = factory.LazyAttribute(lambda o: o.definition["key"])
    version = factory.LazyAttribute(lambda o: o.definition["version"])
    status = SchemaStatus.APPROVED
    title_it = factory.LazyAttribute(lambda o: o.definition["title"]["it"])
    title_en = factory.LazyAttribute(lambda o: o.definition["title"]["en"])
    definition = factory.LazyFunction(lambda: dict(MINI_DEFINITION))
    created_by = "segreteria"
    # An approved or retired version records who did it and when (a check constraint says so).
    approved_by = factory.LazyAttribute(lambda o: None if o.status == SchemaStatus.DRAFT else "segreteria")
    approved_at = factory.LazyAttribute(lambda o: None if o.status == SchemaStatus.DRAFT else datetime.now(UTC))
    retired_by = factory.LazyAttribute(lambda o: "segreteria" if o.status == SchemaStatus.RETIRED else None)
    retired_at = factory.LazyAttribute(lambda o: datetime.now(UTC) if o.status == SchemaStatus.RETIRED else None)


class CampaignFactory(Factory):
    """The open census of a protocol, due six months after its signature."""

    class Meta:
        model = Campaign

    class Params:
        protocol = factory.SubFactory(ProtocolFactory)

    protocol_id = factory.SelfAttribute("protocol.id")
    title = factory.LazyAttribute(lambda o: f"Censimento - {o.protocol.title}")
    opens_on = factory.SelfAttribute("protocol.signed_on")
    due_on = date(2018, 6, 27)
    schema_keys = factory.List(["mini"])
    status = CampaignStatus.OPEN
    created_by = "segreteria"


class SubmissionFactory(TenantOwnedFactory):
    """A tenant's draft answering a survey schema in a campaign."""

    class Meta:
        model = Submission

    class Params:
        campaign = factory.SubFactory(CampaignFactory)

    campaign_id = factory.SelfAttribute("campaign.id")
    schema = factory.SubFactory(SurveySchemaFactory)
    schema_key = factory.SelfAttribute("schema.key")
    schema_version = factory.SelfAttribute("schema.version")
    status = SubmissionStatus.DRAFT
    answers = factory.LazyFunction(dict)
    created_by = "utente"
    updated_by = factory.SelfAttribute("created_by")


class InventoryUploadFactory(TenantOwnedFactory):
    """An imported inventory file of a tenant (its rows are ``InventoryAssetFactory``'s)."""

    class Meta:
        model = InventoryUpload

    kind = "public-lighting"
    filename = factory.Sequence(lambda n: f"punti-luce-{n}.csv")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size = 1024
    status = UploadStatus.IMPORTED
    uploaded_by = "gestore"


class InventoryAssetFactory(Factory):
    class Meta:
        model = InventoryAsset

    class Params:
        upload = factory.SubFactory(InventoryUploadFactory)

    tenant_id = factory.SelfAttribute("upload.tenant_id")
    upload_id = factory.SelfAttribute("upload.id")
    kind = factory.SelfAttribute("upload.kind")
    category = "public-lighting"
    asset_id = factory.Sequence(lambda n: f"PL-{n:05d}")
    longitude = 11.2558
    latitude = 43.7696
    line = factory.Sequence(lambda n: n + 2)


class FundingLineFactory(Factory):
    """An open single-stage funding line of the regional ERDF programme."""

    class Meta:
        model = FundingLine

    programme = "erdf_regional"
    level = "eu_shared"
    title = factory.Sequence(lambda n: f"Bando di prova {n}")
    opening_date = date(2026, 1, 15)
    deadlines = factory.List([date(2026, 12, 31)])
    deadline_model = "single_stage"
    total_budget_cents = 500_000_000
    max_grant_cents = 50_000_000
    cofinancing_rate_bp = 8000
    beneficiary_kinds = factory.List(["municipality"])
    domains = factory.List(["energy"])


class ProjectFactory(TenantOwnedFactory):
    """A proposed smart-city project of a tenant."""

    class Meta:
        model = Project

    title = factory.Sequence(lambda n: f"Progetto {n}")
    domain = "energy"
    applicant_kinds = factory.List(["municipality"])
    total_cost_cents = 100_000_000
    requested_cents = 80_000_000
    status = "proposed"
