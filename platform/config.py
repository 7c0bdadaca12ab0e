"""Configuration classes, read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET = "development-only-secret-key"  # noqa: S105 - refused in production
ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The configuration cannot run in this environment."""


class Config:
    """Defaults shared by every environment; each value can be overridden from the environment."""

    ENV = "development"
    MODULES = ["tenants", "census", "interoperability", "funding", "protocol"]

    SECRET_KEY = DEFAULT_SECRET
    DATABASE_URL: str | None = None
    APP_DATABASE_USER = "smartregion_app"
    APP_DATABASE_PASSWORD: str | None = None
    # Connections per web or worker process; recycled after this many seconds (no pre-ping round trip).
    DATABASE_POOL_SIZE = 5
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
    # Base URL at which this platform serves the development identity provider.
    PUBLIC_URL = "http://127.0.0.1:8000"
    DEV_IDP_KEY_FILE: str | None = None
    DEV_IDP_ADMIN_SECRET = "development-admin-secret"  # noqa: S105 - development provider only
    RQ_QUEUE_PREFIX = ""
    JWKS_TTL_SECONDS = 300
    TOKEN_LIFETIME_SECONDS = 3600

    # Base tiles under the inventory map (e.g. a regional WMTS in XYZ form); without them the map draws
    # the assets alone, and no page reaches outside the platform.
    MAP_TILE_URL: str | None = None
    MAP_TILE_ATTRIBUTION = ""

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
    BABEL_DEFAULT_LOCALE = "it"
    LANGUAGES = ["it", "en"]
    PAGE_SIZE = 50
    RQ_ASYNC = True

    def __init__(self, **overrides):
        for name in dir(type(self)):
            if name.isupper() and name in os.environ:
                setattr(self, name, _coerce(getattr(type(self), name), os.environ[name]))
        if "SMARTREGION_ENV" in os.environ:
            self.ENV = os.environ["SMARTREGION_ENV"]
        for name, value in overrides.items():
            setattr(self, name, value)
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
        """Refuse configurations that must never run in production."""
        if self.ENV != "production":
            return
        problems = []
        if self.uses_dev_identity:
            problems.append("KEYCLOAK_URL is required: the development identity provider never runs in production")
        if self.SECRET_KEY == DEFAULT_SECRET:
            problems.append("SECRET_KEY must be set")
        if not self.DATABASE_URL:
            problems.append("DATABASE_URL must be set")
        if not self.REDIS_URL:
            problems.append("REDIS_URL must be set")
        if problems:
            raise ConfigurationError("; ".join(problems))

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in dir(self) if name.isupper()}


def _coerce(default, raw: str):
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, list):
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw
