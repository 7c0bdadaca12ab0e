"""Monitoring of the protocol: timeline and matrix, monitoring reports, deadline notices, audit-log views.

It sits on top of the other domains and reads them (census, funding, interoperability) to say who
is late; no other domain imports it.
"""


def init_app(app, api):
    from flask_babel import lazy_gettext as _l
    from smartregion import jobs
    from smartregion.web import menu_entry
    from sqlalchemy import func, select

    from monitoring import api as monitoring_api
    from monitoring import views
    from monitoring.models import MonitoringReport
    from monitoring.services import notices
    from protocol.services import keeps_history, on_admission

    api.register_blueprint(monitoring_api.blp)
    app.register_blueprint(views.bp)
    menu_entry(app, "auditor", "monitoring_pages.audit_page", _l("Audit log"), _l("What changed and who changed it."),
               order=20)
    menu_entry(app, "auditor", "monitoring_pages.verify_page", _l("Chain verification"),
               _l("Check that the audit log is intact."), order=30, menu=_l("Verification"))
    keeps_history("monitoring reports", lambda session, protocol_id: bool(session.scalar(
        select(func.count()).select_from(MonitoringReport).where(MonitoringReport.protocol_id == protocol_id))))
    on_admission("monitoring.notice-recipient", notices.add_representative)
    jobs.periodic("monitoring.jobs.issue_monitoring_reports", cron="10 2 * * *",
                  description="Monitoring reports due today")
    jobs.periodic("monitoring.jobs.send_deadline_notices", cron="20 6 * * *",
                  description="Deadline notices and their e-mails")
