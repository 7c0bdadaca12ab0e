"""Page sessions kept in PostgreSQL; the cookie carries only a random id.

A session row holds the person's tokens and page state (language, tenant, CSRF token). Logging out
deletes the row, so a copied cookie stops working at once; rows expire after an idle period and after
an absolute lifetime. The table is regional (sessions belong to people, not tenants) and keyed by the
SHA-256 of the cookie's id, so a reader of the table cannot replay a session. PostgreSQL rather than
Redis keeps the pages working while Redis is down.
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from smartregion.db import Base
from sqlalchemy import String, delete, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import CallbackDict

log = logging.getLogger(__name__)

# Paths that never read or write the page session: files, the identity provider's own endpoints and the
# open-data endpoints (catalogue, OGC API, files): harvesters and GIS clients get no cookie.
SESSIONLESS_PATHS = ("/static/", "/realms/", "/admin/realms/", "/healthz", "/catalog", "/ogcapi", "/open-data/")
# A session that holds no login yet (a language choice, a login in progress) lives an hour.
ANONYMOUS_SECONDS = 3600
# A session's expiry is pushed forward at most this often, not on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


class WebSession(Base):
    """A page session (sessione web): its data and when it ends."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(JSONB, default=dict)
    username: Mapped[str | None] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


class ServerSession(CallbackDict, SessionMixin):
    """The session of one request; ``rotate()`` gives it a new id (at login and logout); emptied, it is
    deleted with its cookie."""

    def __init__(self, initial=None, *, session_id: str | None = None, created_at: datetime | None = None,
                 expires_at: datetime | None = None, transient: bool = False):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.session_id = session_id
        self.created_at = created_at
        self.expires_at = expires_at
        self.transient = transient
        self.modified = False
        self.rotated_from: str | None = None

    @property
    def new(self) -> bool:
        return self.session_id is None

    def rotate(self) -> None:
        """A new id for the same data: a session id seen before login is never the logged-in one."""
        if self.session_id is not None and self.rotated_from is None:
            self.rotated_from = self.session_id
        self.session_id = None
        self.created_at = None
        self.modified = True


class PostgresSessionInterface(SessionInterface):
    """Flask's session stored as a row of ``web_sessions``."""

    def _engine(self, app: Flask):
        return app.extensions["smartregion.db"].engine

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if request.path.startswith(SESSIONLESS_PATHS):
            return ServerSession(transient=True)
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or len(cookie) > 100:
            return ServerSession()
        with self._engine(app).connect() as conn:
            row = conn.execute(
                select(WebSession.data, WebSession.created_at, WebSession.expires_at, WebSession.last_seen_at)
                .where(WebSession.id_hash == _hash(cookie), WebSession.expires_at > _now())
            ).first()
        if row is None:
            return ServerSession()
        session = ServerSession(row.data, session_id=cookie, created_at=row.created_at, expires_at=row.expires_at)
        session.last_seen_at = row.last_seen_at
        return session

    def _expiry(self, app: Flask, session: ServerSession, now: datetime) -> datetime:
        config = app.config
        if "user" not in session:
            return now + timedelta(seconds=min(ANONYMOUS_SECONDS, config["SESSION_IDLE_SECONDS"]))
        idle = now + timedelta(seconds=config["SESSION_IDLE_SECONDS"])
        absolute = (session.created_at or now) + timedelta(seconds=config["SESSION_MAX_SECONDS"])
        return min(idle, absolute)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.transient:
            return
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        engine = self._engine(app)
        # The id a rotated session had is deleted with it: the old cookie must stop working at once.
        stale = [session.rotated_from] if session.rotated_from else []
        if session.modified and not session:
            if session.session_id:
                stale.append(session.session_id)
            if stale:
                with engine.begin() as conn:
                    conn.execute(delete(WebSession).where(WebSession.id_hash.in_([_hash(i) for i in stale])))
            response.delete_cookie(name, domain=domain, path=path, secure=self.get_cookie_secure(app),
                                   samesite=self.get_cookie_samesite(app), httponly=True)
            return
        now = _now()
        if not session.modified:
            # Unchanged: push the idle expiry forward, at most once a minute.
            if session.session_id and now - getattr(session, "last_seen_at", now) > TOUCH_INTERVAL:
                with engine.begin() as conn:
                    conn.execute(update(WebSession).where(WebSession.id_hash == _hash(session.session_id))
                                 .values(last_seen_at=now, expires_at=self._expiry(app, session, now)))
            return
        created = session.session_id is None
        if created:
            session.session_id = secrets.token_urlsafe(32)
            session.created_at = now
        expires = self._expiry(app, session, now)
        username = (session.get("user") or {}).get("username")
        with engine.begin() as conn:
            if stale:
                conn.execute(delete(WebSession).where(WebSession.id_hash.in_([_hash(i) for i in stale])))
            statement = insert(WebSession).values(
                id_hash=_hash(session.session_id), data=dict(session), username=username,
                created_at=session.created_at, last_seen_at=now, expires_at=expires)
            conn.execute(statement.on_conflict_do_update(
                index_elements=[WebSession.id_hash],
                set_={"data": statement.excluded.data, "username": username, "last_seen_at": now,
                      "expires_at": expires}))
            if created and random.random() < 0.05:
                # Expired rows are swept now and then by whoever opens a session, a batch at a time.
                expired = select(WebSession.id_hash).where(WebSession.expires_at < now).limit(500)
                conn.execute(delete(WebSession).where(WebSession.id_hash.in_(expired.scalar_subquery())))
        if created:
            response.set_cookie(name, session.session_id, domain=domain, path=path, httponly=True,
                                secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app))


def end_sessions_of(app: Flask, username: str) -> int:
    """End every page session of a person (an administrator's lock-out); returns how many."""
    with app.extensions["smartregion.db"].engine.begin() as conn:
        return conn.execute(delete(WebSession).where(WebSession.username == username)).rowcount


def init_app(app: Flask) -> None:
    app.session_interface = PostgresSessionInterface()
