"""The pages' OpenID Connect login, with Authlib: authorization code, PKCE (S256), state and nonce.

The same client talks to Keycloak in production and to the development provider otherwise (both
publish a discovery document under the issuer). The ID token is checked (signature, issuer, audience,
expiry, nonce, ``at_hash``) by Authlib; the access token by ``auth.verify_token``, as for the API.
Tokens stay in the server-side session: the access token is refreshed when less than
``TOKEN_REFRESH_MARGIN_SECONDS`` of it is left, and logging out ends the session here and at the
provider (RP-initiated logout).
"""

from __future__ import annotations

import logging
import secrets
import time

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, session
from smartregion import auth
from smartregion.errors import BadRequest, ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)

CLIENT_NAME = "idp"
STATE_PREFIX = f"_state_{CLIENT_NAME}_"


def init_app(app: Flask) -> None:
    config = app.config
    secret = config.get("KEYCLOAK_CLIENT_SECRET") or None
    oauth = OAuth()
    oauth.init_app(app)
    oauth.register(
        CLIENT_NAME,
        client_id=config["KEYCLOAK_CLIENT_ID"],
        client_secret=secret,
        server_metadata_url=f"{app.config_obj.issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile email",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_post" if secret else "none",
            "default_timeout": 10,
        },
    )
    app.extensions["smartregion.oidc"] = oauth


def client():
    return current_app.extensions["smartregion.oidc"].create_client(CLIENT_NAME)


def _public(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def redirect_uri() -> str:
    """Exact, from configuration: the realm registers this URI and no other."""
    return _public("/login/callback")


def post_logout_redirect_uri() -> str:
    return _public("/logged-out")


def _provider_call(action, what: str):
    try:
        return action()
    except requests.RequestException as exc:
        log.warning("identity provider unreachable during %s: %s", what, exc)
        raise ServiceUnavailable("The identity provider cannot be reached; try again in a moment.") from exc


def start_login(next_url: str, lang: str):
    """Redirect to the provider's login, remembering where to go back to."""
    # Older attempts left in the session (tabs closed half-way) are dropped; only the newest counts.
    for key in [key for key in session if key.startswith(STATE_PREFIX)]:
        session.pop(key)
    session["login_next"] = next_url
    return _provider_call(lambda: client().authorize_redirect(redirect_uri(), ui_locales=lang), "login")


def finish_login() -> str:
    """Check the provider's answer, store the tokens in a new session id, and return where to go."""
    try:
        token = _provider_call(lambda: client().authorize_access_token(), "login")
    except OAuthError as exc:
        log.info("login refused: %s %s", exc.error, exc.description)
        raise BadRequest("The login did not complete (it expired or was refused): try again.") from exc
    except Exception as exc:
        if isinstance(exc, ServiceUnavailable):
            raise
        # joserfc's and Authlib's claim errors: a bad signature, issuer, audience, nonce or at_hash.
        log.warning("ID token refused at login: %s", exc)
        raise Unauthorized("The identity provider's answer could not be verified.", error=None) from exc
    claims = auth.verify_token(token["access_token"])
    user = auth.User.from_claims(claims)
    keep = {"lang": session.get("lang"), "next": session.get("login_next")}
    session.clear()
    session.rotate()  # the id seen before login is never the logged-in one
    session["tokens"] = _tokens(token)
    session["user"] = {"username": user.username, "subject": user.subject}
    session["tenant"] = user.tenant_slugs[0] if user.tenant_slugs else None
    session["csrf"] = secrets.token_urlsafe(24)
    if keep["lang"]:
        session["lang"] = keep["lang"]
    log.info("page login of %s", user.username)
    return keep["next"] or "/"


def _tokens(token: dict, previous: dict | None = None) -> dict:
    now = time.time()
    previous = previous or {}
    expires_at = token.get("expires_at") or now + int(token.get("expires_in") or 300)
    return {
        "access_token": token["access_token"],
        # A provider may keep the refresh token (no rotation) or the ID token on refresh.
        "refresh_token": token.get("refresh_token") or previous.get("refresh_token"),
        "id_token": token.get("id_token") or previous.get("id_token"),
        "expires_at": int(expires_at),
    }


def end_login() -> None:
    """Forget the login but keep the language: a new, anonymous session id."""
    lang = session.get("lang")
    session.clear()
    session.rotate()
    if lang:
        session["lang"] = lang


def _refresh(tokens: dict) -> dict | None:
    """New tokens for the session, or None when the provider says the login is over."""
    if not tokens.get("refresh_token"):
        return None
    try:
        answer = client().fetch_access_token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    except OAuthError as exc:
        log.info("refresh refused (%s): the page session ends", exc.error)
        return None
    except requests.RequestException as exc:
        # The provider is away: keep working with the current token while it lasts.
        log.warning("token refresh failed, provider unreachable: %s", exc)
        return tokens if tokens["expires_at"] > time.time() else None
    return _tokens(answer, previous=tokens)


def session_user() -> auth.User | None:
    """The person of the page session, refreshing the access token before it expires."""
    tokens = session.get("tokens")
    if not tokens:
        return None
    if tokens["expires_at"] - time.time() < current_app.config["TOKEN_REFRESH_MARGIN_SECONDS"]:
        refreshed = _refresh(tokens)
        if refreshed is None:
            end_login()
            return None
        if refreshed is not tokens:
            session["tokens"] = refreshed
        tokens = refreshed
    try:
        claims = auth.verify_token(tokens["access_token"])
    except Unauthorized:
        end_login()
        return None
    if claims.get("sub") != (session.get("user") or {}).get("subject"):
        end_login()  # a refresh must never turn the session into someone else's
        return None
    return auth.User.from_claims(claims)


def logout_response(lang: str | None):
    """End the session here, then at the provider (RP-initiated logout), back to the logged-out page."""
    id_token = (session.get("tokens") or {}).get("id_token")
    end_login()
    params = {"client_id": current_app.config["KEYCLOAK_CLIENT_ID"]}
    if lang:
        params["ui_locales"] = lang
    return _provider_call(lambda: client().logout_redirect(post_logout_redirect_uri=post_logout_redirect_uri(),
                                                           id_token_hint=id_token, **params), "logout")


def clear_logout_state() -> None:
    for key in [key for key in session if key.startswith(STATE_PREFIX)]:
        session.pop(key)
