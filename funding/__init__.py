"""Funding lines, smart-city projects, explained matching and the regional operational plan."""


def init_app(app, api):
    from smartregion import jobs

    from funding import api as funding_api
    from funding import views

    api.register_blueprint(funding_api.blp)
    app.register_blueprint(views.bp)
    jobs.periodic(
        "funding.jobs.daily_refresh",
        cron="15 5 * * *",
        description="Funding: refresh matches and create deadline notices",
    )
