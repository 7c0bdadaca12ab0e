"""Organizations, tenants, memberships (and, with the protocol module, adhesions)."""


def init_app(app, api):
    from flask_babel import lazy_gettext as _l
    from smartregion.web import menu_entry

    from tenants import api as tenants_api
    from tenants import views

    api.register_blueprint(tenants_api.blp)
    app.register_blueprint(views.bp)
    for role, order in (("secretariat", 10), ("auditor", 80)):
        menu_entry(app, role, "tenant_pages.tenants", _l("Tenants"),
                   _l("Municipalities, their status and lead companies."), order=order)
    for role, order in (("municipality", 40), ("utility", 30)):
        menu_entry(app, role, "tenant_pages.tenants", _l("Tenant"), _l("Your municipality and its lead company."),
                   order=order)
