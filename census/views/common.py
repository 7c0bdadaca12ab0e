"""What the census pages share: who may file, entering a tenant, the pages' own wording."""

from __future__ import annotations

from flask import abort
from smartregion import auth
from smartregion.errors import Forbidden, NotFound
from smartregion.web import page_language

FILERS = ("municipality", "utility")


def _enter(slug: str):
    try:
        return auth.enter_tenant(slug)
    except NotFound:
        abort(404)


def _actor(user) -> str:
    return user.username


def _may_file(user) -> bool:
    return bool(user.roles & set(FILERS)) and not user.read_only


def _enter_for(slug: str, roles: tuple[str, ...]):
    try:
        return auth.enter_tenant(slug, write=True, roles=roles)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


def _tr(it: str, en: str) -> str:
    """A message of these pages in the page's language (the census pages carry their own wording)."""
    return en if page_language() == "en" else it

