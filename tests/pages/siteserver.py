"""A newsroom's web server for the page reader's tests: pages that change, fail, stall and redirect.

Serves ``pages`` (path → HTML, editable while running) on 127.0.0.1 with an ETag and
Last-Modified per body and 304 answers to conditional requests, like a real CMS behind a cache.
``status``, ``delay``, ``redirects``, ``headers`` and ``raw`` override single paths;
``types`` gives a path's Content-Type (default HTML); ``robots`` is the robots.txt (None: 404). Every request is recorded, with the peak number of
requests in flight.
"""

from __future__ import annotations

import hashlib
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SiteServer:
    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.status: dict[str, int] = {}
        self.delay: dict[str, float] = {}
        self.hold: dict[str, threading.Event] = {}  # answered once the test sets the event
        self.redirects: dict[str, str] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.raw: dict[str, bytes] = {}
        self.types: dict[str, str] = {}
        self.robots: str | None = None
        self.requests: list[dict] = []
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()
        self._modified: dict[str, tuple[str, float]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                server._enter()
                self.counted = True
                try:
                    server._handle(self)
                finally:
                    server._uncount(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    # --- internals ---

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def _uncount(self, h: BaseHTTPRequestHandler) -> None:
        """The request no longer counts as in flight: once its answer starts. Counted until the
        handler's end, a request whose answer the client had already read (and whose slot a
        worker had handed to the next request) could still count beside that next one."""
        if getattr(h, "counted", False):
            h.counted = False
            with self._lock:
                self.in_flight -= 1

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]
        self.requests.append({"path": path, "headers": dict(h.headers), "at": time.monotonic()})
        if path in self.delay:
            time.sleep(self.delay[path])  # a slow site: what the tests of it are about
        if path in self.hold:
            self.hold[path].wait(120)
        if path == "/robots.txt" and path not in self.pages and path not in self.status:
            if self.robots is None:
                return self._send(h, 404, b"no robots here", "text/plain")
            return self._send(h, 200, self.robots.encode(), "text/plain")
        if path in self.redirects:
            return self._send(h, 302, b"", "text/plain", {"Location": self.redirects[path]})
        if path in self.status:
            return self._send(h, self.status[path], b"<h1>error</h1>", "text/html")
        if path in self.raw:
            return self._send(h, 200, self.raw[path], "text/html", self.headers.get(path, {}))
        body = self.pages.get(path)
        if body is None:
            return self._send(h, 404, b"<h1>not found</h1>", "text/html")
        data = body.encode()
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        with self._lock:
            if self._modified.get(path, ("",))[0] != etag:
                self._modified[path] = (etag, time.time())
            modified = formatdate(self._modified[path][1], usegmt=True)
        if h.headers.get("If-None-Match") == etag:
            return self._send(h, 304, b"", None, {"ETag": etag})
        self._send(
            h,
            200,
            data,
            self.types.get(path, "text/html; charset=utf-8"),
            {"ETag": etag, "Last-Modified": modified, **self.headers.get(path, {})},
        )

    def _send(self, h, status: int, data: bytes, ctype: str | None, headers: dict | None = None) -> None:
        self._uncount(h)
        try:
            h.send_response(status)
            if ctype:
                h.send_header("Content-Type", ctype)
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            if data and status != 304:
                h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
