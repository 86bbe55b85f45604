"""The lean ingestion path: ``POST`` and ``OPTIONS /api/v1/reports`` answered in front of Django.

A small ASGI application wraps Django's (``typodesk.asgi``). It answers exactly what the
django-ninja endpoint (:mod:`typodesk.ingest.api`) and the CORS middleware
(:mod:`typodesk.ingest.middleware`) answer, with the same status codes, error JSON
``{"error", "field"}``, CORS and security headers and limits (the same pydantic model,
:class:`~typodesk.ingest.schemas.ReportIn`), but without Django's request cycle: the body is
parsed and validated in the event loop, the site comes from an in-memory cache
(:mod:`typodesk.ingest.sitecache`), and the report goes to the writer thread
(:mod:`typodesk.ingest.writer`), which admits it (:func:`typodesk.ingest.admission.admit`,
the one admission check) and stores it in a group commit. The request is answered when its
group has committed. Every other request, and a request whose Host Django would refuse, goes to
Django unchanged. ``TYPODESK_FAST_INGEST=false`` sends everything to Django.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from typing import Any

import orjson
from django.conf import settings
from pydantic import ValidationError

from typodesk.ingest import sitecache, writer
from typodesk.ingest.client import client_hash, host_of
from typodesk.ingest.schemas import MAX_BODY, NO_ESCAPES, ReportIn

log = logging.getLogger("typodesk.ingest")

PATH = "/api/v1/reports"
TOO_LARGE = f"The report is larger than {MAX_BODY // 1024} KB."
UNKNOWN_SITE = "Unknown site key: check the data-site attribute of the script tag."


class FastIngest:
    """ASGI middleware: the report endpoint here, everything else to ``app`` (Django)."""

    def __init__(self, app):
        self.app = app
        self._headers: _StaticHeaders | None = None
        self._valid_hosts: dict[str, bool] = {}

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] not in ("POST", "OPTIONS")
            or not settings.TYPODESK_FAST_INGEST
        ):
            return await self._django(scope, receive, send)
        headers = request_headers(scope["headers"], scope.get("scheme"))
        if not self._host_ok(headers.get("host")):
            return await self._django(scope, receive, send)  # Django answers its 400 page
        try:
            if scope["method"] == "OPTIONS":
                await self._preflight(headers, send)
            else:
                await self._post(scope, headers, receive, send)
        except _Disconnected:
            return

    async def _django(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        busy.enter()
        try:
            return await self.app(scope, receive, send)
        finally:
            busy.leave()

    # Host: Django's own check (ALLOWED_HOSTS), remembered per Host value ------------------

    def _host_ok(self, host: str | None) -> bool:
        if not host:
            return False
        ok = self._valid_hosts.get(host)
        if ok is None:
            from django.http.request import split_domain_port, validate_host

            allowed = settings.ALLOWED_HOSTS
            if settings.DEBUG and not allowed:
                allowed = [".localhost", "127.0.0.1", "[::1]"]
            domain, _port = split_domain_port(host)
            ok = bool(domain and validate_host(domain, allowed))
            if len(self._valid_hosts) > 1000:
                self._valid_hosts.clear()
            self._valid_hosts[host] = ok
        return ok

    # OPTIONS ------------------------------------------------------------------------------

    async def _preflight(self, headers: dict, send) -> None:
        origin = headers.get("origin")
        extra: list[tuple[bytes, bytes]] = []
        if origin and await _any_site(host_of(origin)):
            extra += _cors(origin)
            extra += [
                (b"access-control-allow-methods", b"POST, OPTIONS"),
                (b"access-control-allow-headers", b"Content-Type"),
                (b"access-control-max-age", b"86400"),
            ]
        await self._send(send, 204, b"", b"text/html; charset=utf-8", extra, headers, view=False)

    # POST ---------------------------------------------------------------------------------

    async def _post(self, scope, headers: dict, receive, send) -> None:
        origin = headers.get("origin")
        if declared_too_large(headers):
            # What the CORS middleware answers, before anything reads the body.
            body = _error_body(TOO_LARGE, "body")
            cors = _cors(origin) if origin and await _any_site(host_of(origin)) else []
            writer.get().count_refusal(None, "too_large")
            return await self._send(send, 413, body, b"application/json", cors, headers, view=False)
        raw = await _read_body(receive)
        answer = await self.answer_post(headers, scope.get("client"), raw)
        held = asyncio.get_running_loop().create_future()
        if busy.defer(answer[0], _set_once, held):
            await held
        await self._send(send, *answer, headers, view=True)

    async def answer_post(self, headers: dict, client, raw: bytes | None) -> tuple[int, bytes, bytes, list]:
        """:meth:`post`, awaiting what it waits for: (status, body, content type, extra headers)."""
        answer = await _loading(lambda loaded: self.post(headers, client, raw, loaded))
        if isinstance(answer, _Pending):
            answer = answer.then(await answer.future)
        return answer

    def post(self, headers: dict, client, raw: bytes | None, loaded: dict | None = None):
        """Answer a report's POST as far as can be done now, without waiting.

        Returns the answer (status, body, content type, extra headers) when it is known at once
        (a bad body, an unknown site, a reader refused in memory), or a :class:`_Pending`: the
        writer's future and what turns its result into the answer. Raises :class:`_NeedsLoad`,
        before any side effect, when a site or host is not in the cache: the caller loads it in
        a thread and calls again with it in ``loaded``. ``client`` is the ASGI scope's
        ``(address, port)``; ``headers`` come from :func:`request_headers`.
        """
        loaded = loaded or {}
        origin = headers.get("origin")
        if raw and (_limited or _limited_readers):
            repeat = _limited_again(client, headers, raw, loaded)
            if repeat is not None:
                return repeat
        try:
            if raw is None:
                raise _Refusal(413, TOO_LARGE, "body", "too_large")
            payload = _validate(raw)
            site = _site(payload.site, loaded)
            if site is None:
                raise _Refusal(403, UNKNOWN_SITE, "site", "unknown_site")
        except _Refusal as refusal:
            # No site to ask: CORS for an Origin that is a domain of any site.
            allowed = origin and _known_host(host_of(origin), loaded)
            writer.get().count_refusal(None, refusal.reason)
            body = _error_body(refusal.message, refusal.field)
            return refusal.status, body, JSON, _cors(origin) if allowed else []
        cors = _site_cors(site, origin)
        stored = self._store(client, headers, site, payload, raw, cors)
        if isinstance(stored, _Pending):
            then = stored.then
            stored.then = lambda result: _with_cors(then(result), cors)
            return stored
        return _with_cors(stored, cors)

    def _store(self, client, headers: dict, site, payload: ReportIn, raw: bytes = b"", cors: list = ()):
        loop = asyncio.get_running_loop()
        report = _report_fields(payload)
        job = writer.Job(
            site=site,
            report=report,
            origin=headers.get("origin"),
            client=_client_hash(client, headers),
            loop=loop,
            extra=_admit_keywords(report),
        )
        w = writer.get()
        refused = _admit_in_memory(job) if _recently_refused(job.client) else None
        if refused is not None:
            w.count_refusal(site.pk, refused.reason)
            if refused.until is not None and refused.template:
                _remember_limited(client, headers, raw, site, refused, cors)
            return _stored_answer(job, ("refused", refused))
        if not w.submit(job):
            w.count_refusal(site.pk, "busy")
            return 503, _error_body(writer.BUSY_MESSAGE, None), JSON, [(b"retry-after", b"5")]
        return _Pending(job, lambda result: _stored_answer(job, result))

    # Answer -------------------------------------------------------------------------------

    async def _send(self, send, status, body, content_type, extra, headers, *, view: bool) -> None:
        out = self.response_headers(body, content_type, extra, headers, view=view)
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})

    def response_headers(self, body, content_type, extra, headers, *, view: bool) -> list:
        """The answer's headers: Django's middleware's (security, CSP, language) and ``extra``."""
        if self._headers is None:
            self._headers = _StaticHeaders()
        out = [(b"content-type", content_type)]
        static = self._headers
        if view:
            # The headers Django's middleware adds to a view's answer (CSP, framing, language).
            out += static.view
            out.append((b"content-length", str(len(body)).encode()))
            out.append((b"content-language", _language(headers)))
            if not any(k == b"access-control-allow-origin" for k, _ in extra):
                out.append((b"vary", b"Accept-Language"))
        else:
            out.append((b"content-length", str(len(body)).encode()))
        out += extra
        out += static.security
        if static.hsts and _is_secure(headers):
            out.append((b"strict-transport-security", static.hsts))
        return out

    def enabled(self) -> bool:
        return settings.TYPODESK_FAST_INGEST

    def host_ok(self, headers: dict) -> bool:
        return self._host_ok(headers.get("host"))


# Readers refused lately (client hash -> until when): their next reports try admission in the
# event loop first (:func:`_admit_in_memory`); everyone else's go straight to the writer, where
# admission needs the database anyway for its first token.
REFUSED_MEMORY = 60.0
_refused_clients: dict[str, float] = {}


def _recently_refused(client: str) -> bool:
    until = _refused_clients.get(client)
    if until is None:
        return False
    if until < time.monotonic():
        del _refused_clients[client]
        return False
    return True


def _admit_in_memory(job: writer.Job):
    """Run admission here in the event loop when it can decide without the database or Redis.

    :func:`admission.admit` runs with :func:`ratelimit.memory_only`: a refusal that needs nothing
    but memory (a foreign domain, a honeypot, a reader whose bucket is known to be empty, …) is
    returned at once, and a flood is refused without a thread hop. As soon as admission would
    read or write the database or Redis (the first token of a bucket not known to be empty), it
    stops before any side effect and the report goes to the writer thread, which runs admission
    for real. Returns the :class:`~admission.Refused`, or None (the writer decides; when
    admission passed here, which needs no bucket at all, ``job.admitted`` is set so that it is
    not run twice).
    """
    from django.core.exceptions import SynchronousOnlyOperation

    from typodesk.ingest import admission, ratelimit

    try:
        with ratelimit.memory_only():
            job.admitted = admission.admit(
                job.site, page_url=job.report["url"], origin=job.origin, client=job.client, **job.extra
            )
    except admission.Refused as exc:
        return exc
    except (ratelimit.NotInMemory, SynchronousOnlyOperation):
        return None
    return None


JSON = b"application/json; charset=utf-8"


class _Busy:
    """Refusals wait while Django serves a request in this process (at most :attr:`HOLD_MAX`).

    A flood is one client (or a few) sending as fast as its answers come back: every refusal
    answered at once is the next request of the flood, and the event loop and the GIL it keeps
    busy are what an editor's inbox, rendered by Django in a thread of this process, needs.
    Holding the refusals while Django works pauses the flood (each of its connections waits for
    its answer) and gives the desk the process. Reports that are accepted are never held, so a
    real reader's report is not slowed; a refused one gets its answer a little later, and a
    flood runs at full speed whenever nobody uses the desk.
    """

    HOLD_MAX = 0.5  # seconds

    def __init__(self):
        self.count = 0
        self.held: list = []
        self.timer: asyncio.TimerHandle | None = None

    def enter(self) -> None:
        self.count += 1

    def leave(self) -> None:
        self.count -= 1
        if self.count <= 0:
            self.count = 0
            self.release()

    def defer(self, status: int, release, *args) -> bool:
        """For a refusal (``status`` 400 and up) while Django is busy: keep ``release(*args)``
        (which sends the answer) until Django is idle, and say True; else False (send it now)."""
        if status < 400 or self.count <= 0:
            return False
        self.held.append((release, args))
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.HOLD_MAX, self.release)
        return True

    def release(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        held, self.held = self.held, []
        for release, args in held:
            try:
                release(*args)
            except Exception:  # a closed connection, a cancelled waiter: nothing to send
                log.debug("a held refusal could not be sent", exc_info=True)


busy = _Busy()


def _set_once(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


class _Pending:
    """A report queued for the writer, and what turns its result into the answer.

    The writer tells the result in the event loop's thread, after the code that queued the
    report has returned to the loop: either to :attr:`future`, made when first asked for (the
    ASGI path awaits it), or to a callback given to :meth:`call` (the server's protocol, which
    needs no future and no task)."""

    __slots__ = ("job", "then")

    def __init__(self, job: writer.Job, then):
        self.job, self.then = job, then

    @property
    def future(self) -> asyncio.Future:
        if self.job.future is None:
            self.job.future = self.job.loop.create_future()
        return self.job.future

    def call(self, answer) -> None:
        """Call ``answer`` with the answer once the writer is done with the report."""
        then = self.then
        self.job.callback = lambda result: answer(then(result))


class _NeedsLoad(Exception):  # noqa: N818 (a request, not an error)
    """A site or host is not in the cache: ``load`` reads it (blocking), keyed ``what``."""

    def __init__(self, what: tuple, load):
        self.what, self.load = what, load


def _cached(kind: str, key: str, loaded: dict, cached, load):
    """What was loaded for this request, else the site cache's answer, else :class:`_NeedsLoad`
    (``load`` reads it in a thread, whose database connection is then closed)."""
    if (kind, key) in loaded:
        return loaded[kind, key]
    hit = cached(key)
    if hit is sitecache.MISSING:
        raise _NeedsLoad((kind, key), lambda: _in_thread(load, key))
    return hit


def _in_thread(load, key):
    from django.db import close_old_connections

    try:
        return load(key)
    finally:
        close_old_connections()


async def _loading(answer):
    """``answer(loaded)``, and whatever it asks for (:class:`_NeedsLoad`) read in a thread and
    handed to it in ``loaded`` when it is asked again."""
    loaded: dict = {}
    while True:
        try:
            return answer(loaded)
        except _NeedsLoad as need:
            loaded[need.what] = await asyncio.get_running_loop().run_in_executor(None, need.load)


def _site(key: str, loaded: dict):
    return _cached("site", key, loaded, sitecache.cached_site, sitecache.load_site)


def _known_host(host: str | None, loaded: dict) -> bool:
    """Whether ``host`` is a domain of any site (for CORS where there is no site to ask)."""
    if not host:
        return False
    return _cached("host", host.lower(), loaded, sitecache.cached_any_host, sitecache.load_any_host)


async def _any_site(host: str | None) -> bool:
    return await _loading(lambda loaded: _known_host(host, loaded))


# A reader over a rate limit who sends the same request again (a flood repeats one request):
# (address, X-Forwarded-For, Origin, body) -> what admission said, until the bucket holds a token
# again and for at most LIMITED_MEMORY seconds. Admission's other checks depend on nothing but
# that request and settings the lean path already caches for longer (site, policy), so its answer
# to the same request is the same 429 with the Retry-After counted down; it costs a look-up.
_limited: dict[tuple, tuple] = {}
_LIMITED_MAX = 1000
LIMITED_MEMORY = 1.0
# A reader over their OWN limit (the reader's bucket, whatever the report): (address,
# X-Forwarded-For) -> the same, with the site's public key. Any report of theirs to that site is
# answered 429 before it is validated or admitted, until their bucket holds a token again: a
# flood whose every body differs costs a JSON parse, not a validation and an admission. This
# puts the reader's limit first: a report of theirs that would otherwise have been refused for
# something else (a bad field, a foreign Origin) gets the 429 too, as behind a reverse proxy's
# per-address limit. The bucket depends on the site's policy, hence one site per reader.
_limited_readers: dict[tuple, tuple] = {}


def _limited_key(client, headers: dict, raw: bytes) -> tuple:
    """The same request: from the same address (and proxy chain) and Origin, the same body."""
    return (client[0] if client else "", headers.get("x-forwarded-for"), headers.get("origin"), raw)


def _reader_key(client, headers: dict) -> tuple:
    """The same reader, as the reader's rate limit counts them (:func:`_client_hash`'s input)."""
    return (client[0] if client else "", headers.get("x-forwarded-for"))


def _remember_limited(client, headers: dict, raw: bytes, site, refused, cors) -> None:
    expires = time.monotonic() + LIMITED_MEMORY
    # Only what the answer needs: the refusal itself would keep its frames (and report) alive.
    answer = (refused.status, refused.reason, refused.template, refused.field)
    if refused.reason == "rate_client":
        if len(_limited_readers) >= _LIMITED_MAX:
            _limited_readers.clear()
        entry = (refused.until, expires, _generations(), site.public_key, site.pk, answer)
        _limited_readers[_reader_key(client, headers)] = entry
    if not raw or len(raw) > _VALIDATED_BODY_MAX:
        return
    if len(_limited) >= _LIMITED_MAX:
        _limited.clear()
    entry = (refused.until, expires, _generations(), site.pk, answer, list(cors))
    _limited[_limited_key(client, headers, raw)] = entry


def _generations() -> tuple[int, int]:
    """Changes to sites (in this process) and forgotten buckets void remembered answers at once."""
    from typodesk.ingest import ratelimit

    return sitecache.generation(), ratelimit.generation


def _limited_again(client, headers: dict, raw: bytes, loaded: dict):
    """The 429 remembered by :func:`_remember_limited` for this request or this reader, or None.
    Raises :class:`_NeedsLoad` (before any side effect) when the reader's site is not cached."""
    key = _limited_key(client, headers, raw)
    hit = _limited.get(key)
    if hit is not None:
        until, expires, generations, site_id, answer, cors = hit
        if _still_limited(until, expires, generations):
            return _limited_answer(until, site_id, answer, cors)
        del _limited[key]
    reader = _reader_key(client, headers)
    hit = _limited_readers.get(reader)
    if hit is None:
        return None
    until, expires, generations, public_key, site_id, answer = hit
    if not _still_limited(until, expires, generations):
        del _limited_readers[reader]
        return None
    try:
        sent = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(sent) is not dict or sent.get("site") != public_key:
        return None
    site = _site(public_key, loaded)
    if site is None:
        return None
    return _limited_answer(until, site_id, answer, _site_cors(site, headers.get("origin")))


def _still_limited(until: float, expires: float, generations: tuple) -> bool:
    return time.time() < until and time.monotonic() < expires and generations == _generations()


def _limited_answer(until: float, site_id: int, answer: tuple, cors: list) -> tuple:
    status, reason, template, field = answer
    seconds = max(1, math.ceil(until - time.time()))  # as ratelimit.take counts them
    writer.get().count_refusal(site_id, reason)
    body = _error_body(template.format(n=seconds), field)
    return status, body, JSON, [(b"retry-after", str(seconds).encode()), *cors]


def _with_cors(answer: tuple, cors: list) -> tuple:
    if not cors:
        return answer
    status, body, content_type, extra = answer
    return status, body, content_type, extra + cors


def _stored_answer(job: writer.Job, result: tuple) -> tuple[int, bytes, bytes, list]:
    """The answer to a report, from what the writer (or admission in memory) made of it."""
    kind = result[0]
    if kind == "ok":
        _, report_id, finding_id, duplicate = result
        body = b'{"id": %d, "finding": %d, "duplicate": %s}' % (
            report_id,
            finding_id,
            b"true" if duplicate else b"false",
        )
        return 201, body, JSON, []
    if kind == "refused":
        exc = result[1]
        if len(_refused_clients) >= 100_000:
            _refused_clients.clear()
        _refused_clients[job.client] = time.monotonic() + REFUSED_MEMORY
        extra = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in exc.headers.items()]
        return exc.status, _error_body(exc.message, exc.field), JSON, extra
    _, status, message = result
    extra = [(b"retry-after", b"5")] if status == 503 else []
    return status, _error_body(message, None), JSON, extra


# Request pieces ------------------------------------------------------------------------------


class _Disconnected(Exception):
    pass


class _Refusal(Exception):
    def __init__(self, status: int, message: str, field: str | None, reason: str):
        super().__init__(message)
        self.status, self.message, self.field, self.reason = status, message, field, reason


def request_headers(raw: list[tuple[bytes, bytes]], scheme: str | None) -> dict[str, str]:
    """A request's headers as the lean path reads them: names lower-cased, values decoded as
    Django does (latin-1), repeats joined by ","; and ``":https"`` when it came over TLS."""
    out: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[key] = f"{out[key]},{text}" if key in out else text
    if scheme == "https":
        out[":https"] = "1"
    return out


def declared_too_large(headers: dict) -> bool:
    """Whether the request's Content-Length announces a body over the limit."""
    try:
        return int(headers.get("content-length") or 0) > MAX_BODY
    except ValueError:
        return False


async def _read_body(receive) -> bytes | None:
    """The whole body, or None as soon as it passes MAX_BODY."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


# Bodies seen lately and what validating them gave (the report, or the refusal's arguments).
# Validation is a pure function of the bytes, so a remembered answer is the answer; it pays
# when the same body comes again and again, which is what a flood is. Readers' reports all
# differ: for them this costs a dictionary look-up.
_validated: dict[bytes, ReportIn | tuple] = {}
_VALIDATED_MAX = 256
_VALIDATED_BODY_MAX = 2048


def _validate(raw: bytes) -> ReportIn:
    """:func:`_validate_now`, remembered for short bodies."""
    if len(raw) > _VALIDATED_BODY_MAX:
        return _validate_now(raw)
    hit = _validated.get(raw)
    if hit is None:
        try:
            hit = _validate_now(raw)
        except _Refusal as refusal:
            hit = (refusal.status, refusal.message, refusal.field, refusal.reason)
        if len(_validated) >= _VALIDATED_MAX:
            _validated.clear()
        _validated[raw] = hit
    if type(hit) is tuple:
        raise _Refusal(*hit)
    return hit


def _validate_now(raw: bytes) -> ReportIn:
    """Parse and validate as the ninja endpoint does (ReportParser, then its error handler)."""
    if not raw:
        raise _Refusal(400, "body: This field is required.", "body", "bad_body")
    try:
        # Parsed and validated in one pass (pydantic-core); a body it refuses is looked at
        # again the slow way below, so that the error message is the ninja endpoint's.
        return ReportIn.model_validate_json(raw, context=NO_ESCAPES if b"\\u" not in raw else None)
    except ValidationError:
        pass
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # orjson refuses some JSON that Python's json reads (NaN, huge numbers): the stdlib
        # decides, with its own words in the message, as the ninja endpoint does.
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Refusal(400, "The body must be UTF-8 encoded JSON.", "body", "bad_body") from None
        try:
            data = json.loads(text)
        except RecursionError:
            raise _Refusal(400, "The JSON is nested too deeply.", "body", "bad_body") from None
        except ValueError as exc:
            raise _Refusal(400, f"The body is not valid JSON: {exc}.", "body", "bad_body") from None
    if not isinstance(data, dict):
        raise _Refusal(
            400, "body: Input should be a valid dictionary or instance of ReportIn.", "body", "bad_body"
        )
    try:
        return ReportIn.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err.get("loc", ())) or "body"
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            msg = "This field is required"
        raise _Refusal(400, f"{field}: {msg}.", field, "bad_body") from None


def _report_fields(payload: ReportIn) -> dict[str, Any]:
    """The validated report as a plain mapping, for the writer and admission."""
    report = payload.model_dump()
    report.setdefault("root", "")
    return report


def _admission_fields(report: dict[str, Any]) -> dict[str, Any]:
    """What :func:`admission.admit` reads of a report (its ``report`` mapping), as the ninja
    endpoint passes it."""
    return {
        "quote": report["quote"]["exact"],
        "suggestion": report["suggestion"],
        "comment": report["comment"],
        "title": report["title"],
        "honeypot": report.get("website", ""),
        "elapsed": report.get("elapsed"),
        "pow": report.get("pow", ""),
    }


def _admit_keywords(report: dict[str, Any]) -> dict[str, Any]:
    global _ADMIT_TAKES_REPORT
    if _ADMIT_TAKES_REPORT is None:
        import inspect

        from typodesk.ingest import admission

        _ADMIT_TAKES_REPORT = "report" in inspect.signature(admission.admit).parameters
    return {"report": _admission_fields(report)} if _ADMIT_TAKES_REPORT else {}


_ADMIT_TAKES_REPORT: bool | None = None


_client_hashes: dict[tuple[int, str, str | None], str] = {}


def _client_hash(client, headers: dict) -> str:
    """:func:`client_hash` of the request, remembered per address for the day (its salt is the
    day's: the key holds the UTC day, the day :func:`client_hash` salts with). ``client`` is the
    ASGI scope's ``(address, port)`` or None."""
    key = (int(time.time() // 86400), client[0] if client else "", headers.get("x-forwarded-for"))
    out = _client_hashes.get(key)
    if out is None:
        out = client_hash(_ClientRequest(client, headers))
        if len(_client_hashes) >= 100_000:
            _client_hashes.clear()
        _client_hashes[key] = out
    return out


class _ClientRequest:
    """Just enough of a request for :func:`typodesk.ingest.client.client_hash`."""

    __slots__ = ("META",)

    def __init__(self, client, headers: dict):
        self.META = {"REMOTE_ADDR": client[0] if client else ""}
        forwarded = headers.get("x-forwarded-for")
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


def _site_cors(site, origin: str | None) -> list[tuple[bytes, bytes]]:
    """CORS headers for a report to ``site``: only for an Origin that is one of its domains."""
    return _cors(origin) if origin and site.allows_host(host_of(origin)) else []


def _cors(origin: str) -> list[tuple[bytes, bytes]]:
    try:
        value = origin.encode("latin-1")
    except UnicodeEncodeError:  # cannot come from a latin-1 decoded header; be safe anyway
        return []
    return [
        (b"access-control-allow-origin", value),
        (b"access-control-expose-headers", b"Retry-After"),
        (b"vary", b"Origin"),
    ]


_error_bodies: dict[tuple[str, str | None], bytes] = {}


def _error_body(message: str, field: str | None) -> bytes:
    """``{"error": …, "field": …}`` as the ninja endpoint writes it (a flood repeats a few)."""
    key = (message, field)
    out = _error_bodies.get(key)
    if out is None:
        out = json.dumps({"error": message, "field": field}).encode()
        if len(_error_bodies) >= 1000:
            _error_bodies.clear()
        _error_bodies[key] = out
    return out


_languages: dict[tuple[str, str], bytes] = {}


def _language(headers: dict) -> bytes:
    """The Content-Language Django's LocaleMiddleware would set (cookie, then Accept-Language)."""
    cookie = headers.get("cookie", "")
    accept = headers.get("accept-language", "")
    key = (cookie, accept)
    hit = _languages.get(key)
    if hit is None:
        from django.http.cookie import parse_cookie
        from django.utils import translation

        shim = _LanguageRequest(parse_cookie(cookie) if cookie else {}, accept)
        hit = translation.get_language_from_request(shim, check_path=False).encode("latin-1")
        if len(_languages) > 1000:
            _languages.clear()
        _languages[key] = hit
    return hit


class _LanguageRequest:
    def __init__(self, cookies: dict, accept: str):
        self.COOKIES = cookies
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept}
        self.path_info = PATH


def _is_secure(headers: dict) -> bool:
    if ":https" in headers:
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy:
        return False
    name, value = proxy
    header = name.removeprefix("HTTP_").replace("_", "-").lower()
    return headers.get(header, "").split(",")[0].strip() == value


class _StaticHeaders:
    """Headers that depend only on settings, computed once."""

    def __init__(self):
        from django.utils.csp import build_policy

        view: list[tuple[bytes, bytes]] = []
        if settings.SECURE_CSP:
            view.append((b"content-security-policy", build_policy(settings.SECURE_CSP).encode()))
        if getattr(settings, "SECURE_CSP_REPORT_ONLY", None):
            policy = build_policy(settings.SECURE_CSP_REPORT_ONLY).encode()
            view.append((b"content-security-policy-report-only", policy))
        view.append((b"x-frame-options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper().encode()))
        self.view = view
        security: list[tuple[bytes, bytes]] = []
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            security.append((b"x-content-type-options", b"nosniff"))
        referrer = settings.SECURE_REFERRER_POLICY
        if referrer:
            if not isinstance(referrer, str):
                referrer = ",".join(referrer)
            security.append((b"referrer-policy", referrer.encode()))
        coop = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
        if coop:
            security.append((b"cross-origin-opener-policy", coop.encode()))
        self.security = security
        hsts = getattr(settings, "SECURE_HSTS_SECONDS", 0)
        self.hsts = None
        if hsts:
            value = f"max-age={hsts}"
            if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                value += "; includeSubDomains"
            if settings.SECURE_HSTS_PRELOAD:
                value += "; preload"
            self.hsts = value.encode()


def wrap(app):
    """``app`` (Django's ASGI application) with the lean report endpoint in front of it."""
    import gc
    import os
    import sys

    # The writer thread releases the GIL at every SQLite call and must get it back soon: with
    # the default 5 ms switch interval a busy event loop keeps it waiting for whole intervals.
    sys.setswitchinterval(float(os.environ.get("TYPODESK_SWITCH_INTERVAL", "0.0005")))
    # Django and its apps are loaded: keep their objects out of the cyclic garbage collector's
    # full passes, which otherwise stall the event loop for tens of milliseconds under load.
    gc.collect()
    gc.freeze()
    _limit_malloc_arenas()
    return FastIngest(app)


def _limit_malloc_arenas() -> None:
    """glibc gives every thread that allocates its own malloc arena (64 MB reserved, much of it
    resident after a burst); the writer and the site cache's threads need no arena of their own.
    Two, like ``MALLOC_ARENA_MAX=2``, unless the environment says otherwise."""
    import ctypes
    import os

    if "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc
        pass
