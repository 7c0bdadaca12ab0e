"""SQLAlchemy engine, one session per request or job, declarative base and tenant scoping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, g, has_app_context
from smartregion import tenancy
from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, create_engine, event, func, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True), int: BigInteger}

    def __repr__(self) -> str:
        keys = ", ".join(f"{col.key}={getattr(self, col.key, None)!r}" for col in self.__mapper__.primary_key)
        return f"<{type(self).__name__} {keys}>"


class TenantScoped:
    """Mixin for tenant-owned tables: ``tenant_id`` leads the primary key, RLS guards the rows."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(BigInteger, ForeignKey("tenants.id"), primary_key=True)


class CreatedAt:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class _Bound:
    """The engine and session factory of one application."""

    def __init__(self, engine: Engine, owner_url: URL):
        self.engine = engine
        self.owner_url = owner_url
        self.sessionmaker: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)


class Database:
    """Hands out sessions of the application role: one per request, or new ones for jobs and tests.

    The engine belongs to the application (``app.extensions``), so several apps can coexist.
    """

    def init_app(self, app: Flask) -> None:
        url = app.config.get("DATABASE_URL")
        if not url:
            raise RuntimeError("DATABASE_URL is not set (smartregion run starts an embedded PostgreSQL)")
        owner_url = make_url(url).set(drivername="postgresql+psycopg")
        app_url = owner_url.set(
            username=app.config["APP_DATABASE_USER"],
            password=app.config.get("APP_DATABASE_PASSWORD") or owner_url.password,
        )
        engine = create_engine(app_url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                               connect_args={"connect_timeout": int(app.config.get("DATABASE_CONNECT_TIMEOUT", 5))})
        app.extensions["smartregion.db"] = _Bound(engine, owner_url)
        app.teardown_appcontext(self._close_session)

    @property
    def bound(self) -> _Bound:
        return current_app.extensions["smartregion.db"]

    @property
    def engine(self) -> Engine:
        return self.bound.engine

    def new_session(self) -> Session:
        return self.bound.sessionmaker()

    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.new_session()
        return g.db_session

    @staticmethod
    def _close_session(exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


db = Database()


def get_session() -> Session:
    """The session of the current request or job."""
    return db.session()


def owner_engine(url: str | URL) -> Engine:
    """An engine connected as the schema owner: migrations and administrative commands only."""
    return create_engine(make_url(url).set(drivername="postgresql+psycopg"), pool_pre_ping=True)


def scope_settings() -> tuple[str, str]:
    tenant_id = tenancy.current_tenant_id_or_none()
    return ("" if tenant_id is None else str(tenant_id), "region" if tenancy.is_regional() else "")


def apply_scope(connection_or_session: Any) -> None:
    tenant, scope = scope_settings()
    connection_or_session.execute(
        select(func.set_config("app.tenant_id", tenant, True), func.set_config("app.scope", scope, True))
    )


def refresh_scope_of_open_session() -> None:
    if not has_app_context():
        return
    session = g.get("db_session")
    if session is not None and session.in_transaction():
        apply_scope(session)


@event.listens_for(Session, "after_begin")
def _set_scope_on_begin(session: Session, transaction, connection) -> None:
    # SET LOCAL semantics (is_local=true): safe behind a transaction pooler.
    apply_scope(connection)


@event.listens_for(Session, "do_orm_execute")
def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete) or state.is_column_load:
        return
    if state.is_relationship_load and not state.is_select:
        return
    mappers = state.all_mappers
    if not any(issubclass(m.class_, TenantScoped) for m in mappers):
        return
    if tenancy.is_regional():
        return
    tenant_id = tenancy.current_tenant_id()
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, flush_context, instances) -> None:
    for obj in session.new:
        if isinstance(obj, TenantScoped) and getattr(obj, "tenant_id", None) is None:
            obj.tenant_id = tenancy.current_tenant_id()
