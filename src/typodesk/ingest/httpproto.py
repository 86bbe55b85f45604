"""uvicorn's httptools protocol, sending a response's head and body in one system call.

uvicorn writes a response's head and its body with two ``transport.write`` calls, and each is a
``send`` system call at once: for a small answer (a report's 201, a refusal) the second call
costs as much as the first. :class:`CoalescingHttpToolsProtocol` hands the protocol a transport
that joins the writes made in one turn of the event loop and sends them together at its end.
``typodesk serve`` uses it (docs/performance.md). A module of its own, without Django, so that
uvicorn's worker processes can import it by name.
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


if HttpToolsProtocol is not None:

    class CoalescingHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport):
            super().connection_made(CoalescingTransport(transport, asyncio.get_running_loop()))


def http_protocol():
    """The protocol class for uvicorn's ``http`` option ("auto" without httptools)."""
    return CoalescingHttpToolsProtocol if HttpToolsProtocol is not None else "auto"
