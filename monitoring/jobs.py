"""Background jobs of the monitoring: monitoring reports and deadline notices (also run daily)."""

from __future__ import annotations

from datetime import date

from smartregion.jobs import JobContext


def issue_monitoring_reports(ctx: JobContext, *, today: str | None = None, protocol_id: int | None = None) -> dict:
    """Issue and freeze the monitoring reports due by `today` (idempotent)."""
    from monitoring.services import reports as monitoring

    day = date.fromisoformat(today) if today else date.today()
    ctx.progress(5, "computing the reports due")
    issued = monitoring.issue_due_reports(ctx.session, today=day, protocol_id=protocol_id, job_id=ctx.job_id)
    return {"issued": len(issued), "today": day.isoformat(),
            "reports": [{"id": r.id, "milestone": r.milestone_key, "tenant_id": r.tenant_id, "sha256": r.sha256}
                        for r in issued]}


def send_deadline_notices(ctx: JobContext, *, today: str | None = None) -> dict:
    """Store the deadline notices of `today`, then e-mail the unsent ones when SMTP_URL is set."""
    from monitoring.services import notices

    day = date.fromisoformat(today) if today else date.today()
    ctx.progress(5, "computing deadlines")
    created = notices.generate(ctx.session, today=day)
    ctx.session.flush()
    ctx.progress(60, "sending e-mails")
    mail = notices.send_pending(ctx.session, smtp_url=ctx.app.config.get("SMTP_URL"),
                                mail_from=ctx.app.config.get("MAIL_FROM", "smartregion@localhost"))
    return {"created": len(created), "today": day.isoformat(), "mail": mail}
