"""The shipped Keycloak realms: production has no people, no password grant, brute-force detection, PKCE
S256 and exact redirect URIs from configuration, plus SPID and CIE brokering; development has the demo
users of the seed."""

import json

import pytest
from smartregion import realm
from smartregion.config import Config

from tenants.seed import MUNICIPALITIES, USERS


def _client(export: dict, client_id: str = "smartregion") -> dict:
    return next(c for c in export["clients"] if c["clientId"] == client_id)


def test_the_production_realm_has_no_people_and_no_password_grant():
    export = realm.load()
    assert export["realm"] == "smartregion"
    # The only user is the provisioning client's service account, without credentials.
    assert [u["username"] for u in export["users"]] == ["service-account-smartregion-admin"]
    assert all("credentials" not in u and u.get("serviceAccountClientId") for u in export["users"])
    client = _client(export)
    assert client["publicClient"] and client["standardFlowEnabled"]
    assert not client["directAccessGrantsEnabled"] and not client["implicitFlowEnabled"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert export["bruteForceProtected"] is True and export["failureFactor"] <= 10
    assert export["sslRequired"] == "all"
    text = json.dumps(export)
    assert "change-me" not in text and "*" not in json.dumps(client["redirectUris"])
    assert _client(export, "smartregion-admin")["secret"] == "${SMARTREGION_ADMIN_CLIENT_SECRET}"


def test_the_production_realm_puts_roles_groups_and_the_audience_in_the_token():
    mappers = {m["name"]: m for m in _client(realm.load())["protocolMappers"]}
    assert mappers["groups"]["config"]["full.path"] == "true"  # the API reads /tenants/<slug>
    assert mappers["realm roles"]["config"]["claim.name"] == "realm_access.roles"
    assert mappers["audience smartregion"]["config"]["included.client.audience"] == "smartregion"
    assert mappers["fiscal number"]["config"]["user.attribute"] == "fiscalNumber"


def test_spid_and_cie_are_brokered_with_the_fiscal_number_kept_as_a_user_attribute():
    export = realm.load()
    providers = {p["alias"]: p for p in export["identityProviders"]}
    assert set(providers) == {"spid", "cie"}
    for alias, provider in providers.items():
        assert provider["providerId"] == "saml" and provider["enabled"] is False  # on once registered
        assert provider["config"]["principalAttribute"] == "fiscalNumber"
        assert provider["config"]["wantAuthnRequestsSigned"] == "true"
        fiscal = [m for m in export["identityProviderMappers"]
                  if m["identityProviderAlias"] == alias and m["config"]["user.attribute"] == "fiscalNumber"]
        assert len(fiscal) == 1 and fiscal[0]["config"]["attribute.name"] == "fiscalNumber"


def test_rendered_with_the_configuration_the_redirect_uris_are_exactly_the_platforms():
    config = Config(PUBLIC_URL="https://smartregion.regione.toscana.example",
                    KEYCLOAK_ADMIN_CLIENT_SECRET="s3cret-from-vault")
    rendered = realm.render(realm.values_from(config))
    client = _client(rendered)
    assert client["redirectUris"] == ["https://smartregion.regione.toscana.example/login/callback"]
    assert client["attributes"]["post.logout.redirect.uris"] == "https://smartregion.regione.toscana.example/logged-out"
    assert _client(rendered, "smartregion-admin")["secret"] == "s3cret-from-vault"
    assert rendered["identityProviders"] == []  # SPID and CIE need the region's addresses first
    assert "${" not in json.dumps(rendered)

    with_spid = realm.render({**realm.values_from(config), "SPID_IDP_ENTITY_ID": "https://idp.example/spid",
                              "SPID_IDP_SSO_URL": "https://idp.example/spid/sso",
                              "SPID_IDP_METADATA_URL": "https://idp.example/spid/metadata"})
    assert [p["alias"] for p in with_spid["identityProviders"]] == ["spid"]
    with pytest.raises(KeyError, match="SMARTREGION_ADMIN_CLIENT_SECRET"):
        realm.render({"SMARTREGION_PUBLIC_URL": "https://x.example"})


def test_the_development_realm_matches_the_demo_users():
    export = realm.load(development=True)
    assert {role["name"] for role in export["roles"]["realm"]} == {"secretariat", "municipality", "utility", "auditor"}
    exported = {u["username"]: (u["realmRoles"], u["groups"]) for u in export["users"] if "realmRoles" in u}
    assert exported == {username: (roles, groups) for username, _, roles, groups in USERS}
    tenant_groups = {g["path"] for g in export["groups"][0]["subGroups"]}
    assert tenant_groups == {f"/tenants/{slug}" for slug, *_ in MUNICIPALITIES}
    client = _client(export)
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert client["redirectUris"] == ["http://127.0.0.1:8000/login/callback", "http://localhost:8000/login/callback"]
