"""Open to the outside: the DCAT-AP_IT catalogue, the OGC API - Features, open files and their pages."""


def init_app(app, api):
    from flask_babel import lazy_gettext as _l
    from smartregion.web import menu_entry

    from publication import api as publication_api
    from publication import ogcapi, open, views

    api.register_blueprint(publication_api.blp)
    app.register_blueprint(open.bp)
    app.register_blueprint(ogcapi.bp)
    app.register_blueprint(views.bp)
    for role, order in (("secretariat", 80), ("auditor", 70)):
        menu_entry(app, role, "publication_pages.open_datasets", _l("Open data"),
                   _l("What is published in the catalogue and the OGC API, and who harvests it."), order=order,
                   more=True)
