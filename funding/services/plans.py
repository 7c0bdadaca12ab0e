"""The regional operational plan (piano operativo): composed by the secretariat, versioned, approved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext
from smartregion import audit, tenancy
from smartregion.db import any_ids, sequential_on_citus
from smartregion.errors import Conflict, Forbidden, Unprocessable, found, get_or_404
from smartregion.i18n import translate
from smartregion.registry import Organization, Tenant
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from funding.models import OperationalPlan, PlanMunicipality, PlanStatus, Project
from funding.reference import N_, Domain, FundingSourceKind, Programme, ProjectStatus
from funding.services.projects import check_lead_company

UNCOVERED = "to_be_found"
# A source of the totals: a programme, a kind of source other than a funding line, or what is still to find.
SOURCE_LABELS = {member.value: member.message for member in (*Programme, *FundingSourceKind)} | {
    UNCOVERED: N_("To be found")}


def plan_snapshot(plan: OperationalPlan) -> dict:
    return {
        "id": plan.id,
        "series": plan.series,
        "version": plan.version,
        "title": plan.title,
        "status": plan.status,
        "standards": plan.standards,
        "best_practices": plan.best_practices,
        "notes": plan.notes,
    }


@dataclass(frozen=True)
class PlanEntry:
    """A municipality named in a version of the operational plan, as the monitoring reads it."""

    tenant_id: int
    series: str
    version: int
    status: PlanStatus
    approved_at: datetime | None
    projects: int


def plan_entries(session: Session, tenant_ids: list[int]) -> list[PlanEntry]:
    """Every plan version naming one of ``tenant_ids``, with how many of its projects it takes (documents unread)."""
    statement = (select(PlanMunicipality.tenant_id, OperationalPlan.series, OperationalPlan.version,
                        OperationalPlan.status, OperationalPlan.approved_at,
                        func.coalesce(func.jsonb_array_length(PlanMunicipality.project_ids), 0))
                 .join(OperationalPlan, OperationalPlan.id == PlanMunicipality.plan_id)
                 .where(PlanMunicipality.tenant_id == any_ids(tenant_ids))
                 .order_by(PlanMunicipality.tenant_id, OperationalPlan.series, OperationalPlan.version))
    return [PlanEntry(*row) for row in session.execute(statement)]


def plans_query(*, series: str | None = None, drafts: bool = True) -> Select:
    """The plans' versions; without ``drafts`` only the approved and superseded ones (what members read)."""
    statement = select(OperationalPlan).order_by(OperationalPlan.series, OperationalPlan.version)
    if series:
        statement = statement.where(OperationalPlan.series == series)
    if not drafts:
        statement = statement.where(OperationalPlan.status != PlanStatus.DRAFT)
    return statement


def get_plan(session: Session, plan_id: int, *, drafts: bool = True) -> OperationalPlan:
    """A version of a plan; a draft is refused (403) when ``drafts`` is false: only the secretariat and
    the auditors read a plan before its approval."""
    plan = get_or_404(session, OperationalPlan, plan_id, f"Operational plan {plan_id} not found.")
    if not drafts and plan.status == PlanStatus.DRAFT:
        raise Forbidden("A draft plan is visible to the secretariat and auditors only.")
    return plan


def _draft(session: Session, plan_id: int) -> OperationalPlan:
    plan = get_plan(session, plan_id)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(f"Version {plan.version} of the plan is {plan.status}: start a new version to change it.")
    return plan


def _check_standards(standards: list[dict]) -> None:
    errors = {}
    for index, item in enumerate(standards):
        if not str(item.get("code") or "").strip():
            errors[f"standards.{index}.code"] = ["Missing data for required field."]
    if errors:
        raise Unprocessable("The standards adopted are not valid.", errors=errors)


def _check_best_practices(session: Session, practices: list[dict]) -> None:
    errors = {}
    with tenancy.regional_scope():
        for index, item in enumerate(practices):
            if not str(item.get("title") or "").strip():
                errors[f"best_practices.{index}.title"] = ["Missing data for required field."]
            if item.get("project_id") is not None:
                tenant = session.scalar(select(Tenant).where(Tenant.slug == item.get("tenant")))
                project = tenant and session.scalar(
                    select(Project).where(Project.tenant_id == tenant.id, Project.id == item["project_id"])
                )
                if not project:
                    errors[f"best_practices.{index}.project_id"] = ["No such project in that municipality."]
    if errors:
        raise Unprocessable("The best practices are not valid.", errors=errors)


def create_plan(
    session: Session,
    *,
    series: str,
    title: str,
    notes: str | None = None,
    standards: list | None = None,
    best_practices: list | None = None,
    actor: str,
) -> OperationalPlan:
    """Start a plan (version 1, draft)."""
    if session.scalar(select(OperationalPlan).where(OperationalPlan.series == series)) is not None:
        raise Conflict(
            f"Plan {series!r} exists: start a new version of it instead.",
            errors={"series": ["Already in use."]},
        )
    _check_standards(standards or [])
    _check_best_practices(session, best_practices or [])
    plan = OperationalPlan(
        series=series,
        version=1,
        title=title,
        notes=notes,
        status=PlanStatus.DRAFT,
        standards=standards or [],
        best_practices=best_practices or [],
        created_by=actor,
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        action="funding.plan.create",
        entity_type="operational_plan",
        entity_id=plan.id,
        after=plan_snapshot(plan),
        actor=actor,
    )
    return plan


def update_plan(session: Session, plan_id: int, changes: dict, *, actor: str) -> OperationalPlan:
    plan = _draft(session, plan_id)
    before = plan_snapshot(plan)
    if "standards" in changes:
        _check_standards(changes["standards"])
    if "best_practices" in changes:
        _check_best_practices(session, changes["best_practices"])
    for name in ("title", "notes", "standards", "best_practices"):
        if name in changes:
            setattr(plan, name, changes[name])
    session.flush()
    audit.record(
        session,
        action="funding.plan.update",
        entity_type="operational_plan",
        entity_id=plan.id,
        before=before,
        after=plan_snapshot(plan),
        actor=actor,
    )
    return plan


def set_municipality(
    session: Session,
    plan_id: int,
    slug: str,
    *,
    project_ids: list[int],
    lead_company_id: int | None = None,
    actor: str,
) -> PlanMunicipality:
    """Put a municipality's first group of projects in the plan, with its lead participated company."""
    plan = _draft(session, plan_id)
    with tenancy.regional_scope():
        tenant = found(session.scalar(select(Tenant).where(Tenant.slug == slug)), f"Tenant {slug!r} not found.")
        lead_company_id = lead_company_id or tenant.lead_company_id
        check_lead_company(session, tenant.id, lead_company_id)
        owned = set(
            session.scalars(select(Project.id).where(Project.tenant_id == tenant.id, Project.id.in_(project_ids)))
        )
        missing = [pid for pid in project_ids if pid not in owned]
        if missing:
            raise Unprocessable(
                "Some projects are not projects of this municipality.",
                errors={"project_ids": [f"Unknown project {pid}." for pid in missing]},
            )
        entry = session.scalar(
            select(PlanMunicipality).where(PlanMunicipality.plan_id == plan.id, PlanMunicipality.tenant_id == tenant.id)
        )
        before = None if entry is None else {"lead_company_id": entry.lead_company_id, "project_ids": entry.project_ids}
        if entry is None:
            entry = PlanMunicipality(tenant_id=tenant.id, plan_id=plan.id)
            session.add(entry)
        entry.lead_company_id = lead_company_id
        entry.project_ids = list(dict.fromkeys(project_ids))
        for project in session.scalars(
            select(Project).where(Project.tenant_id == tenant.id, Project.id.in_(project_ids))
        ):
            if project.status == ProjectStatus.PROPOSED.value:
                project.status = ProjectStatus.IN_PLAN.value
        session.flush()
        audit.record(
            session,
            action="funding.plan.municipality",
            entity_type="operational_plan",
            entity_id=plan.id,
            tenant_id=tenant.id,
            before=before,
            after={"lead_company_id": entry.lead_company_id, "project_ids": entry.project_ids},
            actor=actor,
        )
    return entry


def approve_plan(session: Session, plan_id: int, *, actor: str) -> OperationalPlan:
    """Approve a draft: its document is frozen; the previously approved version is superseded."""
    # The document reads every tenant's projects (in parallel on Citus) and the plan, a reference table,
    # is written afterwards: Citus allows that only in sequential mode, chosen before the first read.
    sequential_on_citus(session)
    plan = _draft(session, plan_id)
    with tenancy.regional_scope():
        count = session.scalar(
            select(func.count()).select_from(PlanMunicipality).where(PlanMunicipality.plan_id == plan.id)
        )
    if not count:
        raise Unprocessable(
            "A plan names at least one municipality with its projects.",
            errors={"municipalities": ["No municipality in the plan."]},
        )
    for older in session.scalars(
        select(OperationalPlan).where(
            OperationalPlan.series == plan.series, OperationalPlan.status == PlanStatus.APPROVED
        )
    ):
        older.status = PlanStatus.SUPERSEDED
    plan.status = PlanStatus.APPROVED
    plan.approved_at = datetime.now(UTC)
    plan.approved_by = actor
    session.flush()
    plan.snapshot = build_document(session, plan)
    session.flush()
    audit.record(
        session,
        action="funding.plan.approve",
        entity_type="operational_plan",
        entity_id=plan.id,
        after=plan_snapshot(plan) | {"totals": plan.snapshot["totals"]},
        actor=actor,
    )
    return plan


def new_version(session: Session, plan_id: int, *, actor: str) -> OperationalPlan:
    """Open the next version of a plan as a draft, copied from this one."""
    source = get_plan(session, plan_id)
    latest = session.scalar(select(func.max(OperationalPlan.version)).where(OperationalPlan.series == source.series))
    draft = session.scalar(
        select(OperationalPlan).where(
            OperationalPlan.series == source.series, OperationalPlan.status == PlanStatus.DRAFT
        )
    )
    if draft is not None:
        raise Conflict(f"Version {draft.version} is still a draft.")
    plan = OperationalPlan(
        series=source.series,
        version=latest + 1,
        title=source.title,
        notes=source.notes,
        standards=list(source.standards),
        best_practices=list(source.best_practices),
        previous_id=source.id,
        status=PlanStatus.DRAFT,
        created_by=actor,
    )
    session.add(plan)
    session.flush()
    with tenancy.regional_scope():
        for entry in session.scalars(select(PlanMunicipality).where(PlanMunicipality.plan_id == source.id)):
            session.add(
                PlanMunicipality(
                    tenant_id=entry.tenant_id,
                    plan_id=plan.id,
                    lead_company_id=entry.lead_company_id,
                    project_ids=list(entry.project_ids),
                )
            )
        session.flush()
    audit.record(
        session,
        action="funding.plan.version",
        entity_type="operational_plan",
        entity_id=plan.id,
        after=plan_snapshot(plan) | {"previous_id": source.id},
        actor=actor,
    )
    return plan


def _source_key(item) -> str:
    if item.source_kind == FundingSourceKind.FUNDING_LINE.value:
        return item.funding_line.programme
    return item.source_kind


def source_label(key: str, locale: str | None = None) -> str:
    """The name of a source of the plan's totals, in ``locale`` (the page's language when None)."""
    message = SOURCE_LABELS.get(key) or key
    return gettext(message) if locale is None else translate(message, locale)


def _add(totals: dict, key: str, cents: int) -> None:
    totals[key] = totals.get(key, 0) + cents


def build_document(session: Session, plan: OperationalPlan) -> dict:
    """The plan as a document: municipalities, lead companies, projects with funding plans, exact totals."""
    by_source: dict[str, int] = {}
    by_domain: dict[str, int] = {}
    by_municipality: dict[str, int] = {}
    municipalities = []
    with tenancy.regional_scope():
        entries = session.execute(
            select(PlanMunicipality, Tenant)
            .join(Tenant, Tenant.id == PlanMunicipality.tenant_id)
            .where(PlanMunicipality.plan_id == plan.id)
            .order_by(Tenant.name)
        ).all()
        for entry, tenant in entries:
            company = session.get(Organization, entry.lead_company_id)
            projects = {
                p.id: p
                for p in session.scalars(
                    select(Project).where(Project.tenant_id == tenant.id, Project.id.in_(entry.project_ids))
                )
            }
            items = []
            municipality_total = 0
            for project_id in entry.project_ids:
                project = projects.get(project_id)
                if project is None:
                    continue
                sources = []
                covered = 0
                for item in project.funding_items:
                    key = _source_key(item)
                    covered += item.amount_cents
                    _add(by_source, key, item.amount_cents)
                    sources.append(
                        {
                            "source": key,
                            "source_kind": item.source_kind,
                            "funding_line_id": item.funding_line_id,
                            "funding_line_title": item.funding_line.title if item.funding_line else None,
                            "label": item.label,
                            "amount_cents": item.amount_cents,
                        }
                    )
                uncovered = project.total_cost_cents - covered
                if uncovered:
                    _add(by_source, UNCOVERED, uncovered)
                own = sum(s["amount_cents"] for s in sources if s["source_kind"] == FundingSourceKind.OWN.value)
                _add(by_domain, project.domain, project.total_cost_cents)
                municipality_total += project.total_cost_cents
                items.append(
                    {
                        "id": project.id,
                        "title": project.title,
                        "domain": project.domain,
                        "status": project.status,
                        "cup": project.cup,
                        "time_horizon": project.time_horizon,
                        "start_date": project.start_date.isoformat() if project.start_date else None,
                        "end_date": project.end_date.isoformat() if project.end_date else None,
                        "total_cost_cents": project.total_cost_cents,
                        "own_cofinancing_cents": own,
                        "uncovered_cents": uncovered,
                        "funding_plan": sources,
                    }
                )
            by_municipality[tenant.slug] = municipality_total
            municipalities.append(
                {
                    "tenant": tenant.slug,
                    "name": tenant.name,
                    "lead_company": {
                        "id": company.id,
                        "name": company.name,
                        "vat_number": company.vat_number,
                    },
                    "projects": items,
                    "total_cost_cents": municipality_total,
                }
            )
    total = sum(by_municipality.values())
    return {
        "plan": {
            "id": plan.id,
            "series": plan.series,
            "version": plan.version,
            "title": plan.title,
            "status": plan.status,
            "notes": plan.notes,
            "approved_at": plan.approved_at.isoformat() if plan.approved_at else None,
            "approved_by": plan.approved_by,
        },
        "currency": "EUR",
        "municipalities": municipalities,
        "standards": plan.standards,
        "best_practices": plan.best_practices,
        "totals": {
            "total_cost_cents": total,
            "by_source": dict(sorted(by_source.items())),
            "by_domain": {d.value: by_domain[d.value] for d in Domain if d.value in by_domain},
            "by_municipality": by_municipality,
        },
    }


def plan_document(session: Session, plan_id: int) -> dict:
    """The frozen document of an approved version, or the live one of a draft."""
    plan = get_plan(session, plan_id)
    if plan.snapshot is not None:
        return plan.snapshot
    return build_document(session, plan)
