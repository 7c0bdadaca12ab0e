"""The shipped Keycloak realm export gives the same users, roles and groups as the demo seed."""

import json
from pathlib import Path

from tenants.seed import MUNICIPALITIES, USERS

REALM = Path(__file__).resolve().parents[2] / "platform" / "keycloak" / "realm.json"


def test_realm_export_matches_the_demo_users():
    realm = json.loads(REALM.read_text())
    assert realm["realm"] == "smartregion"
    assert {role["name"] for role in realm["roles"]["realm"]} == {"secretariat", "municipality", "utility", "auditor"}
    exported = {u["username"]: (u["realmRoles"], u["groups"]) for u in realm["users"] if "realmRoles" in u}
    assert exported == {username: (roles, groups) for username, _, roles, groups in USERS}
    tenant_groups = {g["path"] for g in realm["groups"][0]["subGroups"]}
    assert tenant_groups == {f"/tenants/{slug}" for slug, *_ in MUNICIPALITIES}
    client = next(c for c in realm["clients"] if c["clientId"] == "smartregion")
    mapper = next(m for m in client["protocolMappers"] if m["name"] == "groups")
    assert mapper["config"]["full.path"] == "true"  # the API reads /tenants/<slug> from the token
