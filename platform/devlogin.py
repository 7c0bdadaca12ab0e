"""The development provider's browser login: authorization code with PKCE (S256), ID tokens, logout.

The pages log in through the same OpenID Connect client in development as in production, so the
callback, the nonce, the ID-token checks, the refresh and the logout are the code that runs against
Keycloak. Like the production realm, this provider requires PKCE with S256 and accepts only the
redirect URIs built from ``PUBLIC_URL``. Its authorization codes are short-lived signed tokens bound
to the client, the redirect URI, the nonce and the PKCE challenge (nothing is stored); being a
development provider, it does not keep a list of spent codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

import jwt
from flask import current_app, redirect, render_template, request
from flask_babel import force_locale
from smartregion import devauth, ratelimit
from smartregion.db import db

CODE_LIFETIME_SECONDS = 60
AUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
               "code_challenge_method", "ui_locales")


def redirect_uris() -> set[str]:
    public = current_app.config["PUBLIC_URL"].rstrip("/")
    return {f"{public}/login/callback"}


def post_logout_uris() -> set[str]:
    public = current_app.config["PUBLIC_URL"].rstrip("/")
    return {f"{public}/logged-out"}


def _language(values) -> str:
    wanted = (values.get("ui_locales") or "").split()
    return next((lang for lang in wanted if lang in current_app.config["LANGUAGES"]),
                current_app.config["BABEL_DEFAULT_LOCALE"])


def _request_problem(values) -> str | None:
    """Why the authorization request cannot be served (shown, never redirected), or None."""
    if values.get("client_id") != current_app.config["KEYCLOAK_CLIENT_ID"]:
        return "unknown client_id"
    if values.get("redirect_uri") not in redirect_uris():
        return "redirect_uri is not registered for this client"
    return None


def _redirect_error(values, error: str, description: str):
    query = {"error": error, "error_description": description, "iss": current_app.config_obj.issuer}
    if values.get("state"):
        query["state"] = values["state"]
    return redirect(f"{values['redirect_uri']}?{urlencode(query)}")


def authorize(realm: str):
    """GET shows the login form for an authorization request; POST checks the password and issues a code."""
    if (err := devauth.check_realm(realm)) is not None:
        return err
    values = request.form if request.method == "POST" else request.args
    lang = _language(values)
    if (problem := _request_problem(values)) is not None:
        return devauth.oauth_error("invalid_request", problem, 400)
    if values.get("response_type") != "code":
        return _redirect_error(values, "unsupported_response_type", "only the authorization code flow is enabled")
    if not values.get("code_challenge") or values.get("code_challenge_method") != "S256":
        return _redirect_error(values, "invalid_request", "PKCE with code_challenge_method S256 is required")
    if "openid" not in (values.get("scope") or "").split():
        return _redirect_error(values, "invalid_scope", "the openid scope is required")
    params = {name: values.get(name, "") for name in AUTH_PARAMS}
    error = None
    with force_locale(lang):
        if request.method == "POST":
            user = devauth.authenticate(db.session(), values.get("username", ""), values.get("password", ""))
            if user is not None:
                code = _code(user.username, params)
                query = {"code": code, "state": params["state"], "iss": current_app.config_obj.issuer}
                return redirect(f"{params['redirect_uri']}?{urlencode(query)}")
            error = True  # the template says it, in the person's language
        page = render_template("devidp/login.html", params=params, error=error, lang=lang,
                               switch={other: f"?{urlencode({**params, 'ui_locales': other})}"
                                       for other in current_app.config["LANGUAGES"]})
    return page, (401 if error else 200)


def _code(username: str, params: dict) -> str:
    now = int(time.time())
    key = devauth.signing_key()
    claims = {"typ": "Code", "sub": username, "iss": current_app.config_obj.issuer, "aud": params["client_id"],
              "redirect_uri": params["redirect_uri"], "nonce": params["nonce"], "jti": str(uuid.uuid4()),
              "code_challenge": params["code_challenge"], "iat": now, "exp": now + CODE_LIFETIME_SECONDS}
    return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def exchange_code(form):
    """The token endpoint's authorization_code grant: code, redirect URI and PKCE verifier checked."""
    client_id = form.get("client_id")
    try:
        claims = jwt.decode(form.get("code", ""), devauth.signing_key().private.public_key(), algorithms=["RS256"],
                            issuer=current_app.config_obj.issuer, audience=client_id or "-")
    except jwt.PyJWTError:
        return devauth.oauth_error("invalid_grant", "Code not valid", 400)
    if claims.get("typ") != "Code" or form.get("redirect_uri") != claims.get("redirect_uri"):
        return devauth.oauth_error("invalid_grant", "Incorrect redirect_uri", 400)
    verifier = form.get("code_verifier") or ""
    if not verifier or not hmac.compare_digest(_s256(verifier), claims.get("code_challenge", "")):
        return devauth.oauth_error("invalid_grant", "PKCE verification failed: Code mismatch", 400)
    user = db.session().get(devauth.DevUser, claims["sub"])
    if user is None or not user.enabled:
        return devauth.oauth_error("invalid_grant", "User disabled", 400)
    return devauth.token_response(devauth.issue_token(user, nonce=claims.get("nonce") or None, id_token=True))


def end_session(realm: str):
    """RP-initiated logout: the provider keeps no login session, so it only sends the browser back."""
    if (err := devauth.check_realm(realm)) is not None:
        return err
    target = request.args.get("post_logout_redirect_uri")
    if target in post_logout_uris():
        state = request.args.get("state")
        return redirect(f"{target}?{urlencode({'state': state})}" if state else target)
    lang = _language(request.args)
    with force_locale(lang):
        return render_template("devidp/logged_out.html", lang=lang, switch=None)


def register(bp) -> None:
    # The password is checked on the POST: that is what a guesser repeats.
    bp.add_url_rule("/realms/<realm>/protocol/openid-connect/auth", methods=["GET", "POST"],
                    view_func=ratelimit.login(authorize, methods=["POST"]))
    bp.add_url_rule("/realms/<realm>/protocol/openid-connect/logout", view_func=end_session)
