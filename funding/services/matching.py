"""Matches between projects and funding lines: computed, stored, explained, kept fresh."""

from __future__ import annotations

from datetime import date

from smartregion import tenancy
from smartregion.errors import found, get_or_404
from smartregion.registry import Tenant
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from funding.matching import LineProfile, MatchMatrix, ProjectProfile, explain_pair, line_timing
from funding.models import FundingLine, Match, Project
from funding.reference import (
    DOMAIN_BITS,
    KIND_BITS,
    BeneficiaryKind,
    Domain,
    FundingSourceKind,
    ProjectStatus,
)
from funding.territory import tokens_for_municipality

CLOSED_STATUSES = (ProjectStatus.COMPLETED.value, ProjectStatus.DROPPED.value)


def today() -> date:
    return date.today()


def line_profile(line: FundingLine) -> LineProfile:
    return LineProfile(
        id=line.id,
        domains=sum(DOMAIN_BITS[Domain(d)] for d in line.domains),
        beneficiary_kinds=sum(KIND_BITS[BeneficiaryKind(k)] for k in line.beneficiary_kinds),
        territories=tuple(line.territories),
        min_grant_cents=line.min_grant_cents,
        max_grant_cents=line.max_grant_cents,
        total_budget_cents=line.total_budget_cents,
        cofinancing_rate_bp=line.cofinancing_rate_bp,
        non_profit_rate_bp=line.non_profit_rate_bp,
        opening_date=line.opening_date,
        deadlines=tuple(line.deadlines or ()),
        deadline_model=line.deadline_model,
        partnership_required=line.partnership_required,
        min_partners=line.min_partners,
        trl_min=line.trl_min,
        trl_max=line.trl_max,
    )


def own_available_cents(project: Project) -> int:
    """What the project covers without a funding line: its plan's other sources, else cost minus request."""
    others = [
        item.amount_cents for item in project.funding_items if item.source_kind != FundingSourceKind.FUNDING_LINE.value
    ]
    if others:
        return sum(others)
    return project.total_cost_cents - project.requested_cents


def project_profile(project: Project, municipality_code: str) -> ProjectProfile:
    primary = DOMAIN_BITS[Domain(project.domain)]
    kinds = project.applicant_kinds or [BeneficiaryKind.MUNICIPALITY.value]
    return ProjectProfile(
        id=project.id,
        primary_domain=primary,
        domains=primary | sum(DOMAIN_BITS[Domain(d)] for d in project.secondary_domains),
        applicant_kinds=sum(KIND_BITS[BeneficiaryKind(k)] for k in kinds),
        territories=tokens_for_municipality(municipality_code),
        total_cost_cents=project.total_cost_cents,
        requested_cents=project.requested_cents,
        own_available_cents=own_available_cents(project),
        partners=len(project.partners),
        trl=project.trl,
    )


def _municipality_codes(session: Session, tenant_ids) -> dict[int, str]:
    rows = session.execute(select(Tenant.id, Tenant.municipality_id).where(Tenant.id.in_(set(tenant_ids)))).all()
    from smartregion.registry import Organization

    codes = dict(
        session.execute(
            select(Organization.id, Organization.istat_code).where(
                Organization.id.in_([municipality for _, municipality in rows])
            )
        ).all()
    )
    return {tenant_id: codes[municipality] for tenant_id, municipality in rows}


def _all_lines(session: Session) -> list[FundingLine]:
    return list(session.scalars(select(FundingLine).order_by(FundingLine.id)))


def _rows(matrix: MatchMatrix, projects: list[Project], day: date) -> list[dict]:
    rows = []
    for row, project in enumerate(projects):
        codes, score = matrix.codes[row], matrix.score[row]
        eligible = matrix.eligible[row]
        for column, line_id in enumerate(matrix.lines.ids):
            rows.append(
                {
                    "tenant_id": project.tenant_id,
                    "project_id": project.id,
                    "funding_line_id": int(line_id),
                    "eligible": bool(eligible[column]),
                    "score": float(score[column]),
                    "codes": int(codes[column]),
                    "computed_on": day,
                }
            )
    return rows


def _store(session: Session, rows: list[dict]) -> None:
    """Write match rows; a concurrent recomputation of the same pairs wins or loses whole, never conflicts."""
    statement = insert(Match)
    statement = statement.on_conflict_do_update(
        index_elements=[Match.tenant_id, Match.project_id, Match.funding_line_id],
        set_={name: statement.excluded[name] for name in ("eligible", "score", "codes", "computed_on")},
    )
    for start in range(0, len(rows), 10_000):
        session.execute(statement, rows[start : start + 10_000])


def refresh_project_matches(session: Session, project: Project, *, day: date | None = None) -> int:
    """Recompute one project against every line (after the project changed)."""
    day = day or today()
    session.flush()
    lines = _all_lines(session)
    code = _municipality_codes(session, [project.tenant_id])[project.tenant_id]
    session.execute(delete(Match).where(Match.tenant_id == project.tenant_id, Match.project_id == project.id))
    if not lines or project.status in CLOSED_STATUSES:
        return 0
    matrix = MatchMatrix([project_profile(project, code)], [line_profile(line) for line in lines], day)
    rows = _rows(matrix, [project], day)
    _store(session, rows)
    return len(rows)


def _open_projects(session: Session) -> list[Project]:
    return list(
        session.scalars(
            select(Project).where(Project.status.not_in(CLOSED_STATUSES)).order_by(Project.tenant_id, Project.id)
        )
    )


def refresh_line_matches(session: Session, line: FundingLine, *, day: date | None = None) -> int:
    """Recompute one line against every open project of the region (after the line changed)."""
    day = day or today()
    session.flush()
    with tenancy.regional_scope():
        projects = _open_projects(session)
        session.execute(delete(Match).where(Match.funding_line_id == line.id))
        if not projects:
            return 0
        codes = _municipality_codes(session, [p.tenant_id for p in projects])
        profiles = [project_profile(p, codes[p.tenant_id]) for p in projects]
        matrix = MatchMatrix(profiles, [line_profile(line)], day)
        rows = _rows(matrix, projects, day)
        _store(session, rows)
    return len(rows)


def refresh_all(session: Session, *, day: date | None = None) -> int:
    """Recompute every pair of the region (daily: deadlines move)."""
    day = day or today()
    with tenancy.regional_scope():
        projects = _open_projects(session)
        lines = _all_lines(session)
        session.execute(delete(Match))
        if not projects or not lines:
            return 0
        codes = _municipality_codes(session, [p.tenant_id for p in projects])
        matrix = MatchMatrix(
            [project_profile(p, codes[p.tenant_id]) for p in projects],
            [line_profile(line) for line in lines],
            day,
        )
        rows = _rows(matrix, projects, day)
        _store(session, rows)
    return len(rows)


def _line_summary(line: FundingLine, timing, lang: str) -> dict:
    from funding.reference import Programme

    return {
        "id": line.id,
        "title": line.title,
        "programme": line.programme,
        "programme_label": Programme(line.programme).label_in(lang),
        "level": line.level,
        "call_identifier": line.call_identifier,
        "topic_identifier": line.topic_identifier,
        "deadline": timing.apply_by.isoformat() if timing.apply_by else None,
        "days_left": timing.days_left if timing.apply_by else None,
        "url": line.url,
    }


def project_matches(
    session: Session,
    tenant_id: int,
    project_id: int,
    *,
    lang: str = "it",
    eligible_only: bool = False,
    limit: int | None = None,
    day: date | None = None,
) -> dict:
    """Every funding line for one project, best first, each with its criterion-by-criterion explanation."""
    day = day or today()
    project = found(session.scalar(select(Project).where(Project.tenant_id == tenant_id, Project.id == project_id)),
                    f"Project {project_id} not found.")
    line_count = session.scalar(select(func.count()).select_from(FundingLine))
    stored = session.execute(
        select(func.count(), func.min(Match.computed_on)).where(
            Match.tenant_id == tenant_id, Match.project_id == project_id
        )
    ).one()
    if project.status not in CLOSED_STATUSES and (stored[0] != line_count or stored[1] != day):
        refresh_project_matches(session, project, day=day)
    statement = (
        select(Match, FundingLine)
        .join(FundingLine, FundingLine.id == Match.funding_line_id)
        .where(Match.tenant_id == tenant_id, Match.project_id == project_id)
        .order_by(Match.eligible.desc(), Match.score.desc(), Match.funding_line_id)
    )
    if eligible_only:
        statement = statement.where(Match.eligible.is_(True))
    if limit:
        statement = statement.limit(limit)
    code = _municipality_codes(session, [tenant_id])[tenant_id]
    profile = project_profile(project, code)
    items = []
    for match, line in session.execute(statement).all():
        lp = line_profile(line)
        timing = line_timing(lp, match.computed_on)
        items.append(
            {
                "funding_line": _line_summary(line, timing, lang),
                "eligible": match.eligible,
                "score": round(match.score, 1),
                "criteria": explain_pair(profile, lp, timing, match.codes, lang),
            }
        )
    return {"project_id": project.id, "computed_on": day.isoformat(), "matches": items}


def line_ranking(
    session: Session,
    line_id: int,
    *,
    lang: str = "it",
    eligible_only: bool = False,
    limit: int | None = None,
    day: date | None = None,
) -> dict:
    """Every open project of the region for one line, best first (secretariat and auditors)."""
    day = day or today()
    with tenancy.regional_scope():
        line = get_or_404(session, FundingLine, line_id, f"Funding line {line_id} not found.")
        stale = session.scalar(
            select(func.count()).select_from(Match).where(Match.funding_line_id == line_id, Match.computed_on != day)
        )
        if stale:
            refresh_line_matches(session, line, day=day)
        statement = (
            select(Match, Project, Tenant)
            .join(Project, (Project.tenant_id == Match.tenant_id) & (Project.id == Match.project_id))
            .join(Tenant, Tenant.id == Match.tenant_id)
            .where(Match.funding_line_id == line_id)
            .order_by(Match.eligible.desc(), Match.score.desc(), Match.tenant_id, Match.project_id)
        )
        if eligible_only:
            statement = statement.where(Match.eligible.is_(True))
        if limit:
            statement = statement.limit(limit)
        rows = session.execute(statement).all()
        codes = _municipality_codes(session, {p.tenant_id for _, p, _ in rows}) if rows else {}
        lp = line_profile(line)
        timing = line_timing(lp, day)
        items = []
        for match, project, tenant in rows:
            profile = project_profile(project, codes[project.tenant_id])
            items.append(
                {
                    "tenant": tenant.slug,
                    "project": {"id": project.id, "title": project.title, "domain": project.domain},
                    "eligible": match.eligible,
                    "score": round(match.score, 1),
                    "criteria": explain_pair(profile, lp, timing, match.codes, lang),
                }
            )
    return {
        "funding_line": _line_summary(line, timing, lang),
        "computed_on": day.isoformat(),
        "matches": items,
    }
