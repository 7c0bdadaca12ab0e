"""Bearer-token verification (RS256 against the issuer's JWKS) and the role and tenant checks."""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, field

import jwt
from flask import Flask, current_app, g, request, session
from smartregion import audit, tenancy
from smartregion.errors import Forbidden, NotFound, ServiceUnavailable, Unauthorized
from sqlalchemy import select

ROLES = ("secretariat", "municipality", "utility", "auditor")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
API_PREFIX = "/api/v1/"
TENANT_GROUP_PREFIX = "/tenants/"


@dataclass(frozen=True)
class User:
    """The person (or service) behind a verified token."""

    username: str
    name: str
    subject: str
    roles: frozenset[str]
    tenant_slugs: tuple[str, ...] = ()
    email: str | None = None
    claims: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_secretariat(self) -> bool:
        return "secretariat" in self.roles

    @property
    def is_auditor(self) -> bool:
        return "auditor" in self.roles

    @property
    def is_regional(self) -> bool:
        return self.is_secretariat or self.is_auditor

    @property
    def read_only(self) -> bool:
        """Auditors read everything and write nothing."""
        return self.is_auditor and not (self.roles & {"secretariat", "municipality", "utility"})

    @property
    def role(self) -> str:
        return next((r for r in ROLES if r in self.roles), "")

    @classmethod
    def from_claims(cls, claims: dict) -> User:
        roles = frozenset((claims.get("realm_access") or {}).get("roles") or [])
        groups = claims.get("groups") or []
        slugs = tuple(sorted(g[len(TENANT_GROUP_PREFIX):] for g in groups
                             if isinstance(g, str) and g.startswith(TENANT_GROUP_PREFIX)))
        username = claims.get("preferred_username") or claims.get("sub", "")
        return cls(username=username, name=claims.get("name") or username, subject=claims.get("sub", ""),
                   roles=roles, tenant_slugs=slugs, email=claims.get("email"), claims=claims)


class KeySet:
    """The issuer's JWKS, cached with a TTL and refreshed at once when an unknown ``kid`` shows up."""

    MIN_REFRESH_INTERVAL = 10.0

    def __init__(self, fetch, ttl: float):
        self._fetch, self._ttl = fetch, ttl
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        try:
            document = self._fetch()
        except Exception as exc:  # noqa: BLE001 - an unreachable issuer is reported as such
            raise ServiceUnavailable(f"the identity provider's keys cannot be fetched: {exc}") from exc
        keys = {}
        for entry in document.get("keys", []):
            if entry.get("kty") == "RSA" and entry.get("use", "sig") == "sig" and entry.get("kid"):
                keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256")
        self._keys, self._fetched_at = keys, time.monotonic()

    def get(self, kid: str) -> jwt.PyJWK | None:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if age > self._ttl:
                self._refresh()
            elif kid not in self._keys and age > self.MIN_REFRESH_INTERVAL:
                self._refresh()
            return self._keys.get(kid)


def _keycloak_fetcher(app: Flask):
    from keycloak import KeycloakOpenID

    client = KeycloakOpenID(server_url=app.config["KEYCLOAK_URL"].rstrip("/") + "/",
                            realm_name=app.config["KEYCLOAK_REALM"], client_id=app.config["KEYCLOAK_CLIENT_ID"],
                            client_secret_key=app.config.get("KEYCLOAK_CLIENT_SECRET"))
    return client.certs


def _dev_fetcher(app: Flask):
    from smartregion import devauth

    return lambda: devauth.jwks(app)


def init_app(app: Flask) -> None:
    fetch = _dev_fetcher(app) if app.config_obj.uses_dev_identity else _keycloak_fetcher(app)
    app.extensions["smartregion.keyset"] = KeySet(fetch, app.config["JWKS_TTL_SECONDS"])
    app.extensions["smartregion.verified_tokens"] = VerifiedTokens(app.config["JWKS_TTL_SECONDS"])
    app.before_request(_authenticate_request)


class VerifiedTokens:
    """Tokens already verified, with their claims, until they expire or the key set's TTL passes.

    An RS256 verification costs about as much as the rest of a short read; a client sends the same
    token with every request. Only tokens that passed every check are kept, never longer than the
    JWKS is trusted, so a key withdrawn by the issuer stops being honoured on the same schedule.
    """

    MAX_ENTRIES = 10_000

    def __init__(self, ttl: float):
        self._ttl = ttl
        self._entries: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> dict | None:
        entry = self._entries.get(token)
        if entry is None or entry[0] <= time.time():
            return None
        return entry[1]

    def put(self, token: str, claims: dict) -> None:
        until = min(float(claims["exp"]), time.time() + self._ttl)
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                now = time.time()
                self._entries = {t: e for t, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= self.MAX_ENTRIES:
                    self._entries.clear()
            self._entries[token] = (until, claims)


def verify_token(token: str, app: Flask | None = None, *, service: str | None = None) -> dict:
    """Verify signature, algorithm, issuer, type, audience, authorized party and validity; return the claims.

    Without ``service`` the token must be a person's access token issued to the platform's client;
    with it, a service account's token issued to that client (the provisioning client, say).
    """
    app = app or current_app
    verified = app.extensions["smartregion.verified_tokens"]
    # A service account's token and a person's are checked differently: each is kept under its own key.
    key = token if service is None else f"{service}\n{token}"
    claims = verified.get(key)
    if claims is None:
        claims = _verify_token(token, app, service)
        verified.put(key, claims)
    return claims


def _verify_token(token: str, app: Flask, service: str | None) -> dict:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthorized("The token is malformed.") from exc
    if header.get("alg") != "RS256":
        raise Unauthorized(f"Tokens signed with {header.get('alg')!r} are not accepted; RS256 is required.")
    key = app.extensions["smartregion.keyset"].get(header.get("kid") or "")
    if key is None:
        raise Unauthorized("The token was signed by an unknown key.")
    try:
        claims = jwt.decode(token, key=key, algorithms=["RS256"], issuer=app.config_obj.issuer, leeway=30,
                            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The token has expired.") from exc
    except jwt.ImmatureSignatureError as exc:
        raise Unauthorized("The token is not valid yet.") from exc
    except jwt.InvalidIssuerError as exc:
        raise Unauthorized("The token was issued by another identity provider.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The token signature or claims are invalid.") from exc
    # Keycloak types its tokens: an ID or refresh token is not an access token, whatever it holds.
    if claims.get("typ") != "Bearer":
        raise Unauthorized("The token is not an access token.")
    expected_client = service or app.config["KEYCLOAK_CLIENT_ID"]
    if claims.get("azp") != expected_client:
        raise Unauthorized("The token was issued to another client.")
    audience = app.config.get("KEYCLOAK_AUDIENCE")
    if audience and service is None:
        granted = claims.get("aud")
        granted = [granted] if isinstance(granted, str) else (granted or [])
        if audience not in granted:
            raise Unauthorized("The token is not meant for this platform (audience).")
    if service is None and is_service_account(claims):
        raise Unauthorized("Service accounts cannot act as a person.")
    return claims


def is_service_account(claims: dict) -> bool:
    """Keycloak names the user behind a client's own credentials ``service-account-<client>``."""
    return str(claims.get("preferred_username") or "").startswith("service-account-")


def verify_bearer(header: str, *, service: str | None = None) -> User:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required.", error=None)
    return User.from_claims(verify_token(token.strip(), service=service))


def public(view):
    """Mark an API view (function or MethodView class) as open to anonymous callers."""
    view.smartregion_public = True
    return view


def _is_public_endpoint() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return False
    return bool(getattr(view, "smartregion_public", False)
                or getattr(getattr(view, "view_class", None), "smartregion_public", False))


def _authenticate_request() -> None:
    g.user = None
    header = request.headers.get("Authorization")
    if header:
        # The identity provider's endpoints and /metrics (the monitoring token) check their own credentials.
        if request.path.startswith(("/realms/", "/admin/realms/")) or request.path == "/metrics":
            return
        g.user = verify_bearer(header)
    elif session.get("tokens"):
        # The pages' tokens live in the server-side session; the API accepts them for reads only, so
        # that a forged cross-site form can never write through the API.
        if request.path.startswith("/api/") and request.method not in SAFE_METHODS:
            raise Unauthorized("Writes through the API need a bearer token.", error=None)
        from smartregion import oidc

        g.user = oidc.session_user()
    if g.user is not None:
        audit.set_actor(g.user.username)
        if g.user.read_only and request.method not in SAFE_METHODS and not _is_session_endpoint():
            raise Forbidden("Auditors have read-only access.")
    elif request.path.startswith(API_PREFIX) and request.url_rule is not None and not _is_public_endpoint():
        # Before anything reads the body: an anonymous caller learns nothing from how it is parsed.
        raise Unauthorized("Authentication is required.", error=None)


SESSION_ENDPOINTS = {"web.login", "web.oidc_callback", "web.logout", "web.set_language", "web.switch_tenant"}


def _is_session_endpoint() -> bool:
    return request.endpoint in SESSION_ENDPOINTS


def current_user() -> User | None:
    return g.get("user")


def require_user() -> User:
    user = current_user()
    if user is None:
        raise Unauthorized("Authentication is required.", error=None)
    return user


def require_roles(*roles: str) -> User:
    user = require_user()
    if not user.roles & set(roles):
        raise Forbidden(f"This action needs one of the roles: {', '.join(roles)}.")
    return user


def login_required(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        require_user()
        return func(*args, **kwargs)

    return wrapper


def roles_required(*roles: str):
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            require_roles(*roles)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def enter_regional(*roles: str) -> User:
    """Enter the regional scope, for the secretariat and auditors (or the roles given)."""
    user = require_roles(*(roles or ("secretariat", "auditor")))
    tenancy.set_regional(True)
    return user


def read_regionally() -> User:
    """Any signed-in user reading region-wide rows, which the caller filters to the user's tenants
    (`can_see_tenant`): protocols, timelines, adhesions, notices."""
    user = require_user()
    tenancy.set_regional(True)
    return user


def can_see_tenant(user: User, slug: str) -> bool:
    return user.is_regional or slug in user.tenant_slugs


def enter_tenant(slug: str, *, write: bool = False, roles: tuple[str, ...] | None = None):
    """Check the caller may act in this tenant, select it, and return the ``Tenant`` row.

    Someone who is not a member gets 404, as if the tenant did not exist.
    """
    from smartregion.db import get_session
    from smartregion.registry import Tenant, TenantStatus

    user = require_user()
    tenant = get_session().scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or not can_see_tenant(user, slug):
        raise NotFound(f"Tenant {slug!r} not found.")
    if roles is not None and not user.roles & set(roles):
        raise Forbidden(f"This action needs one of the roles: {', '.join(roles)}.")
    if write:
        if user.read_only:
            raise Forbidden("Auditors have read-only access.")
        if tenant.status == TenantStatus.SUSPENDED and not user.is_secretariat:
            raise Forbidden(f"Tenant {slug!r} is suspended: its data can be read but not changed.")
    tenancy.set_tenant(tenant.id)
    # Held for the request: the session's identity map keeps rows only while something refers to them,
    # and the services that look the tenant up again then find it there without a query.
    g.entered_tenant = tenant
    return tenant
