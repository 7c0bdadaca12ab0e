"""The NGSI-LD push reaches only brokers the secretariat registered, never loopback, link-local or private
addresses unless allowed, follows no redirect and never puts a broker's answer in a user-visible error."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from smartregion.outbound import AddressRefused, OutboundSession, Policy, address_refusal, check_url

from interoperability import export, ngsild
from tests.interoperability.test_api import streetlight

STRICT = Policy()


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "a loopback address"), ("127.8.9.10", "a loopback address"), ("::1", "a loopback address"),
    ("::ffff:127.0.0.1", "a loopback address"),
    ("169.254.169.254", "a link-local address"), ("fe80::1", "a link-local address"),
    ("::ffff:169.254.169.254", "a link-local address"),
    ("10.20.30.40", "a private address"), ("172.16.5.4", "a private address"), ("192.168.1.10", "a private address"),
    ("100.64.0.7", "a private address"), ("fd12:3456::1", "a private address"),
    ("0.0.0.0", "an unspecified address"), ("::", "an unspecified address"),
    ("224.0.0.251", "a multicast address"), ("ff02::1", "a multicast address"),
    ("240.0.0.1", "a reserved address"),
    ("93.184.215.14", None), ("2a00:1450:4002:80a::200e", None),
])
def test_the_address_check_refuses_every_non_public_address(address, reason):
    assert address_refusal(address, STRICT) == reason


def test_allowances_open_loopback_or_private_networks_but_never_link_local():
    assert address_refusal("127.0.0.1", Policy(allow_loopback=True)) is None
    assert address_refusal("10.0.0.1", Policy(allow_loopback=True)) == "a private address"
    assert address_refusal("10.0.0.1", Policy(allow_private=True)) is None
    assert address_refusal("169.254.169.254", Policy(allow_loopback=True, allow_private=True)) == "a link-local address"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:1026", "http://localhost:1026/", "http://[::1]:1026", "http://0x7f000001/",
    "http://2130706433/", "http://169.254.169.254/latest/meta-data", "http://[::ffff:a9fe:a9fe]/",
    "http://10.0.0.8:1026", "ftp://broker.example/", "file:///etc/passwd", "http://user:pw@broker.example/",
    "http://broker.example/?next=http://10.0.0.1", "gopher://127.0.0.1:6379/_FLUSHALL", "http:///nohost",
])
def test_urls_leading_inside_are_refused_before_any_connection(url):
    with pytest.raises(AddressRefused):
        check_url(url, STRICT)


class _Recorder:
    """A local HTTP server that answers with a status, a body and headers, and counts what it receives."""

    def __init__(self, status=201, body=b"", headers=None):
        self.requests = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server naming
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.requests.append(self.path)
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    made = []

    def make(**kwargs):
        server = _Recorder(**kwargs)
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()


def _entities(count=2):
    return [ngsild.with_context(ngsild.to_normalized(streetlight(n))) for n in range(count)]


def test_the_connection_itself_is_guarded_so_a_changed_dns_answer_cannot_reach_inside(recorder):
    inside = recorder()
    with pytest.raises(requests.ConnectionError, match="may not reach"), OutboundSession(STRICT) as session:
        session.post(inside.url.replace("127.0.0.1", "localhost") + "/x", json=[])
    assert inside.requests == []  # refused before connecting
    with pytest.raises(export.BrokerError, match="refused: .*loopback"):
        export.push_to_broker(_entities(), inside.url, tenant="firenze", policy=STRICT)
    assert inside.requests == []


def test_redirects_are_not_followed(recorder):
    target = recorder()
    redirecting = recorder(status=307, headers={"Location": target.url + "/ngsi-ld/v1/entityOperations/upsert"})
    with pytest.raises(export.BrokerError, match="redirect .* not followed"):
        export.push_to_broker(_entities(), redirecting.url, tenant="firenze", policy=Policy(allow_loopback=True))
    assert len(redirecting.requests) == 1 and target.requests == []


def test_a_brokers_answer_never_reaches_the_error_a_user_reads(recorder):
    leaky = recorder(status=400, body=b'{"detail": "db password is INTERNAL-SECRET-42"}')
    with pytest.raises(export.BrokerError) as refused:
        export.push_to_broker(_entities(), leaky.url, tenant="firenze", policy=Policy(allow_loopback=True))
    assert "INTERNAL-SECRET-42" not in str(refused.value) and "HTTP 400" in str(refused.value)
    chatty = recorder(status=207, body=b'{"success": [], "errors": [{"entityId": "urn:x", "error": '
                                       b'{"type": "BadRequestData", "title": "bad", "detail": "INTERNAL-SECRET-42"}}]}')
    result = export.push_to_broker(_entities(1), chatty.url, tenant="firenze", policy=Policy(allow_loopback=True))
    assert result["refused"] == [{"entityId": "urn:x", "error": {"type": "BadRequestData", "title": "bad"}}]


def test_only_the_secretariat_registers_brokers_and_members_push_to_them_only(demo, as_user, recorder):
    broker = recorder()
    secretariat, utility = as_user("segreteria"), as_user("firenze-utility")
    for who in (utility, as_user("firenze-comune"), as_user("revisore")):
        assert who.post("/api/v1/tenants/firenze/ngsi-ld/brokers",
                        json={"name": "mine", "url": broker.url}).status_code == 403
    registered = secretariat.post("/api/v1/tenants/firenze/ngsi-ld/brokers",
                                  json={"name": "Orion-LD", "url": broker.url})
    assert registered.status_code == 201
    again = secretariat.post("/api/v1/tenants/firenze/ngsi-ld/brokers",
                             json={"name": "dup", "url": broker.url + "/"})
    assert again.status_code == 409
    listed = utility.get("/api/v1/tenants/firenze/ngsi-ld/brokers")
    assert [b["url"] for b in listed.json] == [broker.url]
    assert as_user("prato-utility").get("/api/v1/tenants/firenze/ngsi-ld/brokers").status_code == 404

    # A push names a registered broker, never an address.
    by_address = utility.post("/api/v1/tenants/firenze/ngsi-ld/push", json={"broker_url": "http://10.0.0.1:1026"})
    assert by_address.status_code == 400 and "broker_url" in by_address.json["errors"]
    prato = secretariat.post("/api/v1/tenants/prato/ngsi-ld/brokers", json={"name": "Prato", "url": broker.url})
    other_tenants = utility.post("/api/v1/tenants/firenze/ngsi-ld/push", json={"broker_id": prato.json["id"]})
    assert other_tenants.status_code == 404
    removed = secretariat.delete(f"/api/v1/tenants/firenze/ngsi-ld/brokers/{registered.json['id']}")
    assert removed.status_code == 204
    assert utility.post("/api/v1/tenants/firenze/ngsi-ld/push",
                        json={"broker_id": registered.json["id"]}).status_code == 404


def test_inner_addresses_are_refused_at_registration(demo, app, token_for):
    from smartregion.app import create_app

    strict = create_app({"OUTBOUND_ALLOW_LOOPBACK": False})
    try:
        client = strict.test_client()
        headers = {"Authorization": f"Bearer {token_for('segreteria')}"}
        for url, reason in [("http://127.0.0.1:1026", "loopback"), ("http://169.254.169.254", "link-local"),
                            ("http://10.1.1.1:1026", "private"), ("http://[::1]:1026", "loopback")]:
            refused = client.post("/api/v1/tenants/firenze/ngsi-ld/brokers", headers=headers,
                                  json={"name": "inside", "url": url})
            assert refused.status_code == 422, url
            assert reason in refused.json["errors"]["url"][0]
    finally:
        strict.extensions["smartregion.db"].engine.dispose()


def test_the_secretariat_registers_a_broker_from_the_page(page_client, recorder):
    broker = recorder()
    secretariat = page_client("segreteria")
    refused = secretariat.post("/tenants/firenze/brokers", data={"name": "metadata", "url": "http://169.254.169.254"})
    assert refused.status_code == 422
    assert "link-local" in refused.get_data(as_text=True)
    done = secretariat.post("/tenants/firenze/brokers", data={"name": "Orion-LD regionale", "url": broker.url})
    assert done.status_code == 303
    page = secretariat.get("/tenants/firenze/brokers").get_data(as_text=True)
    assert "Orion-LD regionale" in page and broker.url in page

    member = page_client("firenze-comune").get("/tenants/firenze/brokers").get_data(as_text=True)
    assert "Orion-LD regionale" in member and 'data-testid="broker-form"' not in member
    assert page_client("firenze-utility").post("/tenants/firenze/brokers",
                                              data={"name": "x", "url": broker.url}).status_code == 403
