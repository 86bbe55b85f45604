"""Real receivers on 127.0.0.1 for the notification tests: an SMTP server and an HTTP endpoint.

Both can be stopped and started again on the same port, to play a target that
is down for a while. Nothing here talks to anything but the loopback address.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.waiting import TIMEOUT, wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = TIMEOUT, interval: float = 0.02):
    """Poll until ``predicate()`` is truthy (tests.waiting.wait_until)."""
    return wait_until(predicate, timeout, interval=interval, retry_on=())


# --- SMTP --------------------------------------------------------------------------------------


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert body is not None and body.get_content_type() == content_type, f"no {content_type} part"
        return body.get_content().replace("\r\n", "\n")


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.delay:  # a slow server: the mail is in, the "250" not yet out
            await asyncio.sleep(self.server.delay)
        with self.server.lock:
            self.server.mails.append(
                Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    """aiosmtpd on 127.0.0.1, collecting every mail it accepts."""

    port: int = field(default_factory=free_port)
    mails: list[Mail] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0  # seconds between the end of a mail's data and the answer to it
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: object = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=5)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- HTTP --------------------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


class HttpReceiver:
    """An HTTP endpoint that records every request and answers what the test tells it to."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.status = 200
        self.statuses: list[int] = []  # answered first, one per request, before ``status``
        self.headers: dict[str, str] = {}
        self.delay = 0.0
        self.refused = 0  # requests answered with a non-2xx status
        self.started = threading.Event()  # set when a request arrives (before the delay)
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.started.set()
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.status
                    if 200 <= status < 300:
                        receiver.requests.append(
                            Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                        )
                    else:
                        receiver.refused += 1
                self.send_response(status)
                for k, v in receiver.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"no" if status >= 300 else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def received(self) -> list[Request]:
        with self.lock:
            return list(self.requests)
