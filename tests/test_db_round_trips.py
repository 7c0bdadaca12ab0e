"""Reads near their floor: the scope travels with the first statement, no pre-ping, no count unless asked,
and a connection the server closed is replaced without the request noticing.

Round trips are read from libpq's own protocol trace of the connection the request used.
"""

import json
import re
from contextlib import contextmanager

import psycopg
from smartregion import tenancy
from smartregion.db import db as database
from smartregion.scoped_connection import ScopedConnection
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from tenants.models import Tenant


@contextmanager
def traced(app, tmp_path):
    """Trace every connection checked out meanwhile; yields a function that reads the trace."""
    path = tmp_path / "libpq.trace"
    handle = path.open("w")
    engine = app.extensions["smartregion.db"].engine
    traced_connections = []

    def on_checkout(dbapi_connection, record, proxy):
        dbapi_connection.pgconn.trace(handle.fileno())
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        traced_connections.append(dbapi_connection)

    event.listen(engine, "checkout", on_checkout)
    try:
        yield lambda: path.read_text()
    finally:
        event.remove(engine, "checkout", on_checkout)
        for connection in traced_connections:
            if not connection.closed:
                connection.pgconn.untrace()
        handle.close()


def round_trips(trace: str) -> int:
    """Exchanges waited for: the client sends new commands after the last answer, then an answer comes."""
    messages = [line.split("\t")[::2][:2] for line in trace.splitlines() if re.match(r"[FB]\t\d+\t", line)]
    exchanges, answered, previous = 0, False, "B"
    for direction, kind in messages:
        if direction == "F" and previous == "B" and kind.strip() in ("Parse", "Bind", "Query"):
            exchanges, answered = exchanges + 1, False
        elif direction == "B" and not answered:
            answered = True
        previous = direction
    return exchanges - (0 if answered else 1)


def sent_statements(trace: str) -> list[str]:
    return re.findall(r'^F\t\d+\t(?:Parse\t "[^"]*" |Query\t )"([^"]*)', trace, re.M)


def test_a_tenant_list_is_one_round_trip_and_a_commit_with_the_scope_set_locally(as_user, app, tmp_path):
    reader = as_user("segreteria")
    reader.get("/api/v1/tenants")  # warm: token keys, pool
    with traced(app, tmp_path) as read:
        response = reader.get("/api/v1/tenants")
    assert response.status_code == 200 and len(response.json) == 5
    trace = read()
    statements = sent_statements(trace)
    assert statements[:2] == ["BEGIN", "SET LOCAL app.tenant_id = ''"]
    assert statements[2].startswith("SET LOCAL app.scope = ") and statements[3].startswith("SELECT tenants.")
    assert not any("count(" in s for s in statements), statements
    assert not any("set_config" in s for s in statements)
    # BEGIN + scope + SELECT in one round trip; the read-only transaction's COMMIT is sent, not waited for.
    assert statements[-1] == "COMMIT"
    assert round_trips(trace) == 1, trace


def test_a_tenants_own_read_sends_the_tenant_with_its_first_statement(as_user, app, tmp_path, db):
    firenze = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    reader = as_user("firenze-comune")
    reader.get("/api/v1/tenants/firenze/census/submissions")
    with traced(app, tmp_path) as read:
        response = reader.get("/api/v1/tenants/firenze/census/submissions")
    assert response.status_code == 200
    trace = read()
    statements = sent_statements(trace)
    assert f"SET LOCAL app.tenant_id = '{firenze}'" in statements
    assert not any("count(" in s for s in statements)
    # The tenant's row (with the caller's scope), then its submissions with the tenant's scope; COMMIT unawaited.
    assert round_trips(trace) == 2, trace


def test_a_write_waits_for_its_commit_and_a_read_after_it_sees_it(as_user, app, tmp_path):
    seg = as_user("segreteria")
    seg.get("/api/v1/tenants")
    with traced(app, tmp_path) as read:
        assert seg.patch("/api/v1/tenants/pisa", json={"name": "Pisa (comune)"}).status_code == 200
    trace = read()
    assert re.search(r'^F\t\d+\tQuery\t "COMMIT"\nB\t\d+\tCommandComplete\t "COMMIT"', trace, re.M), trace
    assert seg.get("/api/v1/tenants/pisa").json["name"] == "Pisa (comune)"
    for _ in range(3):  # read-only commits still in flight are answered before the next use
        assert seg.get("/api/v1/tenants", query_string={"page_size": 1}).status_code == 200


def test_the_count_is_run_only_when_asked_and_pages_link_to_each_other(as_user):
    seg = as_user("segreteria")
    first = seg.get("/api/v1/tenants", query_string={"page_size": 2})
    assert [t["slug"] for t in first.json] == ["firenze", "grosseto"]
    assert json.loads(first.headers["X-Pagination"]) == {"first_page": 1, "page": 1, "next_page": 2}
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["Link"]))
    assert set(links) == {"first", "next"}
    following = seg.get(links["next"])
    assert [t["slug"] for t in following.json] == ["pisa", "prato"]

    counted = seg.get("/api/v1/tenants", query_string={"page_size": 2, "count": "true"})
    assert json.loads(counted.headers["X-Pagination"])["total"] == 5
    counted_links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', counted.headers["Link"]))
    assert "page=3" in counted_links["last"]

    # The last page tells the total by itself, without a count.
    last = seg.get("/api/v1/tenants", query_string={"page_size": 2, "page": 3})
    assert [t["slug"] for t in last.json] == ["siena"]
    assert json.loads(last.headers["X-Pagination"]) == {
        "total": 5, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 3, "previous_page": 2}
    beyond = seg.get("/api/v1/tenants", query_string={"page_size": 2, "page": 9})
    assert beyond.status_code == 200 and beyond.json == []
    assert "next" not in beyond.headers["Link"]


def test_a_connection_the_server_closed_is_replaced_on_checkout(as_user, app, owner_url, test_env):
    reader = as_user("segreteria")
    assert reader.get("/api/v1/tenants").status_code == 200
    engine = app.extensions["smartregion.db"].engine
    assert engine.pool.checkedin() >= 1
    owner = make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(owner, autocommit=True) as conn:
        ended = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND usename = 'smartregion_app' AND pid <> pg_backend_pid()",
            (test_env["name"],)).fetchone()[0]
    assert ended >= 1
    import time

    time.sleep(0.2)  # the server's goodbye reaches the sockets
    for _ in range(3):
        response = reader.get("/api/v1/tenants")
        assert response.status_code == 200, response.get_data(as_text=True)


def test_on_citus_the_scope_asks_for_local_propagation_and_sequential_mode_is_sent_first(app, demo, db):
    firenze = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    from smartregion.db import sequential_on_citus

    with app.app_context(), database.new_session() as session, tenancy.tenant_context(firenze):
        connection = session.connection().connection.dbapi_connection
        assert isinstance(connection, ScopedConnection) and connection.citus is False
        # Plain PostgreSQL accepts the citus.* names as placeholders: what a Citus node would receive.
        connection.citus = True
        sequential_on_citus(session)
        row = session.execute(text(
            "SELECT current_setting('citus.propagate_set_commands', true), "
            "current_setting('citus.multi_shard_modify_mode', true), current_setting('app.tenant_id')")).one()
        assert tuple(row) == ("local", "sequential", str(firenze))
        assert session.scalar(select(func.count()).select_from(Tenant)) == 5
        session.rollback()
        connection.citus = False
