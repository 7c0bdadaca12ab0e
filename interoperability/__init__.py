"""Regional sensor and data standards: registry, validation, conformance, NGSI-LD export."""


def init_app(app, api) -> None:
    """Register the module's API and page blueprints and its periodic jobs."""
    from flask_babel import lazy_gettext as _l
    from smartregion.web import menu_entry

    from interoperability import api as api_module
    from interoperability import jobs, views

    api.register_blueprint(api_module.blp)
    app.register_blueprint(views.bp)
    menu_entry(app, "secretariat", "interoperability_pages.standards_page", _l("Data standards"),
               _l("Regional sensor and data standards."), order=50, menu=_l("Standards"))
    for role, order in (("municipality", 30), ("utility", 20)):
        menu_entry(app, role, "interoperability_pages.feeds", _l("Data feeds"),
                   _l("The feeds registered and their conformance."), order=order)
    jobs.register()
