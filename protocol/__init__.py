"""The agreement itself: protocols, signatories, adhesions, waivers and the calendar of their terms."""


def init_app(app, api):
    from flask_babel import lazy_gettext as _l
    from smartregion.web import home_section, menu_entry

    from protocol import api as protocol_api
    from protocol import views

    api.register_blueprint(protocol_api.blp)
    app.register_blueprint(views.bp)
    home_section(app, views.census_deadline, order=10)
    menu_entry(app, "secretariat", "protocol_pages.protocols_page", _l("Protocol"),
               _l("Timeline, milestones and adhesions."), order=20)
    menu_entry(app, "auditor", "protocol_pages.protocols_page", _l("Protocol timeline"),
               _l("Milestones and who is late."), order=10, menu=_l("Protocol"))
