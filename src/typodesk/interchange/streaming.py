"""Streaming a large export without holding it in memory, under WSGI and ASGI alike.

Under ASGI (``typodesk serve`` runs uvicorn) Django would read a synchronous iterator to the
end before sending a byte; an asynchronous one that pulls each batch of the synchronous
iterator in Django's sync thread (where the database connection lives) keeps memory flat.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header

BATCH = 64 * 1024


def _batch(chunks: Iterator[str]) -> bytes:
    out: list[bytes] = []
    size = 0
    for chunk in chunks:
        data = chunk.encode("utf-8")
        out.append(data)
        size += len(data)
        if size >= BATCH:
            break
    return b"".join(out)


async def _async(chunks: Iterator[str]) -> AsyncIterator[bytes]:
    pull = sync_to_async(_batch, thread_sensitive=True)
    while data := await pull(chunks):
        yield data


def _sync(chunks: Iterator[str]) -> Iterator[bytes]:
    while data := _batch(chunks):
        yield data


def stream(
    request: HttpRequest, chunks: Iterator[str], content_type: str, filename: str
) -> StreamingHttpResponse:
    chunks = iter(chunks)
    body = _async(chunks) if isinstance(request, ASGIRequest) else _sync(chunks)
    response = StreamingHttpResponse(body, content_type=content_type)
    # RFC 6266/5987: an ASCII fallback and the UTF-8 name (a site named in Cyrillic keeps its name).
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response
