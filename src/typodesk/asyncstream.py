"""Streamed answers under ASGI: a synchronous iterator handed over as an asynchronous one.

``typodesk serve`` runs Django under ASGI. A streamed answer with a synchronous iterator (each
static file WhiteNoise serves is a ``FileResponse``) made Django warn "StreamingHttpResponse must
consume synchronous iterators…" in the log on every page, and read the whole body into memory
before sending a byte. This middleware, outermost, gives such an answer an asynchronous iterator
that reads one chunk at a time in a worker thread. Under WSGI (the test client, ``runserver``)
nothing changes: there a synchronous iterator is what the server wants.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponseBase

_END = object()


def _next(iterator: Iterator[bytes]):
    return next(iterator, _END)


async def _async(iterator: Iterator[bytes]) -> AsyncIterator[bytes]:
    # thread_sensitive=False: reading a file needs no database connection (views that stream
    # from the database give an asynchronous iterator of their own, apiv1.streaming).
    pull = sync_to_async(_next, thread_sensitive=False)
    while (chunk := await pull(iterator)) is not _END:
        yield chunk


class AsyncStreamingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if isinstance(request, ASGIRequest) and response.streaming and not response.is_async:
            # The response's closers (the open file) stay registered and run when it is sent.
            response.streaming_content = _async(iter(response.streaming_content))
        return response
