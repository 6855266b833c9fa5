"""Real local servers for tests: an SMTP server and an HTTP server that plays a gateway.

Fixtures (exposed from langso/conftest.py):
- ``smtp_server``: aiosmtpd on a free port; settings.MAILERS points at it. ``.messages``
  holds what arrived; ``.reject(code, text)`` makes the next RCPT answer an error.
- ``gateway_server``: an HTTP server in a thread. ``.requests`` holds what arrived
  (method, path, headers, parsed JSON); ``.answer(status, json_body)`` queues replies
  (default: 200 ``{}``), ``.answer(delay=...)`` answers late, to make the client time out.
"""

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- SMTP ---------------------------------------------------------------------------------

class _SmtpHandler:
    def __init__(self, server: "SmtpServer") -> None:
        self.server = server

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.server.rejections:
            return self.server.rejections.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content)
        self.server.messages.append(
            ReceivedMail(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                         message=message))
        return "250 Message accepted for delivery"


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: Message

    @property
    def subject(self) -> str:
        from email.header import decode_header, make_header

        return str(make_header(decode_header(self.message["Subject"] or "")))

    @property
    def body(self) -> str:
        part = self.message
        if part.is_multipart():
            part = next(p for p in part.walk() if p.get_content_type() == "text/plain")
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return ""
        return payload.decode(part.get_content_charset() or "utf-8")


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[ReceivedMail] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    _controller: Any = None

    def start(self) -> "SmtpServer":
        from aiosmtpd.controller import Controller

        self.port = self.port or free_port()
        self._controller = Controller(_SmtpHandler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def reject(self, code: int = 550, text: str = "5.1.1 No such user") -> None:
        """Answer the next recipient with an error (4xx transient, 5xx permanent)."""
        self.rejections.append(f"{code} {text}")

    def mailer_settings(self) -> dict[str, Any]:
        return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                            "OPTIONS": {"host": self.host, "port": self.port, "timeout": 5}}}


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server; Django's test runner swapped MAILERS to locmem, undo that."""
    server = SmtpServer().start()
    settings.MAILERS = server.mailer_settings()
    try:
        yield server
    finally:
        server.stop()


# --- HTTP gateway -----------------------------------------------------------------------------

@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None


class LocalHTTPServer:
    """A real HTTP server on a free loopback port, served from a daemon thread."""

    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class GatewayServer(LocalHTTPServer):
    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.answers: list[Answer] = []
        self.default = Answer()
        self._lock = threading.Lock()

    def answer(self, status: int = 200, body: Any = None, *, delay: float = 0.0,
               raw: bytes | None = None) -> None:
        """Queue the reply to the next request (replies are used in order)."""
        with self._lock:
            self.answers.append(Answer(status=status, body=body if body is not None else {},
                                       delay=delay, raw=raw))

    def _next_answer(self) -> Answer:
        with self._lock:
            return self.answers.pop(0) if self.answers else self.default

    def start(self) -> "GatewayServer":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
                body = self.rfile.read(length)
                gateway.requests.append(ReceivedRequest(
                    method="POST", path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()}, body=body))
                answer = gateway._next_answer()
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.raw if answer.raw is not None else \
                    json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._serve(Handler)
        return self


@pytest.fixture
def gateway_server() -> Iterator[GatewayServer]:
    server = GatewayServer().start()
    try:
        yield server
    finally:
        server.stop()
