"""What the census asks of each person next, on the home page: the officer's open and returned surveys,
the submissions waiting for the secretariat's review."""

from __future__ import annotations

from smartregion import tenancy
from smartregion.db import get_session
from smartregion.registry import Tenant
from smartregion.web import home_section, home_tenant_id
from sqlalchemy import func, select

from census.models import Submission, SubmissionStatus
from census.views import bp

OPEN = (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def _officer(user, tenant_slug):
    if (tenant_id := home_tenant_id(user, tenant_slug, ("municipality",))) is None:
        return None
    with tenancy.tenant_context(tenant_id):
        rows = get_session().scalars(
            select(Submission).where(Submission.tenant_id == tenant_id, Submission.status.in_(OPEN))
            .order_by(Submission.status.desc(), Submission.updated_at.desc())).all()
    items = [{"id": s.id, "schema_key": s.schema_key, "title": s.schema.title_it, "title_en": s.schema.title_en,
              "status": str(s.status), "completeness": s.completeness,
              "comments": sum(len(v) if isinstance(v, list) else 1 for v in (s.comments or {}).values())}
             for s in rows]
    return {"template": "census/_home_todo.html", "slug": tenant_slug, "forms": items,
            "returned": [i for i in items if i["status"] == SubmissionStatus.RETURNED]}


def _secretariat(user, tenant_slug):
    if user.role != "secretariat":
        return None
    session = get_session()
    with tenancy.regional_scope():
        rows = session.execute(
            select(Submission.id, Submission.schema_key, Submission.submitted_at, Tenant.slug, Tenant.name)
            .join(Tenant, Tenant.id == Submission.tenant_id)
            .where(Submission.status == SubmissionStatus.SUBMITTED)
            .order_by(Submission.submitted_at).limit(10)).all()
        total = session.scalar(select(func.count()).select_from(Submission)
                               .where(Submission.status == SubmissionStatus.SUBMITTED))
    return {"template": "census/_home_review.html", "rows": rows, "total": total}


@bp.record_once
def _register(state) -> None:
    home_section(state.app, _officer)
    home_section(state.app, _secretariat)
