"""Utilities' inventories, the network cadastre (L.R. 48/2015, SINFI) and the ultra-broadband plan status."""


def init_app(app, api) -> None:
    """Register the inventories API and pages; called by the census package's init_app."""
    from . import api as inventories_api
    from . import views

    api.register_blueprint(inventories_api.blp)
    app.register_blueprint(views.bp)
