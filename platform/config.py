"""Configuration classes, read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET = "development-only-secret-key"  # noqa: S105 - refused in production
ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The configuration cannot run in this environment."""


ENVIRONMENTS = ("production", "development", "test")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_ADMIN_SECRET = "change-me-in-production"  # noqa: S105 - the old realm export's value, refused


class Config:
    """Defaults shared by every environment; each value can be overridden from the environment.

    The environment is production unless ``SMARTREGION_ENV`` asks for development or test: a server
    started without it gets the production checks, never the development identity provider.
    """

    ENV = "production"
    MODULES = ["tenants", "protocol", "census", "interoperability", "funding", "monitoring", "publication"]

    SECRET_KEY = DEFAULT_SECRET
    DATABASE_URL: str | None = None
    APP_DATABASE_USER = "smartregion_app"
    APP_DATABASE_PASSWORD: str | None = None
    # Connections kept per web or worker process; recycled after this many seconds (no pre-ping round trip).
    # At least the server's threads per process: a connection beyond the pool is opened for one request and
    # closed after it (a new PostgreSQL backend each time).
    DATABASE_POOL_SIZE = 10
    DATABASE_POOL_OVERFLOW = 10
    DATABASE_POOL_RECYCLE_SECONDS = 1800
    REDIS_URL: str | None = None
    STORAGE_DIR = str(ROOT / "var" / "files")
    VAR_DIR = str(ROOT / "var")
    MAX_CONTENT_LENGTH = 100 * 1024 * 1024

    KEYCLOAK_URL: str | None = None
    KEYCLOAK_REALM = "smartregion"
    KEYCLOAK_CLIENT_ID = "smartregion"
    KEYCLOAK_CLIENT_SECRET: str | None = None
    KEYCLOAK_ADMIN_USER: str | None = None
    KEYCLOAK_ADMIN_PASSWORD: str | None = None
    KEYCLOAK_ADMIN_CLIENT_ID = "smartregion-admin"
    KEYCLOAK_ADMIN_CLIENT_SECRET: str | None = None
    # The address people reach the platform at: the page login's redirect URI and the development
    # provider's issuer are built from it.
    PUBLIC_URL = DEFAULT_PUBLIC_URL
    DEV_IDP_KEY_FILE: str | None = None
    DEV_IDP_ADMIN_SECRET = "development-admin-secret"  # noqa: S105 - development provider only
    RQ_QUEUE_PREFIX = ""
    JWKS_TTL_SECONDS = 300
    TOKEN_LIFETIME_SECONDS = 3600
    # Audience the API's access tokens must carry (the realm's audience mapper adds it); empty to rely
    # on ``azp`` alone, as Keycloak does without the mapper.
    KEYCLOAK_AUDIENCE = "smartregion"

    # Page sessions live in PostgreSQL; the cookie carries only their random id.
    SESSION_COOKIE_NAME = "smartregion_session"
    SESSION_COOKIE_SECURE: bool | None = None  # None: on in production, off elsewhere
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_SECONDS = 2 * 3600
    SESSION_MAX_SECONDS = 12 * 3600
    # A page session refreshes its access token when less than this is left of it.
    TOKEN_REFRESH_MARGIN_SECONDS = 60
    HSTS_SECONDS = 365 * 24 * 3600
    # Reverse proxies in front of the platform whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
    PROXY_HOPS = 0

    # Limits on the login, token and upload endpoints (Flask-Limiter notation), counted in Redis and in
    # memory while Redis is down.
    RATELIMIT_ENABLED = True
    RATELIMIT_LOGIN = "60 per minute"
    RATELIMIT_TOKEN = "60 per minute"
    RATELIMIT_UPLOAD = "30 per minute"

    # JSON bodies: deeper or larger documents are refused before any handler sees them.
    MAX_JSON_DEPTH = 64
    MAX_JSON_BYTES = 50 * 1024 * 1024

    # Outbound calls (the NGSI-LD push) never reach loopback, link-local or private addresses unless
    # these allow them: loopback for a broker on the same machine, private for one on the region's own
    # network.
    OUTBOUND_ALLOW_LOOPBACK = False
    OUTBOUND_ALLOW_PRIVATE = False

    # Base tiles under the inventory map (e.g. a regional WMTS in XYZ form); without them the map draws
    # the assets alone, and no page reaches outside the platform.
    MAP_TILE_URL: str | None = None
    MAP_TILE_ATTRIBUTION = ""
    # The region whose municipal boundaries the maps draw as their plain base layer (as the shipped
    # boundaries name it) and colour by census state on the regional home.
    MAP_REGION = "Toscana"

    # Open data (publication module): the DCAT-AP_IT catalogue and the OGC API - Features.
    PUBLICATION_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
    PUBLICATION_LICENSE_TITLE = "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)"
    PUBLICATION_REGION_NAME = "Regione Toscana"
    PUBLICATION_REGION_IPA = "r_toscan"
    PUBLICATION_REGION_GEONAMES = "https://sws.geonames.org/3165361/"
    PUBLICATION_CONTACT_NAME = "Segreteria tecnica regionale del protocollo smart city"
    PUBLICATION_CONTACT_EMAIL = "opendata@smartregion.invalid"
    PUBLICATION_CATALOG_TITLE_IT = "Catalogo dei dati aperti del protocollo smart city"
    PUBLICATION_CATALOG_TITLE_EN = "Open data catalogue of the smart-city protocol"
    CATALOG_PAGE_SIZE = 100
    OGCAPI_DEFAULT_LIMIT = 100
    OGCAPI_MAX_LIMIT = 1000

    SMTP_URL: str | None = None
    MAIL_FROM = "smartregion@localhost"

    API_TITLE = "smartregion"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"
    API_SPEC_OPTIONS = {
        "info": {"description": "Regional smart-region delivery platform. Errors are RFC 9457 problem+json."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        },
        "security": [{"bearer": []}],
    }
    # Operations: jobs, the scheduler and the sweeper, Redis timeouts, logs and metrics (docs/operations.md).
    REDIS_SOCKET_TIMEOUT = 1.0  # seconds: a hung Redis costs a request this much, once
    REDIS_RETRY_AFTER = 5  # seconds without dispatch attempts after Redis failed
    DATABASE_CONNECT_TIMEOUT = 5  # seconds
    JOB_HEARTBEAT_SECONDS = 10
    JOB_HEARTBEAT_TIMEOUT = 60  # a started job whose heartbeat is older belongs to a dead worker
    JOB_MAX_ATTEMPTS = 3  # runs of a job whose worker keeps dying, before it is marked failed
    JOB_DISPATCH_GRACE = 30  # seconds before the sweeper dispatches a queued job again
    JOB_STUCK_AFTER = 900  # seconds a queued job may wait before the console calls it stuck
    SCHEDULER_LOCK_TTL = 30  # seconds: a standby scheduler takes over this long after the leader dies
    SWEEP_INTERVAL = 30
    SCHEDULER_CATCH_UP = 86400  # a run missed by less than this is started when a scheduler takes over
    PERIODIC_SCHEDULE = ""  # JSON: {"funding.jobs.daily_refresh": "15 5 * * *", "*": "every 30s", ...}
    METRICS_TOKEN: str | None = None  # /metrics answers only with this bearer token

    # The footer's links: an external page when its URL is set (AgID's form for the accessibility
    # statement, the body's privacy notice...), the platform's own page otherwise, showing the text set
    # here in either language (paragraphs separated by blank lines) or a default one.
    FOOTER_ACCESSIBILITY_URL: str | None = None
    FOOTER_ACCESSIBILITY_TEXT_IT = ""
    FOOTER_ACCESSIBILITY_TEXT_EN = ""
    FOOTER_PRIVACY_URL: str | None = None
    FOOTER_PRIVACY_TEXT_IT = ""
    FOOTER_PRIVACY_TEXT_EN = ""
    FOOTER_LEGAL_NOTES_URL: str | None = None
    FOOTER_LEGAL_NOTES_TEXT_IT = ""
    FOOTER_LEGAL_NOTES_TEXT_EN = ""

    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = "Europe/Rome"
    LANGUAGES = ["it", "en"]
    PAGE_SIZE = 50
    RQ_ASYNC = True

    def __init__(self, **overrides):
        for name in dir(type(self)):
            if name.isupper() and name in os.environ:
                setattr(self, name, _coerce(getattr(type(self), name), os.environ[name]))
        if os.environ.get("SMARTREGION_ENV"):
            self.ENV = os.environ["SMARTREGION_ENV"].strip().lower()
        for name, value in overrides.items():
            setattr(self, name, value)
        if self.SESSION_COOKIE_SECURE is None:
            self.SESSION_COOKIE_SECURE = self.ENV == "production"
        elif isinstance(self.SESSION_COOKIE_SECURE, str):
            self.SESSION_COOKIE_SECURE = _coerce(True, self.SESSION_COOKIE_SECURE)
        if self.DEV_IDP_KEY_FILE is None:
            self.DEV_IDP_KEY_FILE = str(Path(self.VAR_DIR) / "devidp" / "signing-key.pem")

    @property
    def uses_dev_identity(self) -> bool:
        return not self.KEYCLOAK_URL

    @property
    def issuer(self) -> str:
        base = self.KEYCLOAK_URL or self.PUBLIC_URL
        return f"{base.rstrip('/')}/realms/{self.KEYCLOAK_REALM}"

    def check(self) -> None:
        """Refuse configurations that must never run in production, naming each setting at fault."""
        if self.ENV not in ENVIRONMENTS:
            raise ConfigurationError(f"SMARTREGION_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.ENV!r}")
        if self.ENV != "production":
            return
        problems = []
        if self.uses_dev_identity:
            problems.append("KEYCLOAK_URL is required: the development identity provider never runs in production")
        if self.SECRET_KEY == DEFAULT_SECRET or len(self.SECRET_KEY or "") < 32:
            problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
        if not self.DATABASE_URL:
            problems.append("DATABASE_URL must be set")
        if not self.REDIS_URL:
            problems.append("REDIS_URL must be set")
        if self.PUBLIC_URL == DEFAULT_PUBLIC_URL or not (self.PUBLIC_URL or "").startswith("https://"):
            problems.append("PUBLIC_URL must be set to the https:// address people open the platform at")
        if self.KEYCLOAK_ADMIN_CLIENT_SECRET == DEFAULT_ADMIN_SECRET:
            problems.append("KEYCLOAK_ADMIN_CLIENT_SECRET still has the example value: set the client's real secret")
        if self.SESSION_COOKIE_SAMESITE not in ("Lax", "Strict"):
            problems.append("SESSION_COOKIE_SAMESITE must be Lax or Strict")
        if problems:
            raise ConfigurationError("unsafe production configuration: " + "; ".join(problems))

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in dir(self) if name.isupper()}


def _coerce(default, raw: str):
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, list):
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw
