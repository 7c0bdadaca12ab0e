"""Results kept in the process while the region's data has not changed.

Every write is audited in its own transaction, so the audit heads say when anything changed: a value
computed under one ``data_version`` stays right until the version moves. Reading the version costs one
small query (one row per chain); a costly regional view (the protocol's timeline over every tenant) is
then computed once per change instead of once per request. Each process keeps its own few entries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app
from sqlalchemy.orm import Session

# Sent as they are, on the session's connection (so in its transaction and scope): the version is read
# on every cached request, and building an ORM statement for it would cost more than the query.
_REGION_VERSION = "SELECT md5(coalesce(string_agg(last_hash, '' ORDER BY tenant_id), '')) FROM audit_heads"
_TENANT_VERSION = "SELECT last_hash FROM audit_heads WHERE tenant_id = %(tenant_id)s"
_TENANT_AND_REGION_VERSION = ("SELECT string_agg(last_hash, ',' ORDER BY tenant_id) FROM audit_heads "
                              "WHERE tenant_id IN (0, %(tenant_id)s)")


def data_version(session: Session) -> str:
    """A value that changes with every audited write in the region (read in the regional scope): the
    digest of every chain's last hash, which covers the time of its event, so it never comes back."""
    return session.connection().exec_driver_sql(_REGION_VERSION).scalar()


def tenant_and_region_version(session: Session, tenant_id: int) -> str | None:
    """A value that changes with every audited write of one tenant or of the region's own chain (the
    regional tables: standards, broadband records...), read from any scope; hashes only, never data."""
    from smartregion import tenancy

    with tenancy.regional_scope():
        return session.connection().exec_driver_sql(_TENANT_AND_REGION_VERSION, {"tenant_id": int(tenant_id)}).scalar()


def tenant_data_version(session: Session, tenant_id: int) -> str | None:
    """A value that changes with every audited write of one tenant: its chain's last hash."""
    return session.connection().exec_driver_sql(_TENANT_VERSION, {"tenant_id": int(tenant_id)}).scalar()


class VersionedCache:
    """The last few results by key, each valid for the data version it was computed under."""

    def __init__(self, size: int = 16):
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get_or_build(self, key: Hashable, version: Hashable, build: Callable[[], Any]) -> Any:
        """The value kept for ``key`` if it was built under ``version``; built (and kept) otherwise.

        No version (a tenant without any audited write yet) means nothing to tell changes by: built each time.
        """
        if version is None:
            return build()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == version:
                self._entries.move_to_end(key)
                return entry[1]
            building = self._building.setdefault(key, threading.Lock())
        # One thread builds while the others asking for the same key wait for its result.
        with building:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry[0] == version:
                    return entry[1]
            value = build()
            self._keep(key, version, value)
        return value

    def _keep(self, key: Hashable, version: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                dropped, _ = self._entries.popitem(last=False)
                self._building.pop(dropped, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Serialised API answers of reads, by what the caller asked and may see (see ``json_response``).
_RESPONSES = VersionedCache(size=512)


def region_version(session: Session) -> str:
    """``data_version`` from any scope: the caller's own scope is back for the transaction's next statement.

    It reads only the chains' heads (hashes), never a row of data."""
    from smartregion import tenancy

    with tenancy.regional_scope():
        return data_version(session)


def json_response(key: Hashable, version: Hashable, build: Callable[[], Any], *, schema=None,
                  pagination_parameters=None, headers_of: Callable[[Any], dict] | None = None) -> Response:
    """The JSON answer of a read, serialised once per data version instead of once per request.

    ``build`` returns what the endpoint answers (dumped with ``schema`` when given); its JSON is kept
    under ``key`` while ``version`` holds. The key must name everything the answer depends on besides
    the data: the endpoint, the tenant (or the caller's visible tenants) and the query's arguments, so
    that no answer is ever served to someone who could not read it. A paginated read keeps its page's
    metadata too; ``headers_of`` gives headers of the built value (an ETag) kept with it.
    """

    def serialise():
        value = build()
        headers = headers_of(value) if headers_of is not None else None
        data = schema.dump(value) if schema is not None else value
        body = (current_app.json.dumps(data) + "\n").encode()
        if pagination_parameters is None:
            return body, headers, None, None
        return body, headers, pagination_parameters.item_count, getattr(pagination_parameters, "has_next", None)

    body, headers, item_count, has_next = _RESPONSES.get_or_build(key, version, serialise)
    if pagination_parameters is not None:
        pagination_parameters.item_count, pagination_parameters.has_next = item_count, has_next
    return Response(body, mimetype="application/json", headers=headers)


def clear_responses() -> None:
    _RESPONSES.clear()
