"""The development identity provider: Keycloak's paths and token claims, for the seeded demo users.

It serves ``/realms/<realm>/.well-known/openid-configuration``, ``.../certs``, ``.../token``
(authorization code with PKCE, password, client-credentials and refresh grants), the browser login
and logout (``devlogin``), plus the small part of the Keycloak admin API that the platform uses to
provision tenant groups. It refuses to run in production.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from smartregion import ratelimit
from smartregion.db import Base, db
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

ROLES = ("secretariat", "municipality", "utility", "auditor")
ADMIN_CLIENT_ID = "smartregion-admin"


class DevUser(Base):
    """A user of the development identity provider (Keycloak holds them in production)."""

    __tablename__ = "dev_users"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list] = mapped_column(JSONB, default=list)
    groups: Mapped[list] = mapped_column(JSONB, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)


class DevGroup(Base):
    """A group of the development identity provider, as Keycloak's admin API shows it."""

    __tablename__ = "dev_groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(400), unique=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("dev_groups.id"))


def upsert_user(session: Session, username: str, *, name: str, roles: list[str], groups: list[str],
                email: str | None = None, password: str | None = None) -> DevUser:
    """Create or update a development user (password defaults to the username)."""
    user = session.get(DevUser, username)
    if user is None:
        user = DevUser(username=username, password_hash=generate_password_hash(password or username))
        session.add(user)
    user.name, user.email, user.roles, user.groups = name, email, list(roles), list(groups)
    session.flush()
    return user


# --- signing key ---------------------------------------------------------------------------------

class SigningKey:
    def __init__(self, pem: bytes):
        self.private = serialization.load_pem_private_key(pem, password=None)
        numbers = self.private.public_key().public_numbers()
        self.jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "n": _b64(numbers.n), "e": _b64(numbers.e)}
        thumb = hashlib.sha256(f'{{"e":"{self.jwk["e"]}","kty":"RSA","n":"{self.jwk["n"]}"}}'.encode()).digest()
        self.kid = base64.urlsafe_b64encode(thumb).rstrip(b"=").decode()
        self.jwk["kid"] = self.kid


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def load_or_create_key(path: str | Path) -> SigningKey:
    """One key shared by the web and worker processes, created once (atomically) on first use."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(pem)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # fails if another process won the race: keep theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return SigningKey(path.read_bytes())


def signing_key(app: Flask | None = None) -> SigningKey:
    app = app or current_app
    key = app.extensions.get("smartregion.devidp.key")
    if key is None:
        key = load_or_create_key(app.config["DEV_IDP_KEY_FILE"])
        app.extensions["smartregion.devidp.key"] = key
    return key


def jwks(app: Flask | None = None) -> dict:
    return {"keys": [signing_key(app).jwk]}


def issue_token(user: DevUser, *, app: Flask | None = None, lifetime: int | None = None,
                client_id: str | None = None, nonce: str | None = None, id_token: bool = False) -> dict:
    """Sign an access token with Keycloak's claims for a development user (and an ID token if asked)."""
    app = app or current_app
    now = int(time.time())
    lifetime = lifetime or app.config["TOKEN_LIFETIME_SECONDS"]
    client_id = client_id or app.config["KEYCLOAK_CLIENT_ID"]
    subject = _user_uuid(user.username)
    claims = {
        "iss": app.config_obj.issuer, "sub": subject, "typ": "Bearer",
        # Keycloak's audience mapper puts the platform's client in ``aud`` beside ``account``.
        "azp": client_id, "aud": [app.config["KEYCLOAK_CLIENT_ID"], "account"],
        "iat": now, "nbf": now, "exp": now + lifetime, "jti": str(uuid.uuid4()),
        "preferred_username": user.username, "name": user.name, "email": user.email,
        "realm_access": {"roles": list(user.roles)}, "groups": list(user.groups),
        "scope": "openid profile email",
    }
    key = signing_key(app)
    token = jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})
    response = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": claims["scope"],
                "refresh_token": _refresh_token(user.username, now, app), "refresh_expires_in": 8 * 3600}
    if id_token:
        identity = {"iss": claims["iss"], "sub": subject, "aud": client_id, "azp": client_id, "typ": "ID",
                    "iat": now, "exp": now + lifetime, "auth_time": now, "preferred_username": user.username,
                    "name": user.name, "email": user.email,
                    "at_hash": _half_hash(token)}
        if nonce:
            identity["nonce"] = nonce
        response["id_token"] = jwt.encode(identity, key.private, algorithm="RS256", headers={"kid": key.kid})
    return response


def _half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def _user_uuid(username: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"smartregion-dev-user:{username}"))


def _refresh_token(username: str, now: int, app: Flask) -> str:
    key = signing_key(app)
    return jwt.encode({"sub": username, "typ": "Refresh", "iat": now, "exp": now + 8 * 3600,
                       "iss": app.config_obj.issuer}, key.private, algorithm="RS256", headers={"kid": key.kid})


def authenticate(session: Session, username: str, password: str) -> DevUser | None:
    user = session.get(DevUser, username)
    if user is None or not user.enabled or not check_password_hash(user.password_hash, password):
        return None
    return user


# --- the Keycloak-shaped endpoints ---------------------------------------------------------------

bp = Blueprint("devidp", __name__)


def oauth_error(error: str, description: str, status: int = 400):
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


def check_realm(realm: str):
    if realm != current_app.config["KEYCLOAK_REALM"]:
        return oauth_error("invalid_request", f"realm {realm!r} does not exist", 404)
    return None


@bp.get("/realms/<realm>/.well-known/openid-configuration")
def openid_configuration(realm: str):
    if (err := check_realm(realm)) is not None:
        return err
    issuer = current_app.config_obj.issuer
    return jsonify({
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/protocol/openid-connect/auth",
        "token_endpoint": f"{issuer}/protocol/openid-connect/token",
        "jwks_uri": f"{issuer}/protocol/openid-connect/certs",
        "end_session_endpoint": f"{issuer}/protocol/openid-connect/logout",
        "grant_types_supported": ["authorization_code", "password", "client_credentials", "refresh_token"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "email"],
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
        "authorization_response_iss_parameter_supported": True,
    })


@bp.get("/realms/<realm>/protocol/openid-connect/certs")
def certs(realm: str):
    if (err := check_realm(realm)) is not None:
        return err
    return jsonify(jwks())


def _platform_client(form) -> bool:
    return form.get("client_id") == current_app.config["KEYCLOAK_CLIENT_ID"]


def _authorization_code(form):
    if not _platform_client(form):
        return oauth_error("unauthorized_client", "unknown client", 401)
    from smartregion import devlogin

    return devlogin.exchange_code(form)


def _password(form):
    if not _platform_client(form):
        return oauth_error("unauthorized_client", "unknown client", 401)
    user = authenticate(db.session(), form.get("username", ""), form.get("password", ""))
    if user is None:
        return oauth_error("invalid_grant", "Invalid user credentials", 401)
    return token_response(issue_token(user))


def _client_credentials(form):
    secret = current_app.config["DEV_IDP_ADMIN_SECRET"]
    if form.get("client_id") != ADMIN_CLIENT_ID or form.get("client_secret") != secret:
        return oauth_error("unauthorized_client", "Invalid client or client credentials", 401)
    robot = DevUser(username=f"service-account-{ADMIN_CLIENT_ID}", name="Service account",
                    roles=["realm-admin"], groups=[], password_hash="")
    return token_response(issue_token(robot, client_id=ADMIN_CLIENT_ID))


def _refresh_token_grant(form):
    try:
        claims = jwt.decode(form.get("refresh_token", ""), signing_key().private.public_key(),
                            algorithms=["RS256"], issuer=current_app.config_obj.issuer)
    except jwt.PyJWTError:
        return oauth_error("invalid_grant", "Invalid refresh token", 400)
    user = db.session().get(DevUser, claims.get("sub"))
    if claims.get("typ") != "Refresh" or user is None or not user.enabled:
        return oauth_error("invalid_grant", "Invalid refresh token", 400)
    return token_response(issue_token(user, id_token=True))


GRANTS = {"authorization_code": _authorization_code, "password": _password,
          "client_credentials": _client_credentials, "refresh_token": _refresh_token_grant}


@bp.post("/realms/<realm>/protocol/openid-connect/token")
@ratelimit.token
def token(realm: str):
    if (err := check_realm(realm)) is not None:
        return err
    grant = request.form.get("grant_type")
    if grant not in GRANTS:
        return oauth_error("unsupported_grant_type", f"grant_type {grant!r} is not supported")
    return GRANTS[grant](request.form)


def _admin_guard(realm: str):
    if (err := check_realm(realm)) is not None:
        return err
    from smartregion import auth

    try:
        user = auth.verify_bearer(request.headers.get("Authorization", ""), service=ADMIN_CLIENT_ID)
    except Exception:  # noqa: BLE001 - any verification failure is a 401 here
        return oauth_error("invalid_token", "a valid admin token is required", 401)
    if "realm-admin" not in user.roles:
        return oauth_error("forbidden", "realm-admin role required", 403)
    return None


def _group_json(group: DevGroup, session: Session) -> dict:
    children = session.scalars(select(DevGroup).where(DevGroup.parent_id == group.id).order_by(DevGroup.name))
    return {"id": group.id, "name": group.name, "path": group.path,
            "subGroups": [_group_json(child, session) for child in children]}


def _create_group(realm: str, parent: DevGroup | None):
    session = db.session()
    name = (request.get_json(silent=True) or {}).get("name", "").strip()
    if not name or "/" in name:
        return oauth_error("invalid_request", "a group name without '/' is required")
    path = f"{parent.path if parent else ''}/{name}"
    if session.scalar(select(DevGroup).where(DevGroup.path == path)) is not None:
        return jsonify({"errorMessage": f"Top level group named '{name}' already exists."}), 409
    group = DevGroup(id=str(uuid.uuid4()), name=name, path=path, parent_id=parent.id if parent else None)
    session.add(group)
    session.commit()
    response = jsonify({})
    response.status_code = 201
    response.headers["Location"] = url_for("devidp.admin_group", realm=realm, group_id=group.id, _external=True)
    return response


@bp.route("/admin/realms/<realm>/groups", methods=["GET", "POST"])
def admin_groups(realm: str):
    if (err := _admin_guard(realm)) is not None:
        return err
    if request.method == "POST":
        return _create_group(realm, None)
    session = db.session()
    top = session.scalars(select(DevGroup).where(DevGroup.parent_id.is_(None)).order_by(DevGroup.name))
    return jsonify([_group_json(group, session) for group in top])


@bp.get("/admin/realms/<realm>/groups/<group_id>")
def admin_group(realm: str, group_id: str):
    if (err := _admin_guard(realm)) is not None:
        return err
    session = db.session()
    group = session.get(DevGroup, group_id)
    if group is None:
        return jsonify({"error": "Could not find group by id"}), 404
    return jsonify(_group_json(group, session))


@bp.route("/admin/realms/<realm>/groups/<group_id>/children", methods=["GET", "POST"])
def admin_group_children(realm: str, group_id: str):
    if (err := _admin_guard(realm)) is not None:
        return err
    session = db.session()
    parent = session.get(DevGroup, group_id)
    if parent is None:
        return jsonify({"error": "Could not find parent group by id"}), 404
    if request.method == "POST":
        return _create_group(realm, parent)
    return jsonify(_group_json(parent, session)["subGroups"])


@bp.get("/admin/realms/<realm>/group-by-path/<path:path>")
def admin_group_by_path(realm: str, path: str):
    if (err := _admin_guard(realm)) is not None:
        return err
    session = db.session()
    group = session.scalar(select(DevGroup).where(DevGroup.path == "/" + path.strip("/")))
    if group is None:
        return jsonify({"error": "Group path does not exist"}), 404
    return jsonify(_group_json(group, session))


def token_response(body: dict):
    """A token endpoint's answer: never cached (RFC 6749, section 5.1)."""
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    if app.config["ENV"] == "production":
        raise RuntimeError("the development identity provider refuses to run in production")
    app.register_blueprint(bp)


def _register_login() -> None:
    from smartregion import devlogin

    devlogin.register(bp)


_register_login()
