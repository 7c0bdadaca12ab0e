"""What the census pages share: who may file, entering a tenant, the pages' own wording."""

from __future__ import annotations

from flask import abort
from smartregion import auth
from smartregion.errors import Forbidden, NotFound

FILERS = ("municipality", "utility")


def enter(slug: str):
    try:
        return auth.enter_tenant(slug)
    except NotFound:
        abort(404)



def may_file(user) -> bool:
    return bool(user.roles & set(FILERS)) and not user.read_only


def enter_for(slug: str, roles: tuple[str, ...]):
    try:
        return auth.enter_tenant(slug, write=True, roles=roles)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


