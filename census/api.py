"""REST API of the census: schemas, campaigns, submissions (ETag / If-Match), exports, analysis, reports."""

from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from smartregion import auth, tenancy
from smartregion.api import Blueprint, paginate
from smartregion.db import get_session
from smartregion.errors import NotFound, found
from smartregion.security import document_response
from smartregion.storage import storage
from smartregion.web.downloads import attachment
from sqlalchemy import select

from census import services
from census.models import Campaign
from census.schemas import (
    CampaignCloseSchema,
    CensusAnalysisQuery,
    CensusCampaignDetailSchema,
    CensusCampaignSchema,
    CensusExportQuery,
    CensusReportAcceptedSchema,
    CensusReportCreateSchema,
    CensusReportSchema,
    SchemaDefinitionBody,
    SubmissionCreateSchema,
    SubmissionQuery,
    SubmissionReturnSchema,
    SubmissionSchema,
    SubmissionSummarySchema,
    SubmissionUpdateSchema,
    SubmissionVersionSchema,
    SurveySchemaDetail,
    SurveySchemaQuery,
    SurveySchemaSummary,
    TenantCensusExportQuery,
    TenantStandingSchema,
)
from tenants.models import Tenant

blp = Blueprint("census", __name__, url_prefix="/api/v1",
                description="Census: survey schemas, campaigns, submissions, analysis and report")

FILERS = ("municipality", "utility")


def _actor() -> str:
    return auth.require_user().username




def _with_etag(sub, status: int = 200, **headers):
    return sub, status, {"ETag": sub.etag, **headers}


def _campaign(campaign_id: int | None) -> Campaign:
    session = get_session()
    if campaign_id is not None:
        return services.get_campaign(session, campaign_id)
    return found(session.scalar(services.campaigns_query().limit(1)), "There is no census campaign yet.")


def _campaign_view(campaign: Campaign, standings=None) -> dict:
    data = {column.key: getattr(campaign, column.key) for column in Campaign.__table__.c}
    data["plan_due_on"] = services.plan_due_on(get_session(), campaign)
    if standings is not None:
        data["standings"] = standings
    return data


# --- survey schemas ------------------------------------------------------------------------------

@blp.route("/census/schemas")
class SurveySchemas(MethodView):
    @blp.arguments(SurveySchemaQuery, location="query")
    @blp.response(200, SurveySchemaSummary(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, query, pagination_parameters):
        """Survey schemas with their key, version and status (draft, approved, retired)."""
        auth.require_user()
        return paginate(services.schemas_query(**query), pagination_parameters)

    @blp.arguments(SchemaDefinitionBody)
    @blp.response(201, SurveySchemaDetail)
    @blp.documents_errors(400, 409, 422)
    def post(self, definition):
        """Draft a survey schema, or a new version of one (secretariat)."""
        auth.require_roles("secretariat")
        return services.create_schema(get_session(), definition, actor=_actor())


@blp.route("/census/schemas/<key>/<int:version>")
class SurveySchemaByVersion(MethodView):
    @blp.response(200, SurveySchemaDetail)
    @blp.documents_errors(404)
    def get(self, key, version):
        """One version of a survey schema, with its definition."""
        auth.require_user()
        return services.get_schema(get_session(), key, version)

    @blp.arguments(SchemaDefinitionBody)
    @blp.response(200, SurveySchemaDetail)
    @blp.documents_errors(400, 404, 409, 422)
    def put(self, definition, key, version):
        """Replace a draft's definition (secretariat); an approved version answers 409."""
        auth.require_roles("secretariat")
        return services.update_schema(get_session(), key, version, definition, actor=_actor())


@blp.route("/census/schemas/<key>/<int:version>/approve", methods=["POST"])
@blp.response(200, SurveySchemaDetail)
@blp.documents_errors(404, 409)
def approve_schema(key, version):
    """Approve a draft for the working table (secretariat): records who and when; it becomes immutable."""
    auth.require_roles("secretariat")
    return services.approve_schema(get_session(), key, version, actor=_actor())


@blp.route("/census/schemas/<key>/<int:version>/retire", methods=["POST"])
@blp.response(200, SurveySchemaDetail)
@blp.documents_errors(404, 409)
def retire_schema(key, version):
    """Retire an approved version (secretariat): its submissions stay, new ones cannot start."""
    auth.require_roles("secretariat")
    return services.retire_schema(get_session(), key, version, actor=_actor())


@blp.route("/census/schemas/<key>/export")
@blp.arguments(CensusExportQuery, location="query")
@blp.response(200, description="CSV, XLSX or JSON file of every tenant's submissions")
@blp.documents_errors(404, 422)
def export_region(query, key):
    """Export every tenant's submissions of a schema, across its versions (secretariat, auditors)."""
    auth.enter_regional()
    exported = services.export_submissions(get_session(), key, query["format"], statuses=query.get("status"),
                                           campaign_id=query.get("campaign_id"))
    return attachment(exported.content, exported.mimetype, exported.filename)


# --- campaigns -----------------------------------------------------------------------------------

@blp.route("/census/campaigns")
class Campaigns(MethodView):
    @blp.response(200, CensusCampaignSchema(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, pagination_parameters):
        """Census campaigns, most recent first."""
        auth.require_user()
        return [_campaign_view(c) for c in paginate(services.campaigns_query(), pagination_parameters)]

    @blp.arguments(CensusCampaignSchema)
    @blp.response(201, CensusCampaignSchema)
    @blp.documents_errors(400, 409, 422)
    def post(self, data):
        """Open the census campaign of a protocol (secretariat): due 6 months after signature."""
        auth.require_roles("secretariat")
        campaign = services.create_campaign(get_session(), data["protocol_id"], title=data.get("title"),
                                            schema_keys=data.get("schema_keys"), actor=_actor())
        return _campaign_view(campaign)


@blp.route("/census/campaigns/<int:campaign_id>")
@blp.response(200, CensusCampaignDetailSchema)
@blp.documents_errors(404)
def get_campaign(campaign_id):
    """A campaign and each tenant's state in it (all tenants for the region, one's own otherwise)."""
    user = auth.require_user()
    session = get_session()
    campaign = services.get_campaign(session, campaign_id)
    if user.is_regional:
        tenancy.set_regional(True)
        return _campaign_view(campaign, services.standings(session, campaign))
    rows = []
    for tenant in session.scalars(select(Tenant).where(Tenant.slug.in_(sorted(user.tenant_slugs)))):
        with tenancy.tenant_context(tenant.id):
            rows += services.standings(session, campaign, tenant_ids=[tenant.id])
    return _campaign_view(campaign, rows)


@blp.route("/census/campaigns/<int:campaign_id>/close", methods=["POST"])
@blp.arguments(CampaignCloseSchema)
@blp.response(200, CensusCampaignSchema)
@blp.documents_errors(400, 404, 409, 422)
def close_campaign(data, campaign_id):
    """Close the census (secretariat): records `closed_on`, opening the operational plan's window."""
    auth.require_roles("secretariat")
    campaign = services.close_campaign(get_session(), campaign_id, closed_on=data.get("closed_on"),
                                       actor=_actor())
    return _campaign_view(campaign)


@blp.route("/tenants/<slug>/census/standing")
@blp.arguments(CensusAnalysisQuery, location="query")
@blp.response(200, TenantStandingSchema)
@blp.documents_errors(404)
def tenant_standing(query, slug):
    """The tenant's state in a campaign (the most recent by default) and its due date."""
    tenant = auth.enter_tenant(slug)
    session = get_session()
    campaign = _campaign(query.get("campaign_id"))
    return services.standings(session, campaign, tenant_ids=[tenant.id])[0]


# --- submissions ---------------------------------------------------------------------------------

@blp.route("/tenants/<slug>/census/submissions")
class Submissions(MethodView):
    @blp.arguments(SubmissionQuery, location="query")
    @blp.response(200, SubmissionSummarySchema(many=True))
    @blp.paginate()
    @blp.documents_errors(404)
    def get(self, query, pagination_parameters, slug):
        """The tenant's submissions."""
        tenant = auth.enter_tenant(slug)
        return paginate(services.submissions_query(tenant_id=tenant.id, **query), pagination_parameters)

    @blp.arguments(SubmissionCreateSchema)
    @blp.response(201, SubmissionSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, slug):
        """Start a submission pinned to an approved schema version; `{}` answers make a valid draft."""
        tenant = auth.enter_tenant(slug, write=True, roles=FILERS)
        sub = services.create_submission(get_session(), tenant.id, actor=_actor(), **data)
        location = url_for("census.SubmissionById", slug=slug, submission_id=sub.id)
        return _with_etag(sub, 201, Location=location)


@blp.route("/tenants/<slug>/census/submissions/<int:submission_id>")
class SubmissionById(MethodView):
    @blp.response(200, SubmissionSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.documents_errors(404)
    def get(self, slug, submission_id):
        """A submission with its answers, per-field errors, completeness, comments and ETag."""
        tenant = auth.enter_tenant(slug)
        return _with_etag(services.get_submission(get_session(), tenant.id, submission_id))

    @blp.arguments(SubmissionUpdateSchema)
    @blp.response(200, SubmissionSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.documents_errors(400, 404, 409, 412, 422, 428)
    def put(self, data, slug, submission_id):
        """Save the draft's answers; needs `If-Match` with the ETag read (428 without, 412 when stale)."""
        tenant = auth.enter_tenant(slug, write=True, roles=FILERS)
        sub = services.update_submission(get_session(), tenant.id, submission_id, data["answers"],
                                         if_match=request.headers.get("If-Match"), actor=_actor())
        return _with_etag(sub)


@blp.route("/tenants/<slug>/census/submissions/<int:submission_id>/submit", methods=["POST"])
@blp.response(200, SubmissionSchema, headers={"ETag": {"schema": {"type": "string"}}})
@blp.documents_errors(404, 409, 412, 422)
def submit_submission(slug, submission_id):
    """Submit; missing or invalid answers answer 422 with the field map. `If-Match` is checked if sent."""
    tenant = auth.enter_tenant(slug, write=True, roles=FILERS)
    sub = services.submit_submission(get_session(), tenant.id, submission_id,
                                     if_match=request.headers.get("If-Match"), actor=_actor())
    return _with_etag(sub)


@blp.route("/tenants/<slug>/census/submissions/<int:submission_id>/return", methods=["POST"])
@blp.arguments(SubmissionReturnSchema)
@blp.response(200, SubmissionSchema, headers={"ETag": {"schema": {"type": "string"}}})
@blp.documents_errors(400, 404, 409, 422)
def return_submission(data, slug, submission_id):
    """Return a submitted form for correction, with comments per field path (secretariat)."""
    tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
    sub = services.return_submission(get_session(), tenant.id, submission_id, comments=data["comments"],
                                     note=data.get("note"), actor=_actor())
    return _with_etag(sub)


@blp.route("/tenants/<slug>/census/submissions/<int:submission_id>/accept", methods=["POST"])
@blp.response(200, SubmissionSchema, headers={"ETag": {"schema": {"type": "string"}}})
@blp.documents_errors(404, 409)
def accept_submission(slug, submission_id):
    """Accept a submitted form (secretariat); a draft never submitted answers 409."""
    tenant = auth.enter_tenant(slug, write=True, roles=("secretariat",))
    return _with_etag(services.accept_submission(get_session(), tenant.id, submission_id, actor=_actor()))


@blp.route("/tenants/<slug>/census/submissions/<int:submission_id>/history")
@blp.response(200, SubmissionVersionSchema(many=True))
@blp.documents_errors(404)
def submission_history(slug, submission_id):
    """Every kept state of the submission: who changed what, and when."""
    tenant = auth.enter_tenant(slug)
    return services.submission_history(get_session(), tenant.id, submission_id)


@blp.route("/tenants/<slug>/census/export")
@blp.arguments(TenantCensusExportQuery, location="query")
@blp.response(200, description="CSV, XLSX or JSON file of the tenant's submissions")
@blp.documents_errors(404, 422)
def export_tenant(query, slug):
    """Export the tenant's submissions of one schema, across its versions."""
    tenant = auth.enter_tenant(slug)
    exported = services.export_submissions(get_session(), query["schema_key"], query["format"],
                                           tenant_id=tenant.id, statuses=query.get("status"),
                                           campaign_id=query.get("campaign_id"))
    return attachment(exported.content, exported.mimetype, f"{slug}-{exported.filename}")


@blp.route("/census/submissions")
@blp.arguments(SubmissionQuery, location="query")
@blp.response(200, SubmissionSummarySchema(many=True))
@blp.paginate()
@blp.documents_errors()
def region_submissions(query, pagination_parameters):
    """Every tenant's submissions, for the secretariat's review (and auditors)."""
    auth.enter_regional()
    return paginate(services.submissions_query(**query), pagination_parameters)


# --- analysis and report -------------------------------------------------------------------------

@blp.route("/census/analysis")
@blp.arguments(CensusAnalysisQuery, location="query")
@blp.response(200, description="Region-wide indicators")
@blp.documents_errors(404)
def region_analysis(query):
    """Region-wide indicators: services and projects by domain, network km, broadband, completeness."""
    auth.enter_regional()
    campaign = _campaign(query.get("campaign_id"))
    return services.indicators(get_session(), campaign, include_drafts=query["include_drafts"])


@blp.route("/tenants/<slug>/census/analysis")
@blp.arguments(CensusAnalysisQuery, location="query")
@blp.response(200, description="The tenant's indicators")
@blp.documents_errors(404)
def tenant_analysis(query, slug):
    """The tenant's indicators, computed like the region's."""
    tenant = auth.enter_tenant(slug)
    campaign = _campaign(query.get("campaign_id"))
    return services.indicators(get_session(), campaign, tenant_ids=[tenant.id],
                               include_drafts=query["include_drafts"])


@blp.route("/census/reports")
class Reports(MethodView):
    @blp.response(200, CensusReportSchema(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, pagination_parameters):
        """Census reports, most recent first (secretariat, auditors)."""
        auth.enter_regional()
        return paginate(services.reports_query(), pagination_parameters)

    @blp.arguments(CensusReportCreateSchema)
    @blp.response(202, CensusReportAcceptedSchema)
    @blp.documents_errors(400, 404)
    def post(self, data):
        """Build the census report (HTML and XLSX) with a job on the `reports` queue (secretariat)."""
        auth.enter_regional("secretariat")
        report, job = services.request_report(get_session(), _campaign(data.get("campaign_id")).id,
                                              actor=_actor())
        return {"report": report, "job_id": job.id}


@blp.route("/census/reports/<int:report_id>")
@blp.response(200, CensusReportSchema)
@blp.documents_errors(404)
def get_report(report_id):
    """One census report and where to download it once ready."""
    auth.enter_regional()
    return services.get_report(get_session(), report_id)


@blp.route("/census/reports/<int:report_id>/report.<fmt>")
@blp.response(200, description="The report as HTML or XLSX")
@blp.documents_errors(404)
def download_report(report_id, fmt):
    """Download the report document."""
    auth.enter_regional()
    report = services.get_report(get_session(), report_id)
    digest = {"html": report.html_sha256, "xlsx": report.xlsx_sha256}.get(fmt)
    if digest is None:
        raise NotFound(f"Report {report_id} has no {fmt} document (yet).")
    with storage().open(digest) as stream:
        content = stream.read()
    if fmt == "html":
        return document_response(content)
    return attachment(content, services.FORMATS["xlsx"], f"census-report-{report_id}.xlsx")
