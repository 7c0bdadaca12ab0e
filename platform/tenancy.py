"""The current tenant, and the rules that keep one tenant's rows away from another's.

The tenant lives in a ContextVar. Reading it when none is set raises: the only way to see every
tenant's rows is the explicit, greppable ``regional_scope()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_tenant_id: ContextVar[int | None] = ContextVar("smartregion_tenant_id", default=None)
_regional: ContextVar[bool] = ContextVar("smartregion_regional_scope", default=False)


class NoTenantContext(RuntimeError):
    """A tenant-owned table was touched with no tenant selected and no regional scope."""


def current_tenant_id() -> int:
    """The tenant of this request or job; raises when there is none."""
    tenant_id = _tenant_id.get()
    if tenant_id is None:
        raise NoTenantContext("no tenant selected: use tenant_context() or regional_scope()")
    return tenant_id


def current_tenant_id_or_none() -> int | None:
    return _tenant_id.get()


def is_regional() -> bool:
    return _regional.get()


def reset() -> None:
    """Forget the tenant and the regional scope."""
    _tenant_id.set(None)
    _regional.set(False)


def enter_clean() -> tuple:
    """Start a request with no tenant and no regional scope; returns what ``leave`` restores."""
    return _tenant_id.set(None), _regional.set(False)


def leave(tokens: tuple) -> None:
    _tenant_id.reset(tokens[0])
    _regional.reset(tokens[1])


def set_tenant(tenant_id: int | None) -> None:
    """Select a tenant for the rest of this request (used by the auth layer)."""
    _tenant_id.set(tenant_id)
    _apply_to_open_session()


def set_regional(value: bool) -> None:
    """Widen this request to the whole region (secretariat and auditors only)."""
    _regional.set(value)
    _apply_to_open_session()


@contextmanager
def tenant_context(tenant_id: int) -> Iterator[None]:
    """Run a block as one tenant."""
    token = _tenant_id.set(tenant_id)
    regional = _regional.set(False)
    _apply_to_open_session()
    try:
        yield
    finally:
        _tenant_id.reset(token)
        _regional.reset(regional)
        _apply_to_open_session()


@contextmanager
def regional_scope() -> Iterator[None]:
    """Run a block across every tenant: secretariat, auditors and system jobs."""
    token = _regional.set(True)
    _apply_to_open_session()
    try:
        yield
    finally:
        _regional.reset(token)
        _apply_to_open_session()


def _apply_to_open_session() -> None:
    # A transaction already open keeps the settings of its start; refresh them so that row-level
    # security follows the scope just entered.
    from smartregion.db import refresh_scope_of_open_session

    refresh_scope_of_open_session()
