"""The application factory."""

from __future__ import annotations

import importlib
import inspect
import logging

from flask import Flask, g, request, session
from flask_babel import Babel
from smartregion import auth, errors, inputs, logs, memory, metrics, oidc, ratelimit, security, sessions, storage
from smartregion.api import api
from smartregion.config import Config
from smartregion.db import db
from sqlalchemy.exc import IntegrityError, OperationalError

log = logging.getLogger(__name__)
babel = Babel()


class SmartRegionFlask(Flask):
    """Flask, with the check Flask makes before calling each hook and view made cheaper."""

    def ensure_sync(self, func):
        # Flask asks ``inspect.iscoroutinefunction`` about every before/after/teardown hook and view
        # wrapper on every request (twenty-odd calls, each unwrapping methods and partials). A function
        # or method says it on its code object at once; anything else takes Flask's way.
        code = getattr(func, "__code__", None)
        if code is not None and not code.co_flags & inspect.CO_COROUTINE \
                and not hasattr(func, "_is_coroutine_marker"):  # inspect.markcoroutinefunction (3.12+)
            return func
        return super().ensure_sync(func)


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    # Pages speak Italian until the person picks another language, whatever the browser asks for.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: Config | dict | None = None) -> Flask:
    """Build the platform: kernel, then every enabled module in order."""
    if config is None:
        config = Config()
    elif isinstance(config, dict):
        config = Config(**config)
    config.check()

    app = SmartRegionFlask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.from_mapping(config.as_dict())
    app.config_obj = config
    app.json.sort_keys = False
    # First, so that every later hook (and its errors) has the request id and is timed.
    logs.init_app(app)
    metrics.init_app(app)
    memory.init_app(app)
    inputs.install_converters(app)
    security.init_app(app)
    sessions.init_app(app)
    app.before_request(_enter_request_context)
    app.teardown_request(_leave_request_context)
    db.init_app(app)
    storage.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    api.init_app(app)
    auth.init_app(app)
    inputs.init_app(app)
    oidc.init_app(app)
    if config.uses_dev_identity:
        from smartregion import devauth

        devauth.init_app(app)

    from smartregion import routes, web

    api.register_blueprint(routes.blp)
    app.register_blueprint(routes.health)
    web.init_app(app)

    for name in config.MODULES:
        module = importlib.import_module(name)
        if not hasattr(module, "init_app"):
            log.warning("module %s has no init_app yet: not registered", name)
            continue
        module.init_app(app, api)

    from smartregion import jobs

    jobs.periodic("smartregion.audit.anchor_job", cron="*/10 * * * *",
                  description="Anchor every tenant's audit chain in the region's chain")

    ratelimit.init_app(app)  # once every view is registered: it wraps the marked ones
    if config.PROXY_HOPS:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address (rate limits) and scheme come from the trusted proxies' headers only.
        hops = config.PROXY_HOPS
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # Registered last so that it replaces flask-smorest's own handlers.
    errors.init_app(app)
    app.after_request(_end_transaction)
    return app


def _enter_request_context() -> None:
    # Every request starts with no tenant, no regional scope and no actor, and puts back what was
    # there before when it ends: server threads serve one request after another.
    from smartregion import audit, tenancy

    g.context_tokens = (tenancy.enter_clean(), audit.enter_clean())
    # Flask-Babel caches the locale on `g`; a request served inside an application context that outlives
    # it (a test holding one, a command serving requests) must choose its own language again.
    g.pop("_flask_babel", None)


def _leave_request_context(exc) -> None:
    from smartregion import audit, tenancy

    tokens = g.pop("context_tokens", None)
    if tokens is not None:
        tenancy.leave(tokens[0])
        audit.leave(tokens[1])


def _end_transaction(response):
    """One transaction per request: commit what succeeded, roll back what did not."""
    session = g.get("db_session")
    if session is None:
        return response
    if response.status_code >= 400:
        session.rollback()
        return response
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        log.info("conflict on commit: %s", exc.orig)
        return errors.problem(409, "Conflict", "The change conflicts with existing data.")
    except OperationalError as exc:
        # The database went away before the commit: nothing was kept, and the client is told to retry.
        log.warning("database unavailable at commit: %s", exc)
        session.rollback()
        return errors.render(503, "Service unavailable", "The database is not reachable right now; retry in a "
                             "moment.", headers={"Retry-After": "5"})
    return response
