"""The shipped Keycloak realm exports, and the production one rendered with this installation's values.

``keycloak/realm.json`` is the production realm: no people (they come from SPID, CIE or the region's
directory), no password grant, brute-force detection, PKCE S256, and redirect URIs written as
Keycloak placeholders (``${SMARTREGION_PUBLIC_URL}``) that ``kc.sh import`` resolves from the
environment. ``render`` resolves them from the platform's configuration instead, for an import
through the admin console. ``keycloak/realm-development.json`` has the demo users.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

KEYCLOAK_DIR = Path(__file__).resolve().parent / "keycloak"
PRODUCTION = KEYCLOAK_DIR / "realm.json"
DEVELOPMENT = KEYCLOAK_DIR / "realm-development.json"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def load(development: bool = False) -> dict:
    return json.loads((DEVELOPMENT if development else PRODUCTION).read_text(encoding="utf-8"))


def placeholders(realm: dict) -> set[str]:
    """The environment variables the realm needs at import."""
    return set(PLACEHOLDER.findall(json.dumps(realm)))


def render(values: dict[str, str], development: bool = False) -> dict:
    """The realm with its placeholders replaced; a missing value is an error naming it.

    An identity provider (SPID, CIE) whose addresses are not given is left out, with its mappers: a
    region adds it once its federation agreement is in place.
    """
    realm = load(development)
    for provider in list(realm.get("identityProviders", [])):
        if any(not values.get(name) for name in placeholders(provider)):
            realm["identityProviders"].remove(provider)
            realm["identityProviderMappers"] = [mapper for mapper in realm.get("identityProviderMappers", [])
                                                if mapper["identityProviderAlias"] != provider["alias"]]
    text = json.dumps(realm)
    missing = sorted(name for name in set(PLACEHOLDER.findall(text)) if not values.get(name))
    if missing:
        raise KeyError(f"values needed for the realm: {', '.join(missing)}")
    return json.loads(PLACEHOLDER.sub(lambda match: json.dumps(values[match.group(1)])[1:-1], text))


def values_from(config) -> dict[str, str]:
    """The realm's placeholders taken from the platform's configuration (identity-provider addresses
    are the region's own and come from the environment)."""
    import os

    values = {name: value for name, value in os.environ.items() if PLACEHOLDER.fullmatch("${" + name + "}")}
    values["SMARTREGION_PUBLIC_URL"] = config.PUBLIC_URL.rstrip("/")
    if config.KEYCLOAK_ADMIN_CLIENT_SECRET:
        values["SMARTREGION_ADMIN_CLIENT_SECRET"] = config.KEYCLOAK_ADMIN_CLIENT_SECRET
    return values
