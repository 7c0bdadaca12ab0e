"""Open to the outside: the DCAT-AP_IT catalogue, the OGC API - Features, open files and their pages."""


def init_app(app, api):
    from publication import api as publication_api
    from publication import ogcapi, open, views

    api.register_blueprint(publication_api.blp)
    app.register_blueprint(open.bp)
    app.register_blueprint(ogcapi.bp)
    app.register_blueprint(views.bp)
