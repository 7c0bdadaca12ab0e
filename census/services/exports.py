"""Exports of submissions of one survey schema, across its versions, as CSV, XLSX or JSON."""

from __future__ import annotations

from dataclasses import dataclass

from smartregion.errors import NotFound, Unprocessable
from smartregion.registry import Tenant
from sqlalchemy import select
from sqlalchemy.orm import Session

from census.models import Submission, SurveySchema
from census.services.schemas import definition_of
from census.surveys.definition import Label
from census.surveys.export import ExportRecord, flatten, to_csv, to_json, to_xlsx

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
META_COLUMNS = [
    ("submission_id", Label("Numero scheda", "Submission number")),
    ("tenant", Label("Ente", "Tenant")),
    ("status", Label("Stato", "Status")),
    ("completeness", Label("Completezza (%)", "Completeness (%)")),
    ("submitted_at", Label("Inviata il", "Submitted at")),
    ("updated_at", Label("Modificata il", "Updated at")),
]


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    mimetype: str
    filename: str


def export_submissions(session: Session, schema_key: str, fmt: str, *, tenant_id: int | None = None,
                       statuses: list[str] | None = None, campaign_id: int | None = None) -> ExportFile:
    """Every submission of `schema_key` (one tenant's, or all in the caller's scope), stable columns."""
    if fmt not in FORMATS:
        raise Unprocessable("Unknown export format.",
                            errors={"format": [f"Use one of: {', '.join(FORMATS)}."]})
    versions = list(session.scalars(select(SurveySchema).where(SurveySchema.key == schema_key)
                                    .order_by(SurveySchema.version)))
    if not versions:
        raise NotFound(f"Survey schema {schema_key} not found.")
    statement = select(Submission, Tenant.slug).join(Tenant, Tenant.id == Submission.tenant_id) \
        .where(Submission.schema_key == schema_key).order_by(Tenant.slug, Submission.id)
    if tenant_id is not None:
        statement = statement.where(Submission.tenant_id == tenant_id)
    if statuses:
        statement = statement.where(Submission.status.in_(statuses))
    if campaign_id is not None:
        statement = statement.where(Submission.campaign_id == campaign_id)
    records = [
        ExportRecord(sub.schema_version, sub.answers or {}, meta={
            "submission_id": sub.id, "tenant": slug, "status": str(sub.status),
            "completeness": sub.completeness,
            "submitted_at": sub.submitted_at, "updated_at": sub.updated_at})
        for sub, slug in session.execute(statement).all()
    ]
    # Draft versions nobody answered are left out; every version that has answers is in.
    used = {r.version for r in records}
    definitions = [definition_of(v) for v in versions if v.status != "draft" or v.version in used]
    stem = f"census-{schema_key}"
    if fmt == "json":
        content = to_json(definitions, records, META_COLUMNS).encode()
    elif fmt == "csv":
        content = to_csv(flatten(definitions, records, META_COLUMNS)).encode("utf-8")
    else:
        content = to_xlsx(flatten(definitions, records, META_COLUMNS), title=stem)
    return ExportFile(content, FORMATS[fmt], f"{stem}.{fmt}")
