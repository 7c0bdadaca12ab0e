"""Background jobs of the funding module: thin wrappers around the services."""

from __future__ import annotations

from smartregion.jobs import JobContext


def daily_refresh(ctx: JobContext) -> dict:
    """Recompute every match (deadlines move every day), then create the deadline notices."""
    from funding.services import matching, notices

    ctx.progress(5, "recomputing matches")
    pairs = matching.refresh_all(ctx.session)
    ctx.progress(70, "deadline notices")
    result = notices.create_deadline_notices(ctx.session)
    return {"pairs": pairs, **result}


def refresh_line(ctx: JobContext, *, line_id: int) -> dict:
    """Recompute one line against every project of the region."""
    from funding.services import lines, matching

    return {"pairs": matching.refresh_line_matches(ctx.session, lines.get_line(ctx.session, line_id))}


def import_lines(ctx: JobContext, *, sha256: str, file_format: str) -> dict:
    """Import a stored file of funding lines; safe to run again on the same file."""
    from smartregion.storage import storage

    from funding.services import lines

    ctx.progress(5, "reading the stored file")
    with storage().open(sha256) as stream:
        data = stream.read()
    return lines.import_lines(ctx.session, data, file_format=file_format, file_sha256=sha256)


def import_cohesion(ctx: JobContext, *, sha256: str, filename: str | None = None) -> dict:
    """Join a stored OpenCoesione file to the projects with the same CUP; safe to run again.

    The file is read as a stream from storage; the bar follows the share of it read (to 90%), then the
    projects are written in the job's one transaction.
    """
    from smartregion.storage import storage

    from funding.services import cohesion

    ctx.progress(2, "reading the stored file")
    report = cohesion.import_cohesion(ctx.session, storage().path(sha256), file_sha256=sha256,
                                      progress=lambda share: ctx.progress(2 + 88 * share, "rows read"))
    ctx.progress(95, "projects updated")
    return report
