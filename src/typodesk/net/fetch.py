"""Fetching a site's page politely and safely.

What a fetch promises, and why:

* **Only the site's own pages.** Every URL, the first and each redirect target, must be http(s)
  on one of the site's domains: typodesk reads pages its readers reported, nothing else.
* **Never the admin's own network** (SSRF). The host names are the site's, but DNS can point them
  anywhere; connections go through :func:`typodesk.net.netguard.guarded`, which refuses
  loopback, private and link-local addresses at the moment a socket is opened (so DNS rebinding
  and redirects are covered too), unless ``TYPODESK_ALLOW_PRIVATE_TARGETS`` is set. The one
  exception is ``typodesk demo`` (:func:`open_for_demo`): its own article, on 127.0.0.1, for its
  demo site only.
* **Bounded.** One deadline for the whole page (``TYPODESK_FETCH_TIMEOUT``, redirects and slow
  bodies included), a size cap on the *decoded* body (``TYPODESK_FETCH_MAX_BYTES``: a gzip bomb
  stops at the cap, decompression is done here with ``max_length``), a redirect limit, HTML only.
* **Polite.** A User-Agent that says who we are and where to complain, robots.txt obeyed (cached
  for an hour per origin; unreachable robots.txt means "not now", as RFC 9309 says), conditional
  requests so an unchanged page costs the site a 304, and at most ``TYPODESK_FETCH_PER_SITE``
  requests at once per site (the slots in :mod:`typodesk.pages.jobs`).

Any failure is a :class:`FetchError` with a message for the desk; nothing else escapes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx
from django.conf import settings

from typodesk import __version__
from typodesk.net import netguard

#: The product token robots.txt rules are matched against.
ROBOTS_AGENT = "typodesk"
ROBOTS_TTL = 3600.0
ROBOTS_RETRY = 300.0  # an unreachable robots.txt is asked for again after this
ROBOTS_MAX_BYTES = 512 * 1024  # Google reads 500 KiB of robots.txt; so do we
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)


class FetchError(Exception):
    """The page could not be read; ``status`` is the HTTP status when there was one.

    ``refused``: typodesk itself would not connect (a private address, a host outside the site),
    as opposed to the site failing to answer.
    """

    def __init__(self, message: str, status: int | None = None, *, refused: bool = False):
        super().__init__(message)
        self.status = status
        self.refused = refused


@dataclass(frozen=True)
class Limits:
    """The bounds of one fetch, from settings (docs/verification.md)."""

    timeout: float
    max_bytes: int
    max_redirects: int
    user_agent: str

    @classmethod
    def from_settings(cls) -> Limits:
        agent = settings.TYPODESK_FETCH_USER_AGENT or (
            f"typodesk/{__version__} (+{settings.BASE_URL}; fix verification of reported typos)"
        )
        return cls(
            timeout=float(settings.TYPODESK_FETCH_TIMEOUT),
            max_bytes=int(settings.TYPODESK_FETCH_MAX_BYTES),
            max_redirects=int(settings.TYPODESK_FETCH_MAX_REDIRECTS),
            user_agent=agent,
        )


@dataclass(frozen=True)
class Fetched:
    """A successful answer: the page's bytes, or "not modified" (304) with no body."""

    url: str
    status: int
    body: bytes
    charset: str | None
    etag: str
    last_modified: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Robots:
    """robots.txt per origin, shared by the threads of a process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, RobotFileParser | None]] = {}

    def get(self, origin: str) -> tuple[bool, RobotFileParser | None] | None:
        with self._lock:
            entry = self._cache.get(origin)
        if entry is None or entry[0] < time.monotonic():
            return None
        return True, entry[1]

    def put(self, origin: str, rules: RobotFileParser | None, ttl: float) -> None:
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[origin] = (time.monotonic() + ttl, rules)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


ROBOTS = _Robots()
_UNREACHABLE = RobotFileParser()
_UNREACHABLE.disallow_all = True


@dataclass(frozen=True)
class _DemoOpening:
    site_id: int
    origins: frozenset[str]


_demo_opening: _DemoOpening | None = None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def open_for_demo(site_id: int, origins: list[str]) -> None:
    """Let the demo site's pages at exactly ``origins`` be read although they are on 127.0.0.1.

    For ``typodesk demo`` only, which serves its own article on this machine: without it the
    demo could not show fix verification. The opening is one site and a few exact origins
    (scheme, host and port of the demo's own server); any other site on a private address, and
    the demo site on any other port, stay refused.
    """
    global _demo_opening
    _demo_opening = _DemoOpening(site_id, frozenset(_origin(o) for o in origins))


def close_demo_opening() -> None:
    global _demo_opening
    _demo_opening = None


def _opened_for_demo(site_id: int | None, url: str) -> bool:
    opening = _demo_opening
    if opening is None or site_id is None or site_id != opening.site_id:
        return False
    try:
        return _origin(url) in opening.origins
    except ValueError:
        return False


class Fetcher:
    """Fetches pages of one site; ``allows_host`` says which hosts belong to it.

    ``site_id`` names the site, for the demo's opening (:func:`open_for_demo`).
    """

    def __init__(
        self,
        allows_host: Callable[[str | None], bool],
        limits: Limits | None = None,
        transport: httpx.BaseTransport | None = None,
        *,
        site_id: int | None = None,
    ):
        self.allows_host = allows_host
        self.site_id = site_id
        self.limits = limits or Limits.from_settings()
        # trust_env=False: an HTTP(S)_PROXY in the environment must not route around the guard.
        self.client = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            headers={
                "User-Agent": self.limits.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                "Accept-Encoding": "gzip, deflate",
            },
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def fetch(
        self, url: str, *, etag: str = "", last_modified: str = "", types: tuple[str, ...] = HTML_TYPES
    ) -> Fetched:
        """GET ``url`` (following the site's own redirects), conditional when validators are given.

        ``types``: the content types accepted (HTML pages; a domain's verification file is text).
        """
        deadline = time.monotonic() + self.limits.timeout
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        for _hop in range(self.limits.max_redirects + 1):
            self._check_url(url)
            self._check_robots(url, deadline)
            with self._stream(url, conditional, deadline) as response:
                status = response.status_code
                if status in REDIRECTS and response.headers.get("location"):
                    url = urljoin(url, response.headers["location"].strip())
                    continue
                if status == 304:
                    return Fetched(url, 304, b"", None, etag, last_modified)
                if status >= 400:
                    raise FetchError(f"the site answered HTTP {status}", status)
                if status != 200:
                    raise FetchError(f"unexpected HTTP {status}", status)
                ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if ctype and ctype not in types:
                    what = "an HTML page" if types == HTML_TYPES else "one of " + ", ".join(types)
                    raise FetchError(f"not {what} ({ctype[:100]})", status)
                body = _read(response, self.limits.max_bytes, deadline)
                return Fetched(
                    url=url,
                    status=200,
                    body=body,
                    charset=response.charset_encoding,
                    etag=response.headers.get("etag", "")[:500],
                    last_modified=response.headers.get("last-modified", "")[:100],
                )
        raise FetchError(f"more than {self.limits.max_redirects} redirects")

    # --- the pieces ---------------------------------------------------------------------

    def _check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            raise FetchError(f"not a valid URL: {url[:200]}") from None
        if parts.scheme not in ("http", "https") or not host:
            raise FetchError(f"not an http(s) URL: {url[:200]}")
        if not self.allows_host(host):
            raise FetchError(f"{host} is not one of the site's domains; not fetched", refused=True)

    def _stream(self, url: str, headers: dict, deadline: float):
        """A streamed GET inside the network guard, translating every failure into FetchError."""
        guard = not _opened_for_demo(self.site_id, url)
        return _GuardedStream(self.client, url, headers, deadline, guard=guard)

    def _check_robots(self, url: str, deadline: float) -> None:
        parts = urlsplit(url)
        origin = urlunsplit((parts.scheme, parts.netloc.lower(), "", "", ""))
        cached = ROBOTS.get(origin)
        rules = cached[1] if cached else self._load_robots(origin, deadline)
        if rules is not None and not rules.can_fetch(ROBOTS_AGENT, url):
            if rules is _UNREACHABLE:
                raise FetchError("robots.txt could not be read; trying again later")
            raise FetchError("robots.txt does not allow typodesk to read this page")

    def _load_robots(self, origin: str, deadline: float) -> RobotFileParser | None:
        """RFC 9309: 4xx means no rules; 5xx or no answer means "disallow everything for now"."""
        url = origin + "/robots.txt"
        try:
            for _hop in range(6):
                self._check_url(url)
                with self._stream(url, {}, deadline) as response:
                    status = response.status_code
                    if status in REDIRECTS and response.headers.get("location"):
                        url = urljoin(url, response.headers["location"].strip())
                        continue
                    if 400 <= status < 500:
                        ROBOTS.put(origin, None, ROBOTS_TTL)
                        return None
                    if status != 200:
                        break
                    body = _read(response, ROBOTS_MAX_BYTES, deadline, truncate=True)
                rules = RobotFileParser()
                rules.parse(body.decode("utf-8", errors="replace").splitlines())
                ROBOTS.put(origin, rules, ROBOTS_TTL)
                return rules
        except FetchError as exc:
            if exc.refused and url != origin + "/robots.txt":
                ROBOTS.put(origin, None, ROBOTS_TTL)  # redirected off the site: no rules of its own
                return None
            if exc.refused:
                raise  # the page itself would be refused for the same reason: say that one
        ROBOTS.put(origin, _UNREACHABLE, ROBOTS_RETRY)
        return _UNREACHABLE


class _GuardedStream:
    """``with`` block around ``client.stream`` that keeps the guard on while the body is read."""

    def __init__(self, client: httpx.Client, url: str, headers: dict, deadline: float, *, guard: bool = True):
        self.client, self.url, self.headers, self.deadline = client, url, headers, deadline
        self.guard = guard
        self._guard = None
        self._state: dict = {}
        self._stream = None
        self._cutter: _Cutter | None = None

    def __enter__(self) -> httpx.Response:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("timed out")
        self._guard = netguard.guarded() if self.guard else contextlib.nullcontext({})
        self._state = self._guard.__enter__()
        self._cutter = _Cutter(self.deadline)
        try:
            self._stream = self.client.stream(
                "GET",
                self.url,
                headers=self.headers,
                timeout=httpx.Timeout(remaining),
                extensions={"trace": self._cutter.trace},
            )
            response = self._stream.__enter__()
            self._cutter.watch(response.extensions.get("network_stream"))
            return response
        except BaseException as exc:
            self._cutter.cancel()
            self._guard.__exit__(None, None, None)
            raise self._translate(exc) from None

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self._stream is not None:
                self._stream.__exit__(exc_type, exc, tb)
        finally:
            self._cutter.cancel()
            self._guard.__exit__(None, None, None)
        if exc is not None and not isinstance(exc, FetchError):
            raise self._translate(exc) from None

    def _translate(self, exc: BaseException) -> BaseException:
        if isinstance(exc, FetchError):
            return exc
        if self._cutter is not None and self._cutter.fired and isinstance(exc, httpx.HTTPError | OSError):
            return FetchError("timed out while reading the page")
        if self._state.get("blocked") or isinstance(exc, netguard.BlockedTarget):
            host = self._state.get("blocked") or urlsplit(self.url).hostname
            return FetchError(
                f"{host} is a private, loopback or link-local address; refused "
                "(set TYPODESK_ALLOW_PRIVATE_TARGETS to allow it)",
                refused=True,
            )
        if isinstance(exc, httpx.TimeoutException):
            return FetchError("timed out")
        if isinstance(exc, httpx.HTTPError | OSError):
            return FetchError(f"cannot connect: {type(exc).__name__}: {exc}"[:300])
        return exc  # a bug, not a network failure: let the job's guard log it


class _Cutter:
    """Shuts the fetch's connection down at its deadline, wherever the fetch then is.

    httpx's timeouts are per network operation: a server that sends one byte of its headers or
    body every few seconds never lets one expire, and would hold the worker for hours. A timer
    shuts the socket down at the deadline; the blocked read then fails at once and the fetch
    ends as "timed out". The socket comes from httpcore's ``trace`` extension when a connection
    is opened, and from the response's ``network_stream`` (a connection reused from the pool).
    """

    def __init__(self, deadline: float):
        self.fired = False
        self._streams: list = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, event: str, info: dict) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.watch(info.get("return_value"))

    def watch(self, stream) -> None:
        if stream is None:
            return
        with self._lock:
            self._streams.append(stream)
            fired = self.fired
        if fired:
            _shut(stream)

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            streams = list(self._streams)
        for stream in streams:
            _shut(stream)


def _shut(stream) -> None:
    sock = stream.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _read(response: httpx.Response, max_bytes: int, deadline: float, truncate: bool = False) -> bytes:
    """The decoded body, at most ``max_bytes`` (else FetchError, or cut with ``truncate``).

    Decoding is done here rather than by httpx so that ``max_length`` bounds what a small
    compressed body may expand to.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        decoder = None
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes and not truncate:
            raise FetchError(f"the page is larger than {max_bytes:,} bytes")
    elif encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, auto-detected
    else:
        raise FetchError(f"unsupported Content-Encoding {encoding[:40]!r}")
    out = bytearray()
    try:
        # Each chunk as it arrives: a fixed chunk size would wait for bytes a trickle never sends.
        for chunk in response.iter_raw():
            if time.monotonic() > deadline:
                raise FetchError("timed out while reading the page")
            if decoder is None:
                out += chunk
            else:
                data = chunk
                while data and len(out) <= max_bytes:
                    out += decoder.decompress(data, max_bytes + 1 - len(out))
                    data = decoder.unconsumed_tail
            if len(out) > max_bytes:
                if truncate:
                    return bytes(out[:max_bytes])
                raise FetchError(f"the page is larger than {max_bytes:,} bytes")
    except zlib.error as exc:
        raise FetchError(f"the compressed body is corrupt: {exc}") from None
    return bytes(out)
