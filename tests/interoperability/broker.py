"""A local stand-in for an NGSI-LD context broker: only the batch upsert endpoint."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSERT = "/ngsi-ld/v1/entityOperations/upsert"


class BrokerStandIn:
    """Accepts ``POST /ngsi-ld/v1/entityOperations/upsert`` like Orion-LD; can fail on purpose."""

    def __init__(self, fail_first: int = 0):
        self.fail_first = fail_first
        self.requests: list[dict] = []
        self.entities: dict[tuple[str, str], dict] = {}
        broker = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                broker.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if self.path.split("?")[0] != UPSERT:
                    return self._answer(404, {"type": "https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound"})
                if broker.fail_first > 0:
                    broker.fail_first -= 1
                    return self._answer(503, {"title": "busy"})
                if self.headers.get("Content-Type") != "application/ld+json":
                    return self._answer(415, {"title": "Content-Type must be application/ld+json"})
                entities = json.loads(body)
                tenant = self.headers.get("NGSILD-Tenant", "")
                errors, success = [], []
                for entity in entities:
                    if "@context" not in entity or not str(entity.get("id", "")).startswith("urn:"):
                        errors.append({"entityId": entity.get("id"), "error": {"title": "BadRequestData"}})
                        continue
                    broker.entities[(tenant, entity["id"])] = entity
                    success.append(entity["id"])
                if errors:
                    return self._answer(207, {"success": success, "errors": errors})
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(success).encode())

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> BrokerStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
