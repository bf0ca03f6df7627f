"""An outbox database of the package's own, emptied before each test, and real receivers on
localhost: an aiosmtpd SMTP server and a threaded HTTP server that records requests and answers
with the status codes a test scripts."""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import delete

from conftest import drop_database, migrated_database_url
from minyi.core.db import Database
from minyi.notify.models import OutboxDedupe, OutboxMessage
from minyi.wiring import build_registry

SECRET = "test-webhook-secret"


@pytest.fixture(scope="package")
def _outbox_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    # Delivery claims every due row, so these tests cannot share the demo database with tests
    # whose appeals enqueue receipts; a migrated database per backend is enough (no org data
    # needed), and much cheaper on PostgreSQL than one per test.
    url = migrated_database_url(backend, tmp_path_factory.mktemp(f"outbox-{backend}"))
    database = Database(url, registry=build_registry())
    yield database
    database.dispose()
    drop_database(url)


@pytest.fixture
def outbox_db(_outbox_database: Database) -> Database:
    """Real commits on an empty outbox (workers run concurrently against it)."""
    with _outbox_database.unit_of_work() as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(OutboxDedupe))
    return _outbox_database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class MailBox:
    def __init__(self) -> None:
        self.received: list[Mail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        # aiosmtpd's hook: it passes the server, the SMTP session and the envelope by position.
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.received.append(Mail(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    box: MailBox


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    box = MailBox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, box)
    finally:
        controller.stop()


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class HttpReceiver:
    url: str
    requests: list[Request] = field(default_factory=list)
    # Status codes to answer with, in order; 200 once they run out.
    script: deque[int] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_with(self, *codes: int) -> None:
        with self.lock:
            self.script.extend(codes)

    def next_status(self, request: Request) -> int:
        with self.lock:
            self.requests.append(request)
            return self.script.popleft() if self.script else 200

    def at(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver: HttpReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
            )
            status = receiver.next_status(request)
            answer = json.dumps({"errcode": 0 if status < 300 else 1, "errmsg": "ok"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, _format: str, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = HttpReceiver(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="http-receiver", daemon=True
    )
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
