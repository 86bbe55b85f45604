"""uvicorn's httptools protocol, with the report endpoint answered without an ASGI cycle.

:class:`TypodeskHttpProtocol` is what ``typodesk serve`` runs (docs/performance.md):

* ``POST /api/v1/reports`` is answered by the lean ingestion path
  (:meth:`typodesk.ingest.fast.FastIngest.post`) right from the parser's callbacks: no ASGI
  scope, task, ``receive``/``send`` coroutines or per-header checks, and the answer goes out in
  one write. That is most of what a report costs the event loop. The answers are those of the
  ASGI path (the same function makes them; ``tests/ingest/test_protocol.py`` compares them).
  Requests that would need more (a body announced larger than the limit, ``Expect:
  100-continue``, a Host Django would refuse, a request pipelined behind an unfinished one)
  take the ASGI path as before.
* Everything else is uvicorn's, except that a response's head and body, which uvicorn writes
  with two ``transport.write`` calls (two ``send`` system calls), are joined into one at the end
  of the event loop's turn (:class:`CoalescingTransport`).

A module of its own, importing Django only when the first connection arrives, so that uvicorn's
worker processes can import it by name.
"""

from __future__ import annotations

import asyncio

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # uvicorn without httptools
    HttpToolsProtocol = None


class CoalescingTransport:
    """The real transport, except that writes wait for the end of the loop's turn."""

    __slots__ = ("_transport", "_loop", "_buffer")

    def __init__(self, transport, loop):
        self._transport = transport
        self._loop = loop
        self._buffer: list[bytes] = []

    def write(self, data) -> None:
        if not self._buffer:
            self._loop.call_soon(self._flush)
        self._buffer.append(bytes(data))

    def writelines(self, chunks) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            self._buffer.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name):
        return getattr(self._transport, name)


class _LeanCycle:
    """Stands for uvicorn's RequestResponseCycle while a lean request waits for its answer, so
    that uvicorn's own code (pipelining, shutdown, a lost connection) treats it like one."""

    __slots__ = ("response_complete", "disconnected", "keep_alive", "message_event")

    def __init__(self, keep_alive: bool):
        self.response_complete = False
        self.disconnected = False
        self.keep_alive = keep_alive
        self.message_event = _NoEvent


class _NoEvent:
    @staticmethod
    def set() -> None:
        pass


_STATUS_LINES: dict[int, bytes] = {}


# Answer heads of the lean path, keyed by what they are made of (see _lean_head), all made with
# one list of uvicorn's default headers (a new list each second, with the date).
_heads: dict[tuple, bytes] = {}
_heads_default: list[list] = [[]]


def _status_line(status: int) -> bytes:
    line = _STATUS_LINES.get(status)
    if line is None:
        import http

        try:
            phrase = http.HTTPStatus(status).phrase.encode()
        except ValueError:
            phrase = b""
        line = _STATUS_LINES[status] = b"HTTP/1.1 %d %s\r\n" % (status, phrase)
    return line


def _find_lean(app):
    """The FastIngest in front of Django, through whatever uvicorn wrapped around it."""
    from typodesk.ingest.fast import FastIngest

    for _ in range(8):
        if isinstance(app, FastIngest):
            return app
        app = getattr(app, "app", None)
    return None


if HttpToolsProtocol is not None:

    class CoalescingHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport):
            super().connection_made(CoalescingTransport(transport, asyncio.get_running_loop()))

    class TypodeskHttpProtocol(CoalescingHttpToolsProtocol):
        """uvicorn's protocol, with ``POST /api/v1/reports`` answered by the lean path directly."""

        _lean_app = None  # per class: found once, the same app for every connection

        def on_message_begin(self) -> None:
            self._lean = None
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            if self.url == b"/api/v1/reports" and self.parser.get_method() == b"POST" and self._lean_ok():
                headers = self._lean_headers()
                if headers is not None:
                    keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
                    self._lean = (headers, bytearray(), [False])
                    self.cycle = _LeanCycle(keep_alive)
                    return
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if self._lean is None:
                return super().on_body(body)
            from typodesk.ingest.schemas import MAX_BODY

            _, buffer, too_large = self._lean
            if not too_large[0]:
                buffer += body
                if len(buffer) > MAX_BODY:
                    too_large[0] = True
                    buffer.clear()

        def on_message_complete(self) -> None:
            if self._lean is None:
                return super().on_message_complete()
            headers, buffer, too_large = self._lean
            self._lean = None
            cycle = self.cycle
            raw = None if too_large[0] else bytes(buffer)
            app = self._lean_app
            try:
                answer = app.post(headers, self.client, raw)
            except Exception as exc:  # noqa: BLE001
                from typodesk.ingest.fast import _NeedsLoad

                if not isinstance(exc, _NeedsLoad):
                    return self._lean_failed(cycle, headers, exc)
                # A site or host not cached yet: the slow way, in a task.
                task = self.loop.create_task(app.answer_post(headers, self.client, raw))
                task.add_done_callback(lambda t: self._lean_answered(cycle, headers, t))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
                return
            if isinstance(answer, tuple):
                return self._lean_respond(cycle, headers, answer)
            answer.call(lambda result: self._lean_respond(cycle, headers, result))

        # The lean path's pieces ----------------------------------------------------------------

        def _lean_ok(self) -> bool:
            if self.cycle is not None and not self.cycle.response_complete:
                return False  # pipelined behind an unfinished request: uvicorn queues it
            app = type(self)._lean_app
            if app is None:
                app = _find_lean(self.app)
                if app is None:
                    return False
                type(self)._lean_app = app
            return app.enabled()

        def _lean_headers(self) -> dict | None:
            """The request's headers as the ASGI path decodes them, or None when it should take
            the ASGI path (see the module's docstring)."""
            from typodesk.ingest.fast import declared_too_large, request_headers

            if self.expect_100_continue:
                return None
            headers = request_headers(self.headers, self.scheme)
            if declared_too_large(headers) or not self._lean_app.host_ok(headers):
                return None
            return headers

        def _lean_head(self, status: int, content_type: bytes, extra: list, headers: dict, keep_alive: bool):
            """The answer's head but its Content-Length (and the blank line): the status line,
            uvicorn's default headers (the date), the headers of :meth:`FastIngest.response_headers`.
            Most answers share one, so heads are remembered until the date changes (each second)."""
            from typodesk.ingest.fast import _is_secure, _language

            default = self.server_state.default_headers
            if _heads_default[0] is not default:
                _heads.clear()
                _heads_default[0] = default
            key = (status, content_type, *extra, _language(headers), _is_secure(headers), keep_alive)
            head = _heads.get(key)
            if head is None:
                out = [_status_line(status)]
                for name, value in default:
                    out += (name, b": ", value, b"\r\n")
                made = self._lean_app.response_headers(b"", content_type, extra, headers, view=True)
                for name, value in made:
                    if name != b"content-length":
                        out += (name, b": ", value, b"\r\n")
                if not keep_alive:
                    out.append(b"connection: close\r\n")
                head = b"".join(out)
                if len(_heads) < 512:
                    _heads[key] = head
            return head

        def _lean_answered(self, cycle: _LeanCycle, headers: dict, task: asyncio.Task) -> None:
            if task.cancelled():
                return
            exc = task.exception()
            if exc is not None:
                return self._lean_failed(cycle, headers, exc)
            self._lean_respond(cycle, headers, task.result())

        def _lean_failed(self, cycle: _LeanCycle, headers: dict, exc: BaseException) -> None:
            """What uvicorn does when an ASGI application fails: log it, answer 500, close."""
            self.logger.error("Exception in the lean ingestion path", exc_info=exc)
            cycle.keep_alive = False
            failed = (500, b"Internal Server Error", b"text/plain; charset=utf-8", [])
            self._lean_respond(cycle, headers, failed)

        def _lean_respond(self, cycle: _LeanCycle, headers: dict, answer: tuple, held: bool = False) -> None:
            from typodesk.ingest.fast import busy

            status, body, content_type, extra = answer
            # Django is serving someone (an editor): refusals wait (fast._Busy).
            if not held and busy.defer(status, self._lean_respond, cycle, headers, answer, True):
                return
            if cycle.disconnected or self.transport.is_closing():
                cycle.response_complete = True
                return
            head = self._lean_head(status, content_type, extra, headers, cycle.keep_alive)
            raw = self.transport._transport  # one write, no need to wait for the turn's end
            raw.write(b"%scontent-length: %d\r\n\r\n%s" % (head, len(body), body))
            cycle.response_complete = True
            if not cycle.keep_alive:
                self.transport.close()
            # As uvicorn's cycle does: the next pipelined request starts, or the keep-alive timer.
            self.on_response_complete()


def http_protocol():
    """The protocol class for uvicorn's ``http`` option ("auto" without httptools)."""
    return TypodeskHttpProtocol if HttpToolsProtocol is not None else "auto"
