"""The 6-month census: campaigns, versioned survey schemas, submissions, analysis and the report."""


def init_app(app, api):
    from flask_babel import lazy_gettext as _l
    from smartregion.web import menu_entry

    from census import api as census_api
    from census import inventories, views
    from census.services import campaign_for_protocol
    from protocol.services import keeps_history

    api.register_blueprint(census_api.blp)
    app.register_blueprint(views.bp)
    menu_entry(app, "secretariat", "census_pages.overview", _l("Census"),
               _l("Campaigns, survey schemas and submissions."), order=30)
    for role, order in (("secretariat", 40), ("auditor", 40)):
        menu_entry(app, role, "census_pages.analysis", _l("Census analysis"), _l("The region's census as charts."),
                   order=order, menu=_l("Analysis"))
    menu_entry(app, "municipality", "census_pages.tenant_submissions", _l("Census forms"),
               _l("Your surveys, drafts and submissions."), order=10)
    keeps_history("a census campaign", lambda session, protocol_id:
                            campaign_for_protocol(session, protocol_id) is not None)
    inventories.init_app(app, api)
