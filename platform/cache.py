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

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session


def data_version(session: Session) -> str:
    """A value that changes with every audited write in the region (read in the regional scope): the
    digest of every chain's last hash, which covers the time of its event, so it never comes back."""
    from smartregion.audit import AuditHead

    return session.scalar(select(func.md5(func.coalesce(
        func.string_agg(AuditHead.last_hash, aggregate_order_by(literal(""), AuditHead.tenant_id)), ""))))


def tenant_data_version(session: Session, tenant_id: int) -> str | None:
    """A value that changes with every audited write of one tenant: its chain's last hash."""
    from smartregion.audit import AuditHead

    return session.scalar(select(AuditHead.last_hash).where(AuditHead.tenant_id == tenant_id))


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
