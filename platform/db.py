"""SQLAlchemy engine, one session per request or job, declarative base and tenant scoping."""

from __future__ import annotations

from datetime import datetime
from select import select as select_sockets
from typing import Any

import psycopg
from flask import Flask, current_app, g, has_app_context
from psycopg.pq import ExecStatus
from smartregion import tenancy
from smartregion.scoped_connection import ScopedConnection, scope_commands
from sqlalchemy import ARRAY, BigInteger, DateTime, ForeignKey, MetaData, any_, bindparam, create_engine, event, func
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
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
        # First column, so that the primary key is (tenant_id, id): the key index serves tenant-first
        # lookups, and Citus can distribute the table on tenant_id.
        return mapped_column(BigInteger, ForeignKey("tenants.id"), primary_key=True, sort_order=-100)


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
        connect_timeout = int(app.config.get("DATABASE_CONNECT_TIMEOUT", 5))
        engine = application_engine(app_url, pool_size=app.config["DATABASE_POOL_SIZE"],
                                    max_overflow=app.config["DATABASE_POOL_OVERFLOW"],
                                    pool_recycle=app.config["DATABASE_POOL_RECYCLE_SECONDS"],
                                    connect_args={"connect_timeout": connect_timeout})
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


class CompiledSelect:
    """A Core select compiled once into the driver's SQL, for the most frequent reads.

    SQLAlchemy looks a statement up in its compiled cache on every execution and builds it anew when
    it is made per call; for a list read many times a second that costs more than the query. Here the
    SQL is made once, with ``LIMIT`` and ``OFFSET`` as parameters (``page_limit``, ``page_offset``)
    besides the select's own named ones, and sent on the session's connection: in its transaction and
    tenant scope like any other statement.
    """

    def __init__(self, build):
        self._build = build
        self._sql: tuple[str, str] | None = None

    def sql(self, dialect) -> tuple[str, str]:
        """The window's SQL and the count's."""
        if self._sql is None:
            from sqlalchemy import bindparam, select

            statement = self._build()
            window = statement.limit(bindparam("page_limit")).offset(bindparam("page_offset"))
            count = select(func.count()).select_from(statement.order_by(None).subquery())
            self._sql = (str(window.compile(dialect=dialect)), str(count.compile(dialect=dialect)))
        return self._sql

    def rows(self, session: Session | None, params: dict | None, *, limit: int, offset: int = 0) -> list[tuple]:
        """The window's rows as the driver's tuples, in the select's column order.

        Read on the driver's cursor: SQLAlchemy's result would describe the columns anew on every
        execution (a column object per column from the driver, then a merge), as long as the read itself.
        Without a session, in the request's transaction when it has one open, else in one of its own
        (``read_alone``).
        """
        parameters = {**(params or {}), "page_limit": limit, "page_offset": offset}
        if session is None:
            session = open_session()
            if session is None:
                window, _ = self.sql(db.engine.dialect)
                return read_alone(window, parameters)
        window, _ = self.sql(session.get_bind().dialect)
        return driver_rows(session, window, parameters)

    def count(self, session: Session, params: dict | None) -> int:
        connection = session.connection()
        _, count = self.sql(connection.dialect)
        return connection.exec_driver_sql(count, dict(params or {})).scalar()


def driver_rows(session: Session, sql: str, params: dict) -> list[tuple]:
    """Run a statement written in the driver's SQL (``%(name)s`` parameters) on the session's connection,
    in its transaction and tenant scope; its rows as tuples (none for a statement that returns none).

    For the most frequent statements: SQLAlchemy's execution looks the statement up in its cache and
    describes the result's columns anew each time (a column object per column from the driver, then a
    merge), which costs as much as the statement itself. Errors are raised as SQLAlchemy raises them.
    """
    connection = session.connection()
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.pgresult.status == ExecStatus.TUPLES_OK else []
    except psycopg.Error as exc:
        raise _wrapped(connection, exc, sql, params, cursor) from exc
    finally:
        cursor.close()


def open_session() -> Session | None:
    """The request's session when it has a transaction open, else None."""
    session = g.get("db_session") if has_app_context() else None
    return session if session is not None and session.in_transaction() else None


def read_alone(sql: str, params: dict) -> list[tuple]:
    """One reading statement (driver's SQL) in a transaction of its own, on a pooled connection, for a
    request that has opened no transaction: BEGIN, the tenant scope, the statement and a COMMIT not waited
    for, as in a session, without building an ORM session and its transaction for one statement."""
    pooled = db.engine.raw_connection()
    try:
        connection = pooled.dbapi_connection
        connection.set_scope(*scope_settings(), pending=True)
        cursor = connection.cursor()
        try:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        connection.commit()
        return rows
    except psycopg.Error as exc:
        invalidated = db.engine.dialect.is_disconnect(exc, pooled.dbapi_connection, None)
        if invalidated:
            pooled.invalidate(exc)
        raise DBAPIError.instance(sql, params, exc, psycopg.Error, connection_invalidated=invalidated,
                                  dialect=db.engine.dialect) from exc
    finally:
        pooled.close()


def _wrapped(connection, exc: psycopg.Error, statement: str, parameters: dict, cursor) -> DBAPIError:
    """A driver's error as SQLAlchemy raises it (``OperationalError``, ``IntegrityError``...), with the
    connection invalidated when the server is gone, as SQLAlchemy does for its own statements."""
    invalidated = connection.dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor)
    if invalidated:
        connection.invalidate(exc)
    return DBAPIError.instance(statement, parameters, exc, psycopg.Error, connection_invalidated=invalidated,
                               dialect=connection.dialect)


def get_session() -> Session:
    """The session of the current request or job."""
    return db.session()


def application_engine(url: str | URL, **pool) -> Engine:
    """An engine whose connections send each transaction's BEGIN and tenant scope with its first statement.

    No pre-ping on checkout (a round trip per request): a connection the server has closed is noticed
    on its socket when it is checked out and replaced, and old ones are recycled.
    """
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"), pool_pre_ping=False, **pool)
    event.listen(engine, "do_connect", _connect_scoped)
    event.listen(engine, "connect", _detect_citus)
    event.listen(engine, "checkout", _refuse_closed_connection)
    return engine


def owner_engine(url: str | URL) -> Engine:
    """An engine connected as the schema owner: migrations and administrative commands only."""
    return create_engine(make_url(url).set(drivername="postgresql+psycopg"), pool_pre_ping=True)


def _connect_scoped(dialect, conn_rec, cargs, cparams):
    return ScopedConnection.connect(*cargs, **cparams)


def _detect_citus(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, ScopedConnection):
        dbapi_connection.detect_citus()


def _refuse_closed_connection(dbapi_connection, connection_record, connection_proxy) -> None:
    # An idle connection has nothing to read: a readable socket means the server ended the session
    # (restart, terminate, idle timeout) and left its goodbye or EOF there. Checked without a round trip;
    # the pool then retries with a new connection.
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    try:
        dbapi_connection.finish_commit()
    except psycopg.Error as exc:
        raise DisconnectionError(f"the connection's last commit failed: {exc}") from exc
    readable, _, _ = select_sockets([dbapi_connection.pgconn.socket], [], [], 0)
    if readable:
        raise DisconnectionError("the server closed the connection")


def scope_settings() -> tuple[str, str]:
    tenant_id = tenancy.current_tenant_id_or_none()
    return ("" if tenant_id is None else str(tenant_id), "region" if tenancy.is_regional() else "")


def apply_scope(connection_or_session: Any) -> None:
    """Send the current tenant scope with the next statement of this transaction."""
    connection = connection_or_session
    if isinstance(connection, Session):
        connection = connection.connection()
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, ScopedConnection):
        dbapi_connection.set_scope(*scope_settings(), pending=True)
    else:  # an engine of another kind (the owner's): say it now
        for command in scope_commands(*scope_settings(), citus=False):
            connection.exec_driver_sql(command.decode())


def owe_on_citus(session: Session, command: str) -> None:
    """Send a ``SET LOCAL`` for Citus with the transaction's next statement; nothing on plain PostgreSQL.

    Such settings must come before the transaction's first multi-shard access, so callers say them first.
    """
    dbapi_connection = session.connection().connection.dbapi_connection
    if isinstance(dbapi_connection, ScopedConnection) and dbapi_connection.citus:
        dbapi_connection.owe(command.encode())


def sequential_on_citus(session: Session) -> None:
    """Citus: run this transaction's multi-shard work one shard at a time, so that it may write a
    reference table after reading distributed ones ("parallel operation on a distributed table")."""
    owe_on_citus(session, "SET LOCAL citus.multi_shard_modify_mode = 'sequential'")


def refresh_scope_of_open_session() -> None:
    if not has_app_context():
        return
    session = g.get("db_session")
    if session is not None and session.in_transaction():
        apply_scope(session)


@event.listens_for(Session, "after_begin")
def _set_scope_on_begin(session: Session, transaction, connection) -> None:
    # SET LOCAL semantics: the scope ends with the transaction, safe behind a transaction pooler.
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


def any_ids(ids, name: str = "ids"):
    """``= ANY(array)`` for a list of ids: one parameter, where ``IN`` sends one per tenant of the region
    (a statement psycopg then parses anew each time, too long for its cache)."""
    return any_(bindparam(name, list(ids), type_=ARRAY(BigInteger), expanding=False))
