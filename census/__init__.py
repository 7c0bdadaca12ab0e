"""The 6-month census: campaigns, versioned survey schemas, submissions, analysis and the report."""


def init_app(app, api):
    import importlib.util

    from census import api as census_api
    from census import views
    from census.services import campaign_for_protocol
    from protocol.services import protocols

    api.register_blueprint(census_api.blp)
    app.register_blueprint(views.bp)
    protocols.keeps_history("a census campaign", lambda session, protocol_id:
                            campaign_for_protocol(session, protocol_id) is not None)
    # The inventories sub-package registers itself once its API exists.
    if importlib.util.find_spec("census.inventories.api") is not None:
        from census import inventories

        inventories.init_app(app, api)
