"""REST API of funding lines, projects, explained matches, notices and the operational plan."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from smartregion import auth, idempotency, ratelimit, tenancy
from smartregion.api import Blueprint, paginate
from smartregion.db import get_session
from smartregion.errors import BadRequest, Forbidden
from smartregion.security import document_response
from smartregion.storage import storage
from smartregion.web.downloads import attachment

from funding import exports
from funding.schemas import (
    FundingFileSchema,
    FundingImportAcceptedSchema,
    FundingImportQuerySchema,
    FundingLineInputSchema,
    FundingLineQuerySchema,
    FundingLineRankingSchema,
    FundingLineSchema,
    FundingLineUpdateSchema,
    FundingMatchesQuerySchema,
    FundingNoticeQuerySchema,
    FundingNoticeSchema,
    OperationalPlanExportQuerySchema,
    OperationalPlanInputSchema,
    OperationalPlanMunicipalityInputSchema,
    OperationalPlanMunicipalitySchema,
    OperationalPlanSchema,
    OperationalPlanUpdateSchema,
    ProjectFundingPlanSchema,
    ProjectInputSchema,
    ProjectListQuerySchema,
    ProjectMatchesSchema,
    ProjectMilestonesSchema,
    ProjectSchema,
    ProjectsFromCensusReportSchema,
    ProjectsFromCensusSchema,
    ProjectUpdateSchema,
)
from funding.services import cohesion, lines, matching, notices, plans, projects

blp = Blueprint(
    "funding",
    __name__,
    url_prefix="/api/v1",
    description="Funding lines, smart-city projects, explained matching, operational plan",
)




def _actor() -> str:
    return auth.require_user().username


def _uploaded() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("Send the file as multipart field 'file'.", errors={"file": ["Missing file."]})
    data = upload.read()
    stored = storage().put_bytes(data)
    return data, stored.sha256


def _stored_upload() -> tuple[str, str]:
    """Stream the multipart ``file`` into storage (large files never sit in memory): (filename, sha256)."""
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("Send the file as multipart field 'file'.", errors={"file": ["Missing file."]})
    return upload.filename or "upload", storage().put(upload.stream).sha256


def _write_region() -> None:
    user = auth.require_roles("secretariat")
    if user.read_only:
        raise Forbidden("Auditors have read-only access.")
    tenancy.set_regional(True)


# --- funding lines -------------------------------------------------------------------------------


@blp.route("/funding-lines")
class FundingLines(MethodView):
    @blp.arguments(FundingLineQuerySchema, location="query")
    @blp.response(200, FundingLineSchema(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, query, pagination_parameters):
        """Funding lines of the region (every signed-in user)."""
        auth.require_user()
        return paginate(lines.lines_query(**query), pagination_parameters)

    @blp.arguments(FundingLineInputSchema)
    @blp.response(201, FundingLineSchema)
    @blp.documents_errors(400, 409, 422)
    def post(self, data):
        """Add a funding line (secretariat); its matches with every project are computed."""
        _write_region()
        return lines.create_line(get_session(), data, actor=_actor())


@blp.route("/funding-lines/<int:line_id>")
class FundingLineById(MethodView):
    @blp.response(200, FundingLineSchema)
    @blp.documents_errors(404)
    def get(self, line_id):
        """One funding line."""
        auth.require_user()
        return lines.get_line(get_session(), line_id)

    @blp.arguments(FundingLineUpdateSchema(partial=True))
    @blp.response(200, FundingLineSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def patch(self, data, line_id):
        """Change a funding line (secretariat); matches are recomputed."""
        _write_region()
        return lines.update_line(get_session(), line_id, data, actor=_actor())


@blp.route("/funding-lines/import", methods=["POST"])
@ratelimit.upload
@blp.arguments(FundingImportQuerySchema, location="query")
@blp.arguments(FundingFileSchema, location="files")
@blp.response(202, FundingImportAcceptedSchema)
@blp.documents_errors(400, 413, 422)
def import_funding_lines(query, _files):
    """Import lines from CSV, JSON or a saved Funding & Tenders search answer (secretariat), as a job.

    The file is stored, then checked: one that cannot be read at all is refused at once (422). The job's
    result is the report: lines created, updated (same identifiers) and unchanged, and every bad row with
    its line, field and reason.
    """
    _write_region()
    key = idempotency.request_key()
    data, sha256 = _uploaded()
    session = get_session()
    digest = idempotency.fingerprint(query["format"], sha256)
    if (stored := idempotency.replay(session, key, digest)) is not None:
        return stored
    job = lines.start_import(session, data, sha256, query["format"])
    body = {"job_id": job.id, "file_sha256": sha256}
    idempotency.remember(session, key, digest, body, 202)
    return body


@blp.route("/funding-lines/<int:line_id>/ranking")
@blp.arguments(FundingMatchesQuerySchema, location="query")
@blp.response(200, FundingLineRankingSchema)
@blp.documents_errors(404)
def line_ranking(query, line_id):
    """Every project of the region for this line, best first, explained (secretariat and auditors)."""
    auth.enter_regional()
    return matching.line_ranking(
        get_session(), line_id, lang=query["lang"], eligible_only=query["eligible"], limit=query.get("limit")
    )


@blp.route("/opencoesione/import", methods=["POST"])
@ratelimit.upload
@blp.arguments(FundingFileSchema, location="files")
@blp.response(202, FundingImportAcceptedSchema)
@blp.documents_errors(400, 413, 422)
def import_opencoesione(_files):
    """Join an OpenCoesione project file to the region's projects by CUP (secretariat), as a job.

    The file is the project table as OpenCoesione publishes it (``progetti_esteso``, a zipped CSV of
    hundreds of thousands of rows, ``;`` or ``,``): its header is checked at once (422 when it is not
    that table), its rows are read by the job. The job's result lists the projects updated and every
    row skipped (outside the region's municipalities, without CUP, with a CUP no project has) or refused.
    """
    _write_region()
    key = idempotency.request_key()
    filename, sha256 = _stored_upload()
    session = get_session()
    digest = idempotency.fingerprint("opencoesione", sha256)
    if (stored := idempotency.replay(session, key, digest)) is not None:
        return stored
    job = cohesion.start_import(session, storage().path(sha256), sha256, filename)
    body = {"job_id": job.id, "file_sha256": sha256}
    idempotency.remember(session, key, digest, body, 202)
    return body


# --- projects ------------------------------------------------------------------------------------


@blp.route("/tenants/<slug>/projects")
class Projects(MethodView):
    @blp.arguments(ProjectListQuerySchema, location="query")
    @blp.response(200, ProjectSchema(many=True))
    @blp.paginate()
    @blp.documents_errors(404)
    def get(self, query, pagination_parameters, slug):
        """The municipality's smart-city projects."""
        tenant = auth.enter_tenant(slug)
        return paginate(projects.projects_query(tenant.id, **query), pagination_parameters)

    @blp.arguments(ProjectInputSchema)
    @blp.response(201, ProjectSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def post(self, data, slug):
        """Add a project card (with milestones and funding plan if given); matches are computed."""
        tenant = auth.enter_tenant(slug, write=True)
        return projects.create_project(get_session(), tenant.id, data, actor=_actor())


@blp.route("/tenants/<slug>/projects/<int:project_id>")
class ProjectById(MethodView):
    @blp.response(200, ProjectSchema)
    @blp.documents_errors(404)
    def get(self, slug, project_id):
        """One project card."""
        tenant = auth.enter_tenant(slug)
        return projects.get_project(get_session(), tenant.id, project_id)

    @blp.arguments(ProjectUpdateSchema(partial=True))
    @blp.response(200, ProjectSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def patch(self, data, slug, project_id):
        """Change a project card; matches are recomputed."""
        tenant = auth.enter_tenant(slug, write=True)
        return projects.update_project(get_session(), tenant.id, project_id, data, actor=_actor())


@blp.route("/tenants/<slug>/projects/<int:project_id>/milestones", methods=["PUT"])
@blp.arguments(ProjectMilestonesSchema)
@blp.response(200, ProjectSchema)
@blp.documents_errors(400, 404, 422)
def put_milestones(data, slug, project_id):
    """Replace the project's milestones; progress follows."""
    tenant = auth.enter_tenant(slug, write=True)
    return projects.set_milestones(get_session(), tenant.id, project_id, data["milestones"], actor=_actor())


@blp.route("/tenants/<slug>/projects/<int:project_id>/funding-plan", methods=["PUT"])
@blp.arguments(ProjectFundingPlanSchema)
@blp.response(200, ProjectSchema)
@blp.documents_errors(400, 404, 422)
def put_funding_plan(data, slug, project_id):
    """Replace the project's funding plan; its amounts may not exceed the project's cost."""
    tenant = auth.enter_tenant(slug, write=True)
    return projects.set_funding_plan(get_session(), tenant.id, project_id, data["funding_plan"], actor=_actor())


@blp.route("/tenants/<slug>/projects/<int:project_id>/matches")
@blp.arguments(FundingMatchesQuerySchema, location="query")
@blp.response(200, ProjectMatchesSchema)
@blp.documents_errors(404)
def project_matches(query, slug, project_id):
    """Funding lines for this project, best first, each with ``eligible``, ``score`` and ``criteria``."""
    tenant = auth.enter_tenant(slug)
    return matching.project_matches(
        get_session(),
        tenant.id,
        project_id,
        lang=query["lang"],
        eligible_only=query["eligible"],
        limit=query.get("limit"),
    )


@blp.route("/tenants/<slug>/projects/from-census", methods=["POST"])
@blp.arguments(ProjectsFromCensusSchema)
@blp.response(200, ProjectsFromCensusReportSchema)
@blp.documents_errors(400, 404, 409, 422)
def projects_from_census(data, slug):
    """Turn a census "projects" submission into project cards (idempotent)."""
    tenant = auth.enter_tenant(slug, write=True)
    return projects.projects_from_census(get_session(), tenant.id, data["submission_id"], actor=_actor())


@blp.route("/tenants/<slug>/funding-notices")
@blp.arguments(FundingNoticeQuerySchema, location="query")
@blp.response(200, FundingNoticeSchema(many=True))
@blp.documents_errors(404)
def list_notices(query, slug):
    """Deadline notices of the municipality's matching projects (30, 14 and 7 days before)."""
    tenant = auth.enter_tenant(slug)
    rows = get_session().execute(notices.notices_query(tenant.id, unread_only=query["unread"])).all()
    return [
        {
            "id": n.id,
            "project_id": n.project_id,
            "funding_line_id": n.funding_line_id,
            "funding_line_title": line.title,
            "deadline": n.deadline,
            "threshold_days": n.threshold_days,
            "days_left": n.days_left,
            "created_at": n.created_at,
            "read_at": n.read_at,
        }
        for n, line in rows
    ]


@blp.route("/tenants/<slug>/funding-notices/<int:notice_id>/read", methods=["POST"])
@blp.response(204)
@blp.documents_errors(404)
def read_notice(slug, notice_id):
    """Mark a notice as read."""
    tenant = auth.enter_tenant(slug, write=True)
    notices.mark_read(get_session(), tenant.id, notice_id, actor=_actor())


# --- operational plan ----------------------------------------------------------------------------


@blp.route("/operational-plans")
class Plans(MethodView):
    @blp.response(200, OperationalPlanSchema(many=True))
    @blp.paginate()
    @blp.documents_errors()
    def get(self, pagination_parameters):
        """The versions of the operational plans: approved and superseded ones for every signed-in user,
        drafts too for the secretariat and auditors."""
        user = auth.require_user()
        return paginate(plans.plans_query(drafts=user.is_regional), pagination_parameters)

    @blp.arguments(OperationalPlanInputSchema)
    @blp.response(201, OperationalPlanSchema)
    @blp.documents_errors(400, 409, 422)
    def post(self, data):
        """Start an operational plan, version 1 as a draft (secretariat)."""
        _write_region()
        return plans.create_plan(get_session(), **data, actor=_actor())


@blp.route("/operational-plans/<int:plan_id>")
class PlanById(MethodView):
    @blp.response(200, OperationalPlanSchema)
    @blp.documents_errors(404)
    def get(self, plan_id):
        """One version of a plan (a draft for the secretariat and auditors only)."""
        user = auth.require_user()
        return plans.get_plan(get_session(), plan_id, drafts=user.is_regional)

    @blp.arguments(OperationalPlanUpdateSchema)
    @blp.response(200, OperationalPlanSchema)
    @blp.documents_errors(400, 404, 409, 422)
    def patch(self, data, plan_id):
        """Edit a draft: title, notes, standards adopted, best practices (secretariat)."""
        _write_region()
        return plans.update_plan(get_session(), plan_id, data, actor=_actor())


@blp.route("/operational-plans/<int:plan_id>/municipalities/<slug>", methods=["PUT"])
@blp.arguments(OperationalPlanMunicipalityInputSchema)
@blp.response(200, OperationalPlanMunicipalitySchema)
@blp.documents_errors(400, 404, 409, 422)
def put_plan_municipality(data, plan_id, slug):
    """Set a municipality's first group of projects and its lead company in a draft (secretariat)."""
    _write_region()
    return plans.set_municipality(
        get_session(),
        plan_id,
        slug,
        project_ids=data["project_ids"],
        lead_company_id=data.get("lead_company_id"),
        actor=_actor(),
    )


@blp.route("/operational-plans/<int:plan_id>/approve", methods=["POST"])
@blp.response(200, OperationalPlanSchema)
@blp.documents_errors(404, 409, 422)
def approve_plan(plan_id):
    """Approve a draft; its document is frozen and the previous approved version superseded."""
    _write_region()
    return plans.approve_plan(get_session(), plan_id, actor=_actor())


@blp.route("/operational-plans/<int:plan_id>/versions", methods=["POST"])
@blp.response(201, OperationalPlanSchema)
@blp.documents_errors(404, 409)
def new_plan_version(plan_id):
    """Open the next version of a plan as a draft copied from this one (secretariat)."""
    _write_region()
    return plans.new_version(get_session(), plan_id, actor=_actor())


@blp.route("/operational-plans/<int:plan_id>/export")
@blp.arguments(OperationalPlanExportQuerySchema, location="query")
@blp.response(200)
@blp.documents_errors(404)
def export_plan(query, plan_id):
    """The plan as JSON, HTML or XLSX, with totals by source, domain and municipality exact to the cent."""
    user = auth.require_user()
    session = get_session()
    plans.get_plan(session, plan_id, drafts=user.is_regional)
    with tenancy.regional_scope():  # an approved plan is shared with every signatory
        document = plans.plan_document(session, plan_id)
    name = f"piano-operativo-{document['plan']['series']}-v{document['plan']['version']}"
    if query["format"] == "html":
        return document_response(exports.render_html(document, query["lang"]))
    if query["format"] == "xlsx":
        return attachment(exports.render_xlsx(document, query["lang"]),
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{name}.xlsx")
    return document
