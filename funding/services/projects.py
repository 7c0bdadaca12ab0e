"""Smart-city projects of a tenant: cards, milestones, funding plans and their census links."""

from __future__ import annotations

from datetime import date

from smartregion import audit
from smartregion.errors import Conflict, Unprocessable, found
from smartregion.registry import Organization, OrganizationKind, Tenant
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from funding.models import FundingLine, FundingPlanItem, Milestone, Project
from funding.money import cents_to_decimal
from funding.reference import BeneficiaryKind, FundingSourceKind, ProjectStatus
from funding.services.matching import refresh_project_matches
from funding.validation import check_funding_plan, clean_project

PROJECT_FIELDS = (
    "title",
    "description",
    "domain",
    "secondary_domains",
    "applicant_kinds",
    "partners",
    "total_cost_cents",
    "requested_cents",
    "time_horizon",
    "start_date",
    "end_date",
    "status",
    "cup",
    "trl",
)
EXTRA_FIELDS = ("lead_company_id", "progress_pct", "reusable")
MONEY_FIELDS = {"total_cost_cents": "total_cost", "requested_cents": "requested_amount"}
# Census answers (schema "projects") to project values.
CENSUS_STATUS = {
    "idea": "proposed",
    "design": "proposed",
    "in_progress": "in_progress",
    "completed": "completed",
    "suspended": "dropped",
}
OWN_SOURCES = {"municipal_budget", "company_budget"}


def project_snapshot(project: Project) -> dict:
    return {
        "id": project.id,
        **{name: getattr(project, name) for name in PROJECT_FIELDS + EXTRA_FIELDS},
        "milestones": [{"title": m.title, "due_on": m.due_on, "done_on": m.done_on} for m in project.milestones],
        "funding_plan": [
            {
                "source_kind": i.source_kind,
                "funding_line_id": i.funding_line_id,
                "amount_cents": i.amount_cents,
            }
            for i in project.funding_items
        ],
    }


def _to_raw(data: dict) -> dict:
    raw = {key: value for key, value in data.items() if key not in MONEY_FIELDS}
    for field, name in MONEY_FIELDS.items():
        if field in data:
            raw[name] = None if data[field] is None else cents_to_decimal(data[field])
    return raw


def _api_errors(errors: dict) -> dict:
    back = {name: field for field, name in MONEY_FIELDS.items()}
    return {back.get(key, key): messages for key, messages in errors.items()}


def projects_query(tenant_id: int, *, status: str | None = None, domain: str | None = None) -> Select:
    statement = select(Project).where(Project.tenant_id == tenant_id).order_by(Project.id)
    if status:
        statement = statement.where(Project.status == status)
    if domain:
        statement = statement.where(Project.domain == domain)
    return statement


def get_project(session: Session, tenant_id: int, project_id: int) -> Project:
    return found(session.scalar(select(Project).where(Project.tenant_id == tenant_id, Project.id == project_id)),
                 f"Project {project_id} not found.")


def check_lead_company(session: Session, tenant_id: int, company_id: int | None) -> None:
    """A project's (or plan's) lead company is a participated company serving the same tenant: another
    tenant's company is refused (422), as if it did not exist."""
    from tenants import services as tenants

    if company_id is None:
        return
    company = session.get(Organization, company_id)
    if company is None or company.kind != OrganizationKind.PARTICIPATED_COMPANY:
        raise Unprocessable(
            "The lead company must be a registered participated company.",
            errors={"lead_company_id": ["Not a participated company."]},
        )
    if company_id not in tenants.companies_serving(session, tenant_id):
        raise Unprocessable(
            "The lead company must be one of the companies serving this municipality.",
            errors={"lead_company_id": ["Not a company of this tenant: its lead company or a member utility."]},
        )


def _check_cup(session: Session, tenant_id: int, project_id: int | None, cup: str | None) -> None:
    if not cup:
        return
    other = session.scalar(select(Project).where(Project.tenant_id == tenant_id, Project.cup == cup))
    if other is not None and other.id != project_id:
        raise Conflict(f"Project {other.id} already has CUP {cup}.", errors={"cup": ["Already in use."]})


def _clean(data: dict) -> dict:
    clean, errors = clean_project(_to_raw(data))
    if errors:
        raise Unprocessable("The project is not valid.", errors=_api_errors(errors))
    if clean["requested_cents"] is None:
        clean["requested_cents"] = clean["total_cost_cents"]
    return clean


def create_project(session: Session, tenant_id: int, data: dict, *, actor: str | None = None) -> Project:
    """Add a project card; its funding matches are computed at once."""
    clean = _clean(data)
    tenant = session.get(Tenant, tenant_id)
    lead = data.get("lead_company_id", tenant.lead_company_id)
    check_lead_company(session, tenant_id, lead)
    _check_cup(session, tenant_id, None, clean["cup"])
    project = Project(
        tenant_id=tenant_id,
        lead_company_id=lead,
        progress_pct=data.get("progress_pct") or 0,
        reusable=bool(data.get("reusable")),
        census_submission_id=data.get("census_submission_id"),
        census_item=data.get("census_item"),
    )
    for name in PROJECT_FIELDS:
        setattr(project, name, clean[name])
    session.add(project)
    session.flush()
    if data.get("milestones"):
        _replace_milestones(session, project, data["milestones"])
    if data.get("funding_plan"):
        _replace_plan(session, project, data["funding_plan"])
    session.flush()
    audit.record(
        session,
        action="funding.project.create",
        entity_type="project",
        entity_id=project.id,
        tenant_id=tenant_id,
        after=project_snapshot(project),
        actor=actor,
    )
    refresh_project_matches(session, project)
    return project


def update_project(
    session: Session, tenant_id: int, project_id: int, changes: dict, *, actor: str | None = None
) -> Project:
    """Change a project card; the funding plan must still fit the cost; matches are recomputed."""
    project = get_project(session, tenant_id, project_id)
    before = project_snapshot(project)
    merged = {name: getattr(project, name) for name in PROJECT_FIELDS} | {
        k: v for k, v in changes.items() if k in PROJECT_FIELDS
    }
    if (
        "total_cost_cents" in changes
        and "requested_cents" not in changes
        and project.requested_cents == project.total_cost_cents
    ):
        merged["requested_cents"] = changes["total_cost_cents"]
    clean = _clean(merged)
    _check_cup(session, tenant_id, project.id, clean["cup"])
    if "lead_company_id" in changes:
        check_lead_company(session, tenant_id, changes["lead_company_id"])
        project.lead_company_id = changes["lead_company_id"]
    plan_total = sum(item.amount_cents for item in project.funding_items)
    if plan_total > clean["total_cost_cents"]:
        raise Unprocessable(
            "The funding plan would exceed the project's cost.",
            errors={"total_cost_cents": ["Below the funding plan's total."]},
        )
    for name in PROJECT_FIELDS:
        setattr(project, name, clean[name])
    for name in ("progress_pct", "reusable"):
        if name in changes:
            setattr(project, name, changes[name])
    project.revision += 1
    session.flush()
    audit.record(
        session,
        action="funding.project.update",
        entity_type="project",
        entity_id=project.id,
        tenant_id=tenant_id,
        before=before,
        after=project_snapshot(project),
        actor=actor,
    )
    refresh_project_matches(session, project)
    return project


def _replace_milestones(session: Session, project: Project, items: list[dict]) -> None:
    project.milestones.clear()
    session.flush()
    for item in items:
        project.milestones.append(
            Milestone(
                tenant_id=project.tenant_id,
                title=item["title"],
                due_on=item["due_on"],
                done_on=item.get("done_on"),
            )
        )
    if items:
        project.progress_pct = round(100 * sum(1 for i in items if i.get("done_on")) / len(items))


def set_milestones(
    session: Session, tenant_id: int, project_id: int, items: list[dict], *, actor: str | None = None
) -> Project:
    """Replace the project's milestones; progress follows the share of milestones done."""
    return _change_project(session, tenant_id, project_id, "funding.project.milestones",
                           lambda project: _replace_milestones(session, project, items), actor=actor)


def _change_project(session: Session, tenant_id: int, project_id: int, action: str, change, *,
                    actor: str | None) -> Project:
    """Apply one change to a project, bump its revision and audit it with before and after."""
    project = get_project(session, tenant_id, project_id)
    before = project_snapshot(project)
    change(project)
    project.revision += 1
    session.flush()
    audit.record(session, action=action, entity_type="project", entity_id=project.id, tenant_id=tenant_id,
                 before=before, after=project_snapshot(project), actor=actor)
    return project


def _replace_plan(session: Session, project: Project, items: list[dict]) -> None:
    raw = [
        {
            **item,
            "amount": None if item.get("amount_cents") is None else cents_to_decimal(item["amount_cents"]),
        }
        for item in items
    ]
    clean_items, errors = check_funding_plan(project.total_cost_cents, raw)
    for index, item in enumerate(clean_items):
        line_id = item["funding_line_id"]
        if line_id is not None and session.get(FundingLine, int(line_id)) is None:
            errors.setdefault(f"funding_plan.{index}.funding_line_id", []).append(f"No funding line {line_id}.")
    if errors:
        errors = {
            key.replace(".amount", ".amount_cents") if key.endswith(".amount") else key: value
            for key, value in errors.items()
        }
        raise Unprocessable("The funding plan is not valid.", errors=errors)
    project.funding_items.clear()
    session.flush()
    for item in clean_items:
        project.funding_items.append(
            FundingPlanItem(
                tenant_id=project.tenant_id,
                source_kind=item["source_kind"],
                funding_line_id=None if item["funding_line_id"] is None else int(item["funding_line_id"]),
                label=item["label"],
                amount_cents=item["amount_cents"],
            )
        )


def set_funding_plan(
    session: Session, tenant_id: int, project_id: int, items: list[dict], *, actor: str | None = None
) -> Project:
    """Replace the project's funding plan (sources and amounts, together at most the project's cost)."""
    project = _change_project(session, tenant_id, project_id, "funding.project.funding_plan",
                              lambda project: _replace_plan(session, project, items), actor=actor)
    refresh_project_matches(session, project)
    return project


def projects_from_census(session: Session, tenant_id: int, submission_id: int, *, actor: str | None = None) -> dict:
    """Turn the entries of a census "projects" submission into project cards (again: skips those done)."""
    from census.services import SubmissionStatus, get_submission

    submission = get_submission(session, tenant_id, submission_id)
    if submission.schema_key != "projects":
        raise Unprocessable(
            "Only a census 'projects' submission can become projects.",
            errors={"submission_id": [f"This is a {submission.schema_key!r} submission."]},
        )
    if submission.status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED):
        raise Conflict("The submission has not been submitted yet.")
    tenant = session.get(Tenant, tenant_id)
    created, existing, refused = [], [], []
    for index, entry in enumerate((submission.answers or {}).get("projects") or []):
        done = session.scalar(
            select(Project.id).where(
                Project.tenant_id == tenant_id,
                Project.census_submission_id == submission.id,
                Project.census_item == index,
            )
        )
        if done is not None:
            existing.append(done)
            continue
        data = _from_census_entry(entry, tenant)
        data |= {"census_submission_id": submission.id, "census_item": index}
        try:
            with session.begin_nested():
                project = create_project(session, tenant_id, data, actor=actor)
        except (Unprocessable, Conflict) as exc:
            refused.append({"item": index, "title": entry.get("title"), "errors": exc.errors or {}})
            continue
        created.append(project.id)
    return {"submission_id": submission.id, "created": created, "existing": existing, "refused": refused}


def _from_census_entry(entry: dict, tenant: Tenant) -> dict:
    from funding.money import parse_cents

    budget = parse_cents(entry.get("budget") or 0)
    funded = parse_cents(entry.get("funded_amount") or 0)
    company = entry.get("promoter_kind") == "participated_company"
    kinds = [BeneficiaryKind.MUNICIPALITY.value] + ([BeneficiaryKind.PARTICIPATED_COMPANY.value] if company else [])
    data = {
        "title": entry.get("title"),
        "description": entry.get("description"),
        "domain": entry.get("domain"),
        "secondary_domains": entry.get("other_domains") or [],
        "applicant_kinds": kinds,
        "total_cost_cents": budget,
        "requested_cents": max(budget - funded, 0),
        "start_date": entry.get("start_on"),
        "end_date": entry.get("end_on"),
        "status": CENSUS_STATUS.get(entry.get("status"), ProjectStatus.PROPOSED.value),
        "cup": entry.get("cup"),
        "reusable": bool(entry.get("reusable")),
        "lead_company_id": tenant.lead_company_id,
    }
    if funded:
        sources = entry.get("funding_sources") or []
        kind = FundingSourceKind.OWN if sources and set(sources) <= OWN_SOURCES else FundingSourceKind.OTHER_PUBLIC
        if sources == ["private"]:
            kind = FundingSourceKind.PRIVATE
        data["funding_plan"] = [
            {
                "source_kind": kind.value,
                "amount_cents": funded,
                "label": "Censimento: " + ", ".join(sources) if sources else "Censimento",
            }
        ]
    return data


def projects_summary(session: Session, tenant_id: int, as_of: date) -> dict:
    """A tenant's project cards as the monitoring reads them: how many, their cost, funding secured,
    milestones met and overdue on ``as_of``."""
    items = session.scalars(projects_query(tenant_id)).unique().all()
    summary = {"projects": len(items), "by_status": {}, "total_cost_cents": 0, "funding_secured_cents": 0,
               "milestones": 0, "milestones_done": 0, "milestones_overdue": 0, "average_progress_pct": None,
               "overdue": []}
    for project in items:
        summary["by_status"][project.status] = summary["by_status"].get(project.status, 0) + 1
        summary["total_cost_cents"] += project.total_cost_cents or 0
        summary["funding_secured_cents"] += sum(item.amount_cents for item in project.funding_items)
        for milestone in project.milestones:
            summary["milestones"] += 1
            if milestone.done_on and milestone.done_on <= as_of:
                summary["milestones_done"] += 1
            elif milestone.due_on < as_of:
                summary["milestones_overdue"] += 1
                summary["overdue"].append({"project": project.title, "milestone": milestone.title,
                                           "due_on": milestone.due_on.isoformat()})
    if items:
        summary["average_progress_pct"] = round(sum(p.progress_pct or 0 for p in items) / len(items))
    return summary
