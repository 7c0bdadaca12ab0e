"""Bearer tokens: RS256 against the issuer's JWKS; everything else is a 401 with invalid_token."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa


def _claims(app, **overrides):
    now = int(time.time())
    claims = {"iss": app.config_obj.issuer, "sub": "u-1", "azp": "smartregion", "iat": now, "nbf": now,
              "exp": now + 300, "preferred_username": "segreteria", "realm_access": {"roles": ["secretariat"]},
              "groups": [], "typ": "Bearer", "aud": ["smartregion", "account"]}
    claims.update(overrides)
    return claims


def _signed(app, **overrides):
    from smartregion import devauth

    key = devauth.signing_key(app)
    return jwt.encode(_claims(app, **overrides), key.private, algorithm="RS256", headers={"kid": key.kid})


def _get(client, token):
    return client.get("/api/v1/tenants", headers={"Authorization": f"Bearer {token}"})


def test_a_real_token_from_the_development_provider_is_accepted(client, token_for):
    response = _get(client, token_for("segreteria"))
    assert response.status_code == 200


def test_wrong_password_gets_no_token(live_server, demo):
    import requests

    response = requests.post(f"{live_server}/realms/smartregion/protocol/openid-connect/token",
                             data={"grant_type": "password", "client_id": "smartregion", "username": "segreteria",
                                   "password": "wrong"}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("case", ["expired", "not-yet-valid", "wrong-issuer", "wrong-client", "tampered",
                                  "foreign-key", "alg-none", "hs256", "garbage", "id-token", "refresh-type",
                                  "no-type", "wrong-audience", "service-account"])
def test_bad_tokens_are_refused_with_401_invalid_token(app, client, demo, case):
    if case == "expired":
        token = _signed(app, exp=int(time.time()) - 120, iat=int(time.time()) - 600)
    elif case == "not-yet-valid":
        token = _signed(app, nbf=int(time.time()) + 600)
    elif case == "wrong-issuer":
        token = _signed(app, iss="http://evil.example/realms/smartregion")
    elif case == "wrong-client":
        token = _signed(app, azp="another-client")
    elif case == "id-token":
        token = _signed(app, typ="ID")
    elif case == "refresh-type":
        token = _signed(app, typ="Refresh")
    elif case == "no-type":
        token = _signed(app, typ=None)
    elif case == "wrong-audience":
        token = _signed(app, aud=["account", "another-api"])
    elif case == "service-account":
        token = _signed(app, preferred_username="service-account-smartregion")
    elif case == "tampered":
        header, payload, signature = _signed(app).split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["realm_access"]["roles"] = ["secretariat", "auditor"]
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        token = f"{header}.{forged}.{signature}"
    elif case == "foreign-key":
        from smartregion import devauth

        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(_claims(app), other, algorithm="RS256", headers={"kid": devauth.signing_key(app).kid})
    elif case == "alg-none":
        header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
        payload = base64.urlsafe_b64encode(json.dumps(_claims(app)).encode()).rstrip(b"=").decode()
        token = f"{header}.{payload}."
    elif case == "hs256":
        import hashlib
        import hmac

        from cryptography.hazmat.primitives import serialization
        from smartregion import devauth

        # The classic confusion attack: the public key used as an HMAC secret.
        key = devauth.signing_key(app)
        secret = key.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
        header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": key.kid}).encode()).rstrip(b"=")
        payload = base64.urlsafe_b64encode(json.dumps(_claims(app)).encode()).rstrip(b"=")
        mac = hmac.new(secret, header + b"." + payload, hashlib.sha256).digest()
        token = (header + b"." + payload + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()
    else:
        token = "not-a-token"
    response = _get(client, token)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_a_good_hand_made_token_passes_so_each_refusal_above_is_about_its_one_claim(app, client, demo):
    assert _get(client, _signed(app)).status_code == 200


def test_tokens_the_provider_issues_for_other_uses_are_refused(live_server, client, demo):
    import requests

    token_url = f"{live_server}/realms/smartregion/protocol/openid-connect/token"
    answer = requests.post(token_url, data={"grant_type": "password", "client_id": "smartregion",
                                            "username": "segreteria", "password": "segreteria"}, timeout=10).json()
    assert _get(client, answer["access_token"]).status_code == 200
    refreshed = _get(client, answer["refresh_token"])  # a refresh token is not an access token
    assert refreshed.status_code == 401 and "invalid_token" in refreshed.headers["WWW-Authenticate"]
    robot = requests.post(token_url, data={"grant_type": "client_credentials", "client_id": "smartregion-admin",
                                           "client_secret": "development-admin-secret"}, timeout=10).json()
    as_person = _get(client, robot["access_token"])  # the provisioning client is no person
    assert as_person.status_code == 401
    # ...while the provider's admin stand-in accepts it, and refuses a person's token.
    groups = f"{live_server}/admin/realms/smartregion/groups"
    assert requests.get(groups, headers={"Authorization": f"Bearer {robot['access_token']}"}, timeout=10).ok
    person = requests.get(groups, headers={"Authorization": f"Bearer {answer['access_token']}"}, timeout=10)
    assert person.status_code == 401


def test_no_token_is_401_with_a_bearer_challenge(client, demo):
    response = client.get("/api/v1/tenants")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_kid_triggers_one_refresh_of_the_key_set(app):
    from smartregion.auth import KeySet

    calls = []

    def fetch():
        calls.append(1)
        return {"keys": []}

    keys = KeySet(fetch, ttl=300)
    keys.MIN_REFRESH_INTERVAL = 0
    assert keys.get("a") is None
    assert keys.get("b") is None
    assert len(calls) == 2  # refreshed on each unknown kid, not on every call for known ones


def test_python_keycloak_verifies_against_the_development_provider(live_server, token_for):
    """The production client library reads the development provider's discovery and JWKS."""
    from keycloak import KeycloakOpenID

    client = KeycloakOpenID(server_url=f"{live_server}/", realm_name="smartregion", client_id="smartregion")
    assert client.well_known()["issuer"] == f"{live_server}/realms/smartregion"
    token = client.token("firenze-comune", "firenze-comune")
    claims = client.decode_token(token["access_token"], validate=True)
    assert claims["preferred_username"] == "firenze-comune"
    assert claims["groups"] == ["/tenants/firenze"]
    assert claims["realm_access"]["roles"] == ["municipality"]
