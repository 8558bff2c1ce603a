"""A real HTTP receiver for the webhook tests: http.server in a thread on 127.0.0.1.

It answers each POST with the next status of its script (the last one repeats) and checks
the signature the way docs/webhooks.md tells a receiver to, recording what it saw.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify_signature(secret: str, headers, body: bytes, now: float | None = None) -> bool:
    """The receiver's check, as docs/webhooks.md describes it."""
    timestamp = headers.get("Guardrail-Timestamp", "")
    header = headers.get("Guardrail-Signature", "")
    if not timestamp.isdigit():
        return False
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    wanted = "v1=" + expected.hexdigest()
    return any(hmac.compare_digest(wanted, v.strip()) for v in header.split(","))


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    verified: bool


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=lambda: [200])
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/guardrail"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k: v for k, v in self.headers.items()}
                receiver.received.append(
                    Received(
                        self.path,
                        headers,
                        body,
                        verify_signature(receiver.secret, headers, body),
                    )
                )
                index = min(len(receiver.received) - 1, len(receiver.statuses) - 1)
                self.send_response(receiver.statuses[index])
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
