"""What the funding pages read for the plan editor: each funding line's use by a plan, and the
municipalities a draft may name with their projects and participated companies."""

from __future__ import annotations

from collections import defaultdict

from smartregion.registry import Organization, OrganizationKind, Tenant
from sqlalchemy import select
from sqlalchemy.orm import Session

from funding.models import FundingLine, OperationalPlan, PlanMunicipality, Project


def line_use(session, document: dict) -> list[dict]:
    """Per funding line, what the plan's projects ask of it against its maximum grant and its budget."""
    asked: dict[int, dict] = {}
    for municipality in document["municipalities"]:
        for project in municipality["projects"]:
            for source in project["funding_plan"]:
                if source["funding_line_id"] is None:
                    continue
                use = asked.setdefault(source["funding_line_id"], {"cents": 0, "above_max": []})
                use["cents"] += source["amount_cents"]
                use["above_max"].append((project["title"], source["amount_cents"]))
    stored = {line.id: line for line in session.scalars(select(FundingLine).where(FundingLine.id.in_(asked)))}
    rows = []
    for line_id, use in sorted(asked.items()):
        line = stored.get(line_id)
        if line is None:
            continue
        above = [(title, cents) for title, cents in use["above_max"]
                 if line.max_grant_cents is not None and cents > line.max_grant_cents]
        rows.append({"line": line, "cents": use["cents"], "above_max": above,
                     "over_budget": line.total_budget_cents is not None and use["cents"] > line.total_budget_cents})
    return rows


def plan_candidates(session, plan: OperationalPlan) -> list[dict]:
    """Every active municipality (or one already in the plan) with its projects and the plan's choice."""
    entries = {e.tenant_id: e for e in session.scalars(select(PlanMunicipality).where(
        PlanMunicipality.plan_id == plan.id))}
    companies = [(str(c.id), c.name) for c in session.scalars(select(Organization).where(
        Organization.kind == OrganizationKind.PARTICIPATED_COMPANY).order_by(Organization.name))]
    tenants = [t for t in session.scalars(select(Tenant).order_by(Tenant.name))
               if t.id in entries or t.status == "active"]
    # Every municipality's projects in one query (their sources are loaded with them), not one per municipality.
    cards: dict[int, list[Project]] = defaultdict(list)
    for project in session.scalars(select(Project).where(Project.tenant_id.in_([t.id for t in tenants]))
                                   .order_by(Project.id)):
        cards[project.tenant_id].append(project)
    return [{
        "tenant": tenant, "entry": entries.get(tenant.id), "projects": cards[tenant.id],
        "chosen": [str(pid) for pid in entries[tenant.id].project_ids] if tenant.id in entries else [],
        "lead_company_id": str(entries[tenant.id].lead_company_id if tenant.id in entries else tenant.lead_company_id),
        "companies": companies,
    } for tenant in tenants]


def lines_by_programme(session: Session) -> list[FundingLine]:
    """Every funding line, by programme and title: the choices of a project's funding plan."""
    return session.scalars(select(FundingLine).order_by(FundingLine.programme, FundingLine.title)).all()


def tenant_name(session: Session, slug: str) -> str | None:
    return session.scalar(select(Tenant.name).where(Tenant.slug == slug))
