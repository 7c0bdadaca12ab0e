"""Census jobs: thin wrappers that load state by id and call the services."""

from __future__ import annotations

from census import services


def build_report(ctx, report_id: int) -> dict:
    """Build the census report of a campaign (queue `reports`, regional scope)."""
    report = services.build_report(ctx.session, report_id, ctx.progress)
    return {"report_id": report.id, "html_sha256": report.html_sha256, "xlsx_sha256": report.xlsx_sha256}
