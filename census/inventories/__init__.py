"""Utilities' inventories, the network cadastre (L.R. 48/2015, SINFI) and the ultra-broadband plan status."""


def init_app(app, api) -> None:
    """Register the inventories API and pages; called by the census package's init_app."""
    from flask_babel import lazy_gettext as _l
    from smartregion.web import menu_entry

    from . import api as inventories_api
    from . import views

    api.register_blueprint(inventories_api.blp)
    app.register_blueprint(views.bp)
    menu_entry(app, "utility", "inventory_pages.uploads", _l("Inventories"),
               _l("Upload service inventories and follow the imports."), order=10)
