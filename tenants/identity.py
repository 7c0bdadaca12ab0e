"""Tenant groups in the identity provider, through Keycloak's admin API (python-keycloak).

In development the same calls reach the development identity provider's admin stand-in.
"""

from __future__ import annotations

from flask import Flask
from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakGetError
from smartregion.devauth import ADMIN_CLIENT_ID

PARENT = "tenants"


def admin_client(app: Flask) -> KeycloakAdmin:
    config = app.config
    if config.get("KEYCLOAK_URL"):
        if config.get("KEYCLOAK_ADMIN_USER"):
            connection = KeycloakOpenIDConnection(
                server_url=config["KEYCLOAK_URL"].rstrip("/") + "/", username=config["KEYCLOAK_ADMIN_USER"],
                password=config["KEYCLOAK_ADMIN_PASSWORD"], realm_name=config["KEYCLOAK_REALM"],
                user_realm_name="master", client_id="admin-cli", verify=True)
        else:
            connection = KeycloakOpenIDConnection(
                server_url=config["KEYCLOAK_URL"].rstrip("/") + "/", realm_name=config["KEYCLOAK_REALM"],
                client_id=config.get("KEYCLOAK_ADMIN_CLIENT_ID", ADMIN_CLIENT_ID),
                client_secret_key=config["KEYCLOAK_ADMIN_CLIENT_SECRET"], verify=True)
    else:
        connection = KeycloakOpenIDConnection(
            server_url=config["PUBLIC_URL"].rstrip("/") + "/", realm_name=config["KEYCLOAK_REALM"],
            client_id=ADMIN_CLIENT_ID, client_secret_key=config["DEV_IDP_ADMIN_SECRET"])
    return KeycloakAdmin(connection=connection)


def _group_by_path(admin: KeycloakAdmin, path: str) -> dict | None:
    try:
        return admin.get_group_by_path(path)
    except KeycloakGetError as exc:
        if exc.response_code == 404:
            return None
        raise


def ensure_tenant_group(app: Flask, slug: str) -> dict:
    """Make sure ``/tenants/<slug>`` exists; safe to run any number of times."""
    admin = admin_client(app)
    parent = _group_by_path(admin, f"/{PARENT}")
    if parent is None:
        admin.create_group({"name": PARENT}, skip_exists=True)
        parent = _group_by_path(admin, f"/{PARENT}")
    path = f"/{PARENT}/{slug}"
    existing = _group_by_path(admin, path)
    if existing is not None:
        return {"path": path, "group_id": existing["id"], "created": False}
    admin.create_group({"name": slug}, parent=parent["id"], skip_exists=True)
    group = _group_by_path(admin, path)
    return {"path": path, "group_id": group["id"], "created": True}
