"""A psycopg connection that sends BEGIN and the tenant scope together with a transaction's first statement.

psycopg sends BEGIN in a round trip of its own, and the scope (``SET LOCAL app.tenant_id``,
``app.scope``) would take another before the first real statement. Here the connection runs in
autocommit mode and opens each transaction itself: BEGIN, the scope settings and the statement go
out in one pipeline, one round trip. A scope changed in the middle of a transaction is sent with the
next statement in the same way. ``commit()`` and ``rollback()`` end the transaction as usual.

A transaction that only read ends with a COMMIT sent without waiting for its answer: the server ends
the transaction (and drops its locks) as soon as it reads it, nothing can fail at that point, and the
answer is read before the connection's next command. A transaction that wrote waits for its COMMIT.

``SET LOCAL`` (not ``set_config``) is what reaches the worker nodes on Citus, after
``SET LOCAL citus.propagate_set_commands = 'local'``; that line is added only where the ``citus``
extension is installed.
"""

from __future__ import annotations

from functools import partial

import psycopg
from psycopg import errors, generators
from psycopg.pq import ExecStatus, TransactionStatus

READ_TAGS = (b"SELECT", b"SET", b"SHOW", b"BEGIN", b"DECLARE", b"FETCH", b"MOVE", b"CLOSE")


def scope_commands(tenant_id: str, scope: str, *, citus: bool) -> list[bytes]:
    """The ``SET LOCAL`` commands of a scope; the values are digits and a fixed word, never user text."""
    if tenant_id and not tenant_id.isdigit():
        raise ValueError(f"a tenant id is a number, not {tenant_id!r}")
    if scope not in ("", "region"):
        raise ValueError(f"unknown scope {scope!r}")
    commands = [b"SET LOCAL citus.propagate_set_commands = 'local'"] if citus else []
    commands.append(f"SET LOCAL app.tenant_id = '{tenant_id}'".encode())
    commands.append(f"SET LOCAL app.scope = '{scope}'".encode())
    return commands


class ScopedCursor(psycopg.Cursor):
    """A client cursor that sends what the transaction still owes the server before its statement."""

    def execute(self, query, params=None, **kwargs):
        commands = self._conn.owed_commands()
        if not commands:
            super().execute(query, params, **kwargs)
        else:
            with self._conn.pipeline():
                _send(self._conn, commands)
                super().execute(query, params, **kwargs)
        self._conn.note_command(self.pgresult)
        return self

    def executemany(self, query, params_seq, **kwargs):
        commands = self._conn.owed_commands()
        self._conn.wrote = True
        if not commands:
            return super().executemany(query, params_seq, **kwargs)
        with self._conn.pipeline():
            _send(self._conn, commands)
            super().executemany(query, params_seq, **kwargs)
        return None

    def copy(self, statement, params=None, **kwargs):
        # COPY cannot run in a pipeline: what is owed goes first, on its own.
        self._conn.settle()
        self._conn.wrote = True
        return super().copy(statement, params, **kwargs)

    def stream(self, query, params=None, **kwargs):
        self._conn.settle()
        return super().stream(query, params, **kwargs)


class ScopedServerCursor(psycopg.ServerCursor):
    """A named cursor (``yield_per``): it cannot run in a pipeline, so what is owed goes first."""

    def execute(self, query, params=None, **kwargs):
        self._conn.settle()
        return super().execute(query, params, **kwargs)


def _send(conn: ScopedConnection, commands: list[bytes]) -> None:
    """Queue parameterless commands in the open pipeline, as psycopg queues its own BEGIN: sent with the
    statement that follows, their results checked (an error raises) when the pipeline reads them."""
    pipeline = conn._pipeline
    for command in commands:
        pipeline.command_queue.append(partial(conn.pgconn.send_query_params, command, None))
        pipeline.result_queue.append(None)


class ScopedConnection(psycopg.Connection):
    """See the module: autocommit at the driver, transactions opened with their first statement."""

    citus = False

    @classmethod
    def connect(cls, *args, **kwargs):
        kwargs.setdefault("cursor_factory", ScopedCursor)
        kwargs["autocommit"] = True
        connection = super().connect(*args, **kwargs)
        connection.server_cursor_factory = ScopedServerCursor
        connection.scope = None
        connection.scope_pending = False
        connection.owed = []
        connection.wrote = False
        connection.commit_in_flight = False
        return connection

    def detect_citus(self) -> None:
        """Whether the Citus extension is installed (asked once per new connection)."""
        cursor = psycopg.Cursor(self)
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        self.citus = cursor.fetchone() is not None

    def set_scope(self, tenant_id: str, scope: str, *, pending: bool) -> None:
        """The scope of the current transaction; sent with the next statement when ``pending``."""
        self.scope = (tenant_id, scope)
        self.scope_pending = self.scope_pending or pending

    def owe(self, command: bytes) -> None:
        """A ``SET LOCAL`` of this transaction, sent with its next statement."""
        self.owed.append(command)

    def owed_commands(self) -> list[bytes]:
        """What must precede the next statement: BEGIN when no transaction is open, the scope when new."""
        self.finish_commit()
        commands = []
        opening = self.pgconn.transaction_status == TransactionStatus.IDLE
        if opening:
            self.wrote = False
        if opening and self.autocommit:
            commands.append(b"BEGIN")
        if self.scope is not None and (opening or self.scope_pending):
            commands += scope_commands(*self.scope, citus=self.citus)
        commands += self.owed
        self.scope_pending, self.owed = False, []
        return commands

    def settle(self) -> None:
        """Send what is owed now, for statements that cannot share a pipeline."""
        commands = self.owed_commands()
        if commands:
            with self.pipeline():
                _send(self, commands)

    def note_command(self, result) -> None:
        """Remember whether the transaction wrote: only a reading one may commit without waiting."""
        tag = result.command_status if result is not None else None
        if not tag or not tag.startswith(READ_TAGS):
            self.wrote = True

    def commit(self) -> None:
        self.scope, self.scope_pending, self.owed = None, False, []
        self.finish_commit()
        if (not self.wrote and self.autocommit and self._pipeline is None
                and self.pgconn.transaction_status == TransactionStatus.INTRANS):
            # Read-only: the server ends the transaction on reading COMMIT; its answer is read later.
            self.pgconn.send_query(b"COMMIT")
            while self.pgconn.flush():
                pass
            self.commit_in_flight = True
            return
        super().commit()

    def rollback(self) -> None:
        self.scope, self.scope_pending, self.owed = None, False, []
        if self.commit_in_flight:
            return  # the transaction is already ending; nothing to undo
        super().rollback()

    def finish_commit(self) -> None:
        """Read the answer of a read-only transaction's COMMIT sent earlier."""
        if not self.commit_in_flight:
            return
        self.commit_in_flight = False
        # Through the connection's wait, which releases the GIL while the socket is not readable: a
        # blocking ``get_result()`` would hold it, and stop every other thread of the process meanwhile.
        results = self.wait(generators.fetch_many(self.pgconn))
        failure = next((result for result in results if result.status == ExecStatus.FATAL_ERROR), None)
        if failure is not None:
            raise errors.error_from_result(failure, encoding=self.pgconn._encoding)

    def close(self) -> None:
        self.commit_in_flight = False
        super().close()
