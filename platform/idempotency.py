"""Idempotency-Key for uploads: a retried request gets the first answer back instead of a second import.

A client that sends ``Idempotency-Key: <key>`` with an upload and, not knowing whether it arrived,
sends it again with the same key, gets the stored answer of the first request (with the header
``Idempotent-Replayed: true``). The key belongs to the user who sent it; reusing it for a different
request (another path or another file) is refused with 422. The answer is stored in the same
transaction as the work it answers, so either both exist or neither does.
"""

from __future__ import annotations

import hashlib
import json
import re

from flask import Response, request
from smartregion import auth
from smartregion.db import Base, CreatedAt
from smartregion.errors import BadRequest, Unprocessable
from sqlalchemy import BigInteger, Identity, Integer, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


class IdempotencyKey(CreatedAt, Base):
    """The first answer to a request sent with an Idempotency-Key, by user and key."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(400))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSONB)


def request_key() -> str | None:
    """The request's Idempotency-Key, checked (400 when malformed), or None without one."""
    value = request.headers.get(HEADER)
    if value is None:
        return None
    if not _KEY.match(value):
        raise BadRequest(f"{HEADER} must be 1 to 200 visible ASCII characters.",
                         errors={HEADER: ["1 to 200 visible ASCII characters, for example a UUID"]})
    return value


def fingerprint(*parts: object) -> str:
    """A digest of what makes two requests the same (for an upload: its fields and the file's SHA-256)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def replay(session: Session, key: str | None, digest: str) -> Response | None:
    """The stored answer when this key was already used for this same request; 422 for another request."""
    if key is None:
        return None
    owner = auth.require_user().username
    stored = session.scalar(select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key))
    if stored is None:
        return None
    if (stored.method, stored.path, stored.fingerprint) != (request.method, request.path, digest):
        raise Unprocessable(f"{HEADER} {key!r} was already used for a different request "
                            f"({stored.method} {stored.path} at {stored.created_at:%Y-%m-%d %H:%M}): "
                            "use a new key for a new request.", errors={HEADER: ["already used for another request"]})
    return Response(json.dumps(stored.body), stored.status, mimetype="application/json", headers={REPLAYED: "true"})


def remember(session: Session, key: str | None, digest: str, body: dict, status: int) -> None:
    """Store the answer in the request's transaction (a concurrent twin fails on the unique key: 409)."""
    if key is None:
        return
    session.add(IdempotencyKey(owner=auth.require_user().username, key=key, method=request.method,
                               path=request.path[:400], fingerprint=digest, status=status, body=body))
    session.flush()

