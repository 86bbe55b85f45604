"""Django's test client, with ``/api/v1/reports`` answered the way ``typodesk serve`` answers it.

The report endpoint is an ASGI application in front of Django (typodesk.ingest.endpoint), which
Django's test client never reaches. :class:`ReportingClient` sends requests for that path through
``typodesk.asgi.application`` in process, in an event loop of its own thread, with the writer
thread storing reports on its own database connection as in production; every other request goes
to Django as usual. Tests that post reports use committed data (``transactional_db``): the writer
cannot see a test transaction that is never committed.
"""

from __future__ import annotations

import asyncio
import json
import threading
from functools import partial

from django.http import HttpResponse
from django.test import Client

REPORTS = "/api/v1/reports"


def call_asgi(scope: dict, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run ``typodesk.asgi.application`` for one HTTP request; (status, headers, body)."""
    from typodesk.asgi import application

    sent: list[dict] = []
    errors: list[BaseException] = []

    async def main():
        chunks = [body[i : i + 4096] for i in range(0, len(body), 4096)] or [b""]
        messages = [
            {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
            for i, c in enumerate(chunks)
        ]

        async def receive():
            if messages:
                return messages.pop(0)
            await asyncio.Event().wait()  # never disconnects

        async def send(message):
            sent.append(message)

        await application(scope, receive, send)

    def run():
        try:
            asyncio.run(main())
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    # A thread of its own: Playwright's sync API may run an event loop in the test's thread.
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if errors:
        raise errors[0]
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], start.get("headers", []), content


def scope_of(environ: dict) -> tuple[dict, bytes]:
    """An ASGI HTTP scope and body from the WSGI-style environ Django's RequestFactory builds."""
    body = environ["wsgi.input"].read() if "wsgi.input" in environ else b""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append(
                (key[5:].replace("_", "-").lower().encode("latin-1"), str(value).encode("latin-1"))
            )
    if environ.get("CONTENT_TYPE"):
        headers.append((b"content-type", environ["CONTENT_TYPE"].encode("latin-1")))
    if environ.get("CONTENT_LENGTH"):
        headers.append((b"content-length", str(environ["CONTENT_LENGTH"]).encode()))
    if not any(k == b"host" for k, _ in headers):
        headers.append((b"host", environ.get("SERVER_NAME", "testserver").encode("latin-1")))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": environ["REQUEST_METHOD"],
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": environ["PATH_INFO"],
        "raw_path": environ["PATH_INFO"].encode(),
        "root_path": "",
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), 50000),
        "server": ("testserver", 80),
    }
    return scope, body


class ReportingClient(Client):
    """:class:`django.test.Client` that sends ``/api/v1/reports`` through typodesk's ASGI application."""

    def request(self, **request):
        environ = {**self.defaults, **request}
        if environ.get("PATH_INFO") != REPORTS:
            return super().request(**request)
        status, headers, content = call_asgi(*scope_of(environ))
        response = HttpResponse(content, status=status, content_type=None)
        del response["Content-Type"]
        for name, value in headers:
            response.headers[name.decode("latin-1")] = value.decode("latin-1")
        response.json = partial(json.loads, content)
        response.request = request
        return response
