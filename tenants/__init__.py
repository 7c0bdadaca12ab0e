"""Organizations, tenants, memberships (and, with the protocol module, adhesions)."""


def init_app(app, api):
    from tenants import api as tenants_api
    from tenants import views

    api.register_blueprint(tenants_api.blp)
    app.register_blueprint(views.bp)
