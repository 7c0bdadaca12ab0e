"""Monitoring of the protocol: timeline and matrix, monitoring reports, deadline notices, audit-log views.

It sits on top of the other domains and reads them (census, funding, interoperability) to say who
is late; no other domain imports it.
"""


def init_app(app, api):
    from smartregion import jobs
    from sqlalchemy import func, select

    from monitoring import api as monitoring_api
    from monitoring import views
    from monitoring.models import MonitoringReport
    from monitoring.services import notices
    from protocol.services import adhesions, protocols

    api.register_blueprint(monitoring_api.blp)
    app.register_blueprint(views.bp)
    protocols.keeps_history("monitoring reports", lambda session, protocol_id: bool(session.scalar(
        select(func.count()).select_from(MonitoringReport).where(MonitoringReport.protocol_id == protocol_id))))
    adhesions.on_admission("monitoring.notice-recipient", notices.add_representative)
    jobs.periodic("monitoring.jobs.issue_monitoring_reports", cron="10 2 * * *",
                  description="Monitoring reports due today")
    jobs.periodic("monitoring.jobs.send_deadline_notices", cron="20 6 * * *",
                  description="Deadline notices and their e-mails")
