"""The 6-month census: campaigns, versioned survey schemas, submissions, analysis and the report."""


def init_app(app, api):
    import importlib.util

    from census import api as census_api
    from census import views

    api.register_blueprint(census_api.blp)
    app.register_blueprint(views.bp)
    # The inventories sub-package registers itself once its API exists.
    if importlib.util.find_spec("census.inventories.api") is not None:
        from census import inventories

        inventories.init_app(app, api)
