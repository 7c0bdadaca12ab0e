"""Regional sensor and data standards: registry, validation, conformance, NGSI-LD export."""


def init_app(app, api) -> None:
    """Register the module's API and page blueprints and its periodic jobs."""
    from interoperability import api as api_module
    from interoperability import jobs, views

    api.register_blueprint(api_module.blp)
    app.register_blueprint(views.bp)
    jobs.register()
