"""Funding lines, smart-city projects, explained matching and the regional operational plan."""


def init_app(app, api):
    from flask_babel import lazy_gettext as _l
    from smartregion import jobs
    from smartregion.web import menu_entry
    from smartregion.web.formatting import register_labels

    from funding import api as funding_api
    from funding import views
    from funding.reference import BeneficiaryKind, DeadlineModel, Domain, Level, Programme, ProjectStatus
    from funding.services.plans import SOURCE_LABELS

    api.register_blueprint(funding_api.blp)
    app.register_blueprint(views.bp)
    for role, order in (("secretariat", 60), ("auditor", 50)):
        menu_entry(app, role, "funding_pages.line_list", _l("Funding lines"),
                   _l("European, national and regional funding."), order=order, menu=_l("Funding"))
        menu_entry(app, role, "funding_pages.plan_list", _l("Operational plan"),
                   _l("The plan of the projects to fund, its versions and approval."), order=order + 10,
                   menu=_l("Plan"))
    menu_entry(app, "municipality", "funding_pages.project_list", _l("Projects"),
               _l("Your smart-city projects and their funding."), order=20)
    # Codes shown on the pages with ``{{ code|label("funding-domain") }}``, in the page's language.
    for kind, enum in (("funding-domain", Domain), ("funding-project-status", ProjectStatus),
                       ("funding-programme", Programme), ("funding-level", Level),
                       ("funding-deadline-model", DeadlineModel), ("funding-beneficiary", BeneficiaryKind)):
        register_labels(kind, {member.value: _l(member.message) for member in enum})
    register_labels("funding-source", {key: _l(message) for key, message in SOURCE_LABELS.items()})
    jobs.periodic(
        "funding.jobs.daily_refresh",
        cron="15 5 * * *",
        description="Funding: refresh matches and create deadline notices",
    )
