"""The agreement itself: protocols, signatories, adhesions, waivers and the calendar of their terms."""


def init_app(app, api):
    from protocol import api as protocol_api
    from protocol import views

    api.register_blueprint(protocol_api.blp)
    app.register_blueprint(views.bp)
