"""OpenCoesione's project data joined to the region's projects by CUP (dati di attuazione della coesione)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from smartregion import audit, jobs, tenancy
from smartregion.errors import Unprocessable
from smartregion.i18n import translate
from smartregion.registry import Organization, Tenant
from sqlalchemy import select
from sqlalchemy.orm import Session

from funding.importers import FileFormatError, opencoesione, reasons
from funding.models import Project

IMPORT_JOB = "funding.jobs.import_cohesion"
# Written by the import, not by OpenCoesione: left out when telling whether a project's data changed.
STAMPS = ("imported_at", "file_sha256")


def recent_imports(session: Session, limit: int) -> list[jobs.Job]:
    """The latest imports, newest first."""
    return session.scalars(select(jobs.Job).where(jobs.Job.func == IMPORT_JOB)
                           .order_by(jobs.Job.created_at.desc()).limit(limit)).all()


def region_scope(session: Session) -> opencoesione.Scope:
    """The municipalities of the platform's tenants and the CUPs of their projects."""
    with tenancy.regional_scope():
        municipalities = session.scalars(
            select(Organization.istat_code).join(Tenant, Tenant.municipality_id == Organization.id)).all()
        cups = session.scalars(select(Project.cup).where(Project.cup.is_not(None))).all()
    return opencoesione.Scope(frozenset(code for code in municipalities if code), frozenset(cups))


def check_file(path: str | Path) -> opencoesione.Layout:
    """How an OpenCoesione file is written; one that is not a table of its projects is refused (422)."""
    try:
        return opencoesione.inspect(path)
    except FileFormatError as exc:
        raise Unprocessable(str(exc), errors={exc.field: [str(exc)]}) from exc


def start_import(session: Session, path: str | Path, sha256: str, filename: str) -> jobs.Job:
    """Check a stored OpenCoesione file's header and import it as a job; the rows are read by the job."""
    layout = check_file(path)
    where = f" ({layout.member})" if layout.member else ""
    return jobs.enqueue(session, "imports", IMPORT_JOB, sha256=sha256, filename=filename[:200],
                        description=f"OpenCoesione import: {filename[:120]}{where}")


def _changed(before: dict | None, after: dict) -> bool:
    if before is None:
        return True
    return {k: v for k, v in before.items() if k not in STAMPS} != {k: v for k, v in after.items() if k not in STAMPS}


def import_cohesion(session: Session, path: str | Path, *, file_sha256: str | None = None,
                    actor: str | None = None, progress: Callable[[float], None] | None = None) -> dict:
    """Fill public funding, payments, state and dates of the projects whose CUP the file names.

    Safe to run again: a project whose data did not change is left alone (and not audited again).
    """
    scope = region_scope(session)
    try:
        report = opencoesione.read(path, scope, progress=progress)
    except FileFormatError as exc:
        raise Unprocessable(str(exc), errors={exc.field: [str(exc)]}) from exc
    updated, unchanged = [], []
    now = datetime.now(UTC).isoformat()
    with tenancy.regional_scope():
        projects = session.scalars(select(Project).where(Project.cup.in_(list(report.records)))
                                   .order_by(Project.tenant_id, Project.id)).all() if report.records else []
        slugs = dict(session.execute(select(Tenant.id, Tenant.slug).where(
            Tenant.id.in_({p.tenant_id for p in projects}))).all()) if projects else {}
        for project in projects:
            data = report.records[project.cup].as_dict()
            entry = {"tenant_id": project.tenant_id, "tenant": slugs.get(project.tenant_id), "project_id": project.id,
                     "title": project.title, "cup": project.cup}
            if not _changed(project.cohesion, data):
                unchanged.append(entry)
                continue
            before = project.cohesion
            project.cohesion = data | {"imported_at": now, "file_sha256": file_sha256}
            session.flush()
            audit.record(session, action="funding.project.cohesion", entity_type="project", entity_id=project.id,
                         tenant_id=project.tenant_id, before=before, after=project.cohesion, actor=actor)
            updated.append(entry)
    return answer(report, file_sha256, updated, unchanged)


def answer(report: opencoesione.Report, file_sha256: str | None, updated: list, unchanged: list) -> dict:
    """The import's answer: what was joined, and every row skipped or refused with its reason."""
    skipped = [
        {"reason": reason, "rows": count, "lines": report.skipped_lines[reason],
         "description": opencoesione.REASONS[reason], "descrizione": translate(opencoesione.REASONS[reason], "it")}
        for reason, count in report.skipped.items() if count
    ]
    return {
        "file_sha256": file_sha256,
        "format": report.layout.describe(),
        "rows": report.rows,
        "rows_kept": report.kept,
        "records": len(report.records),
        "updated": updated,
        "unchanged": unchanged,
        "skipped": skipped,
        "unknown_cups": [{"cup": cup, "line": line} for cup, line in report.unknown_cups.items()],
        "unknown_cups_complete": not report.unknown_cups_more,
        "errors": [error.as_dict() | {"messaggio": reasons.translated(error.message, "it")} for error in report.errors],
        "errors_total": report.errors_total,
    }
