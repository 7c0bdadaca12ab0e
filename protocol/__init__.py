"""The agreement itself: timeline, milestones, adhesions, monitoring, notices, auditor views."""


def init_app(app, api):
    from smartregion import jobs

    from protocol import api as protocol_api
    from protocol import views

    api.register_blueprint(protocol_api.blp)
    app.register_blueprint(views.bp)
    jobs.periodic("protocol.jobs.issue_monitoring_reports", cron="10 2 * * *",
                  description="Monitoring reports due today")
    jobs.periodic("protocol.jobs.send_deadline_notices", cron="20 6 * * *",
                  description="Deadline notices and their e-mails")
