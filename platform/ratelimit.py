"""Rate limits on the login, token and upload endpoints, with Flask-Limiter.

Counters live in Redis, shared by every web process; while Redis is down Flask-Limiter counts in the
process's memory instead (its in-memory fallback), so logins stay limited and pages keep working. A
refused request gets 429 problem+json with ``Retry-After``. Views opt in with ``login``, ``token``
or ``upload`` (a function or a MethodView class); the limits come from the configuration.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

KINDS = {"login": "RATELIMIT_LOGIN", "token": "RATELIMIT_TOKEN", "upload": "RATELIMIT_UPLOAD"}
ATTRIBUTE = "smartregion_rate_limit"


def _marker(kind: str, default_methods: list[str] | None = None):
    def mark(view=None, *, methods: list[str] | None = None):
        def decorator(target):
            setattr(target, ATTRIBUTE, (kind, methods or default_methods))
            return target

        return decorator if view is None else decorator(view)

    return mark


login = _marker("login")
token = _marker("token")
upload = _marker("upload", ["POST", "PUT", "PATCH"])


def _caller() -> str:
    """Uploads are counted per person (offices share one address behind their NAT), logins per address."""
    from flask import g

    user = g.get("user")
    return f"user:{user.username}" if user is not None else f"address:{get_remote_address()}"


def _kind_of(view) -> tuple[str, list[str] | None] | None:
    return getattr(view, ATTRIBUTE, None) or getattr(getattr(view, "view_class", None), ATTRIBUTE, None)


def _storage_uri(redis_url: str | None) -> str:
    """The limits library names a Redis socket ``redis+unix://`` where redis-py says ``unix://`` (the
    embedded Redis of ``make run`` listens on a socket)."""
    if not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


def init_app(app: Flask) -> None:
    """After every module has registered its views: wrap the marked ones with their limit."""
    config = app.config
    redis_url = config.get("REDIS_URL")
    config.setdefault("RATELIMIT_STORAGE_URI", _storage_uri(redis_url))
    config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    config.setdefault("RATELIMIT_KEY_PREFIX", f"smartregion:{config.get('RQ_QUEUE_PREFIX') or ''}ratelimit")
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter = Limiter(key_func=_caller, app=app)
    app.extensions["smartregion.limiter"] = limiter
    limited = set()
    for endpoint, view in list(app.view_functions.items()):
        marked = _kind_of(view)
        if marked is None:
            continue
        kind, methods = marked
        # Logins and tokens are counted per address whoever asks: the caller is not known yet.
        key = get_remote_address if kind in ("login", "token") else _caller
        app.view_functions[endpoint] = limiter.limit(config[KINDS[kind]], key_func=key, methods=methods)(view)
        limited.add(endpoint)
    if not (config.get("RATELIMIT_DEFAULT") or config.get("RATELIMIT_APPLICATION")):
        _only_for(app, limiter, limited)


def _only_for(app: Flask, limiter: Limiter, limited: set[str]) -> None:
    """Run the limiter's hooks on the limited views' requests only.

    Only the marked views are limited and their wrappers check their own limits: the hook that looks
    for default limits before every request would find none, and the hooks that write the
    ``X-RateLimit-*`` headers and clear the limiter's state after a request have nothing to do on
    another view's request, at a cost on every read.
    """
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    # The two hooks are found by what Flask-Limiter registers; a release that registers them otherwise
    # keeps them running on every request, as before (slower, the same behaviour).
    after = app.after_request_funcs[None]
    found = next(((i, f) for i, f in enumerate(after) if getattr(f, "args", None) == (limiter,)), None)
    if found is not None:
        index, inject = found

        def inject_headers(response):
            return inject(response) if request.endpoint in limited else response

        after[index] = inject_headers
    teardown = app.teardown_request_funcs[None]
    found = next(((i, f) for i, f in enumerate(teardown) if getattr(f, "__self__", None) is limiter), None)
    if found is not None:
        index, release = found

        def release_context(exc):
            if request.endpoint in limited:
                release(exc)

        teardown[index] = release_context


def reset(app: Flask) -> None:
    """Forget every counter (tests, or an administrator after a false alarm)."""
    app.extensions["smartregion.limiter"].reset()
