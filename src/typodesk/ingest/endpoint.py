"""``POST /api/v1/reports``: the report endpoint, a small ASGI application in front of Django.

Readers' reports are most of what a typodesk server answers, and they need little of what Django
does for a request (sessions, CSRF, templates). :class:`Application` answers ``/api/v1/reports``
itself and hands every other request, and a report whose Host Django would refuse, to Django:

1. the body (at most 16 KB) is parsed and validated in the event loop (:class:`ReportIn`);
2. the site comes from :mod:`typodesk.ingest.sitecache` (read in a thread when not cached);
3. the report goes to this process's writer thread (:mod:`typodesk.ingest.writer`), which admits
   and records it with others in one transaction (:func:`typodesk.ingest.store.store`);
4. the request is answered when that transaction has committed.

Every answer other than 201 carries ``{"error": …, "field": …}`` with a message a person can act
on; a refused report also ``code`` (a machine word, :func:`code_of`) and ``retry_after`` (seconds,
or null), so that a client such as the widget can say it in the reader's own language. CORS
headers go only to an Origin that is a domain of the report's site (or, before a site is
known, of any site), never with credentials. The application also takes ASGI's lifespan events:
when a server process stops, its writer stores what is queued and writes the refusal counts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import orjson
from django.conf import settings
from django.db import DatabaseError
from django.db.models.signals import post_save
from django.http.request import split_domain_port, validate_host
from pydantic import ValidationError

from typodesk.abuse.models import Protection
from typodesk.ingest import refusals, sitecache, writer
from typodesk.ingest.admission import Refused, still_limited
from typodesk.ingest.client import address_of, hash_address, host_of
from typodesk.ingest.schemas import MAX_BODY, ReportIn
from typodesk.ingest.store import FAILED_MESSAGE, Failed, Incoming, Stored, log_failure

log = logging.getLogger("typodesk.ingest")

PATH = "/api/v1/reports"
TOO_LARGE = f"The report is larger than {MAX_BODY // 1024} KB."
UNKNOWN_SITE = "Unknown site key: check the data-site attribute of the script tag."
BUSY = "The server is busy. Please try again in a few seconds."
RETRY_SECONDS = 5  # after a 503
_RETRY_AFTER = (b"retry-after", str(RETRY_SECONDS).encode())


class Application:
    """ASGI: the report endpoint here, lifespan events here, everything else to ``django``."""

    def __init__(self, django):
        self.django = django

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        if scope["type"] != "http" or scope["path"] != PATH:
            return await self.django(scope, receive, send)
        headers = _headers(scope)
        if not _host_allowed(headers.get("host", "")):
            return await self.django(scope, receive, send)  # Django answers, and logs, its 400
        method = scope["method"]
        if method == "POST":
            status, body, extra = await _post(scope, headers, receive)
        elif method == "OPTIONS":
            status, body, extra = await _preflight(headers)
        else:
            status, extra = 405, [(b"allow", b"POST")]
            body = _error(f"{PATH} does not take {method}; use POST.", None)
        if status is None:
            return  # the client went away before its body arrived
        await _send(send, status, body, extra)


async def _post(scope, headers: dict[str, str], receive) -> tuple[int | None, bytes, list]:
    origin = headers.get("origin")
    raw = await _body(headers, receive)
    if raw is _GONE:
        return None, b"", []
    peer = scope.get("client")
    client = hash_address(address_of(peer[0] if peer else "", headers.get("x-forwarded-for")))
    if raw and _over_limit:
        limited = _still_over_limit(raw, client, origin)
        if limited is not None:
            return limited
    try:
        if raw is None:
            raise _Refusal(413, TOO_LARGE, "body", "too_large")
        report = _validate(raw)
        try:
            site = await _looked_up("site", report.site, sitecache.site)
        except DatabaseError as exc:  # the database is away: the reader (or the widget) tries again
            log_failure(exc, 1)
            raise _Refusal(503, FAILED_MESSAGE, None, "unavailable") from None
        if site is None:
            raise _Refusal(403, UNKNOWN_SITE, "site", "unknown_site")
    except _Refusal as refusal:
        refusals.record(None, refusal.reason)
        if refusal.status == 503:  # the database is away: no second wait for it, only the cache
            host = host_of(origin) if origin else None
            known = bool(host) and sitecache.cached("host", host) is True
            body = _error(refusal.message, None, refusal.reason, RETRY_SECONDS)
            return 503, body, [*(_cors(origin) if known else []), _RETRY_AFTER]
        cors = _cors(origin) if origin and await _any_site_has(host_of(origin)) else []
        return refusal.status, _error(refusal.message, refusal.field, refusal.reason), cors
    cors = _cors(origin) if origin and site.hosts.matches(host_of(origin)) else []
    reader = (site.site.pk, client)
    item = Incoming(site=site, report=report.model_dump(), origin=origin, client=client)
    done = writer.get().submit(item)
    if done is None:
        refusals.record(site.site.pk, "busy")
        return 503, _error(BUSY, None, "busy", RETRY_SECONDS), [_RETRY_AFTER, *cors]
    await done
    outcome = item.outcome
    if isinstance(outcome, Stored):
        body = b'{"id": %d, "finding": %d, "duplicate": %s}' % (
            outcome.report,
            outcome.finding,
            b"true" if outcome.duplicate else b"false",
        )
        return 201, body, cors
    if isinstance(outcome, Refused):
        if outcome.reason == "rate_client":
            if len(_over_limit) >= OVER_LIMIT_MAX:
                _over_limit.clear()
            _over_limit[reader] = (outcome, time.monotonic() + OVER_LIMIT_MEMORY)
        return _refused(outcome, cors)
    failed = outcome if isinstance(outcome, Failed) else Failed()
    refusals.record(site.site.pk, "unavailable")
    body = _error(failed.message, None, "unavailable", RETRY_SECONDS)
    return failed.status, body, [_RETRY_AFTER, *cors]


# Readers over their own rate limit, by (site, client hash): the refusal the writer's admission
# gave them. Their next reports to that site are refused here, before they are validated and
# without the writer, until their bucket holds a token again (it only refills with time, so
# admission would refuse them too), for at most OVER_LIMIT_MEMORY seconds: a limit changed in
# another process counts within a second (in this one at once). A report of theirs that would
# have been refused for something else (a bad field, a foreign Origin, a honeypot) gets this 429
# instead, as behind a reverse proxy's per-address limit.
_over_limit: dict[tuple[int, str], tuple[Refused, float]] = {}
OVER_LIMIT_MAX = 100_000
OVER_LIMIT_MEMORY = 1.0


def _still_over_limit(raw: bytes, client: str, origin: str | None) -> tuple[int, bytes, list] | None:
    """The 429 for a reader over their own limit on the site the report names, or None. Read
    before the report is validated: a flood whose every report differs costs a JSON parse."""
    try:
        key = orjson.loads(raw).get("site")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    site = sitecache.cached("site", key) if isinstance(key, str) else None
    if not isinstance(site, sitecache.SiteSnapshot):
        return None
    reader = (site.site.pk, client)
    limited = _over_limit.get(reader)
    if limited is None:
        return None
    again = still_limited(limited[0]) if limited[1] > time.monotonic() else None
    if again is None:
        del _over_limit[reader]
        return None
    refusals.record(site.site.pk, again.reason)
    return _refused(again, _cors(origin) if origin and site.hosts.matches(host_of(origin)) else [])


def forget_limits(*args, **kwargs) -> None:
    """Forget the readers over their limit (a site's limits changed; tests)."""
    _over_limit.clear()


post_save.connect(forget_limits, sender=Protection, dispatch_uid="typodesk.endpoint.limits")


def _refused(refused: Refused, cors: list) -> tuple[int, bytes, list]:
    extra = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in refused.headers.items()]
    retry = refused.headers.get("Retry-After")
    body = _error(refused.message, refused.field, refused.reason, int(retry) if retry else None)
    return refused.status, body, extra + cors


async def _preflight(headers: dict[str, str]) -> tuple[int, bytes, list]:
    origin = headers.get("origin")
    extra: list[tuple[bytes, bytes]] = []
    if origin and await _any_site_has(host_of(origin)):
        extra += _cors(origin)
        extra += [
            (b"access-control-allow-methods", b"POST, OPTIONS"),
            (b"access-control-allow-headers", b"Content-Type"),
            (b"access-control-max-age", b"86400"),
        ]
    return 204, b"", extra


class _Refusal(Exception):
    def __init__(self, status: int, message: str, field: str | None, reason: str):
        super().__init__(message)
        self.status, self.message, self.field, self.reason = status, message, field, reason


def _validate(raw: bytes) -> ReportIn:
    """The report in ``raw``, or :class:`_Refusal` (400) saying what is wrong with it."""
    if not raw.strip():
        raise _Refusal(400, "The body is empty: send the report as a JSON object.", "body", "bad_body")
    try:
        return ReportIn.model_validate_json(raw)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
    if error.get("type") == "json_invalid":
        # pydantic's parser refuses some JSON Python's reads (a lone surrogate escape, which the
        # field's own check then names): the standard library decides, in its own words.
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise _Refusal(400, "The body must be UTF-8 encoded JSON.", "body", "bad_body") from None
        except RecursionError:
            raise _Refusal(400, "The JSON is nested too deeply.", "body", "bad_body") from None
        except ValueError as exc:
            raise _Refusal(400, f"The body is not valid JSON: {exc}.", "body", "bad_body") from None
        try:
            return ReportIn.model_validate(data)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in error.get("loc", ())) or "body"
    if error.get("type") in ("model_type", "model_attributes_type") and field == "body":
        raise _Refusal(400, "body: The report must be a JSON object.", "body", "bad_body")
    message = (
        "This field is required" if error.get("type") == "missing" else str(error.get("msg", "invalid value"))
    )
    raise _Refusal(400, f"{field}: {message.removeprefix('Value error, ')}.", field, "bad_body")


_GONE = object()  # the client disconnected


async def _body(headers: dict[str, str], receive) -> Any:
    """The whole body; None when it is (or is announced to be) over MAX_BODY; _GONE when the
    client went away."""
    try:
        if int(headers.get("content-length") or 0) > MAX_BODY:
            return None
    except ValueError:
        pass
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return _GONE
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _looked_up(kind: str, key: str, read):
    """The site cache's answer, read from the database in a thread when it has none."""
    hit = sitecache.cached(kind, key)
    return await _off_loop(read, key) if hit is sitecache.MISS else hit


async def _any_site_has(host: str | None) -> bool:
    """Whether ``host`` is a domain of some site; False while the database cannot say (no CORS
    header then: the browser tells the widget the request failed, and it keeps the report)."""
    if not host:
        return False
    try:
        return await _looked_up("host", host, sitecache.any_site_has)
    except DatabaseError:
        return False


async def _off_loop(function, *args):
    """``function(*args)`` where it may query the database: in a thread, whose connection is
    closed afterwards (no query runs in the event loop, as Django requires)."""

    def call():
        from django.db import connection

        try:
            return function(*args)
        finally:
            connection.close()

    return await asyncio.to_thread(call)


def _headers(scope) -> dict[str, str]:
    """Request headers: names lower-cased, values decoded as Django does (latin-1), repeats
    joined by ","."""
    out: dict[str, str] = {}
    for name, value in scope["headers"]:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        out[key] = f"{out[key]},{text}" if key in out else text
    return out


def _host_allowed(host: str) -> bool:
    """Django's own Host check (ALLOWED_HOSTS), so that the endpoint answers the hosts the rest
    of the server answers."""
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def _cors(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        # The widget reads Retry-After to tell a refused reader when to try again.
        (b"access-control-expose-headers", b"Retry-After"),
        (b"vary", b"Origin"),
    ]


#: The ``code`` of a refused report by its refusal reason (:mod:`typodesk.ingest.refusals`), where
#: the two differ: a client tells a reader "too many reports", whichever limit it was.
CODES = {
    "rate_client": "rate_limited",
    "rate_site": "rate_limited",
    "rate_global": "rate_limited",
    "busy": "unavailable",
}


def code_of(reason: str) -> str:
    """The machine code a refused report's answer carries (documented in docs/api.md)."""
    return CODES.get(reason, reason)


def _error(
    message: str, field: str | None, reason: str | None = None, retry_after: int | None = None
) -> bytes:
    body: dict[str, Any] = {"error": message, "field": field}
    if reason is not None:  # a refused report (not, say, a wrong method)
        body.update(code=code_of(reason), retry_after=retry_after)
    return json.dumps(body).encode()


async def _send(send, status: int, body: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await _off_loop(_stop)
            except Exception:  # the database is gone: the last seconds' counts are lost, never a report
                log.warning("refusal counts not written at shutdown", exc_info=True)
            await send({"type": "lifespan.shutdown.complete"})
            return


def _stop() -> None:
    """A server process stops: what is queued is stored, and the refusal counts are written."""
    writer.shutdown()
    refusals.flush()
