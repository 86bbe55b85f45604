"""The report endpoint answered from uvicorn's parser callbacks (ingest/httpproto.py), over real HTTP.

`typodesk serve` answers ``POST /api/v1/reports`` without an ASGI cycle; the same request with a
query string (``/api/v1/reports?``) still takes the ASGI path (the lean ASGI application in front
of Django). Both are one server here, so every case is sent both ways and the answers compared:
status, headers (but the date) and body. Then what only a raw connection shows: keep-alive,
``Connection: close``, HTTP/1.0, pipelined requests, a body larger than the limit, ``Expect:
100-continue``, and refusals held while Django serves a request.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.conftest import served_site

pytestmark = pytest.mark.slow

LEAN = "/api/v1/reports"
ASGI = "/api/v1/reports?"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    for inst, url, key in served_site(
        tmp_path_factory.mktemp("protocol"),
        TYPODESK_RATE_BURST="3",
        TYPODESK_RATE_PER_MINUTE="1",
        TYPODESK_TRUSTED_PROXIES="127.0.0.1/32",
        TYPODESK_MIN_MS="0",
    ):
        yield inst, int(url.rsplit(":", 1)[1]), key


def report(key: str, **over) -> bytes:
    data = {
        "site": key,
        "url": "https://news.example/story",
        "quote": {"exact": "teh", "prefix": "It was ", "suffix": " best", "start": 7, "end": 10},
    }
    data.update(over)
    return json.dumps(data).encode()


def request(
    path: str, body: bytes, *, reader: str = "192.0.2.10", headers: dict | None = None, version: str = "1.1"
) -> bytes:
    head = {
        "Host": "127.0.0.1",
        "Content-Type": "text/plain;charset=UTF-8",
        "Content-Length": str(len(body)),
        "X-Forwarded-For": reader,
        **(headers or {}),
    }
    lines = [f"POST {path} HTTP/{version}"] + [f"{k}: {v}" for k, v in head.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Conn:
    """A raw HTTP/1.1 connection that reads answers one at a time (Content-Length bodies)."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(self) -> tuple[int, dict, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            headers[name] = f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
        length = int(headers.get("content-length", 0))
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, TimeoutError):
            return True

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def exchange(port: int, data: bytes) -> tuple[int, dict, bytes]:
    conn = Conn(port)
    try:
        conn.send(data)
        return conn.answer()
    finally:
        conn.close()


def comparable(answer: tuple[int, dict, bytes]) -> tuple:
    status, headers, body = answer
    headers = {k: v for k, v in headers.items() if k != "date"}
    if status == 201:  # ids (and so the length) differ from one report to the next: the shape
        headers.pop("content-length")
        data = json.loads(body)
        body = json.dumps({k: type(v).__name__ for k, v in data.items()}).encode()
    return status, headers, body


REFUSALS = {
    "bad json": (b'{"site": ', {}),
    "not an object": (b"[1, 2]", {}),
    "empty": (b"", {}),
    "not utf-8": (b'{"site": "\xff"}', {}),
    "missing quote": (json.dumps({"site": "x", "url": "https://news.example/"}).encode(), {}),
    "unknown site": ("unknown", {}),
    "unknown site, known origin": ("unknown", {"Origin": "https://news.example"}),
    "unknown site, foreign origin": ("unknown", {"Origin": "https://evil.example"}),
    "foreign page": ("foreign", {}),
    "foreign origin": ("ok", {"Origin": "https://evil.example"}),
    "honeypot": ("honeypot", {"Origin": "https://news.example"}),
    "bad body, known origin": (b"{", {"Origin": "https://news.example"}),
    "russian reader": (b"{", {"Accept-Language": "ru"}),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_are_answered_as_the_asgi_path_answers_them(served, case):
    _, port, key = served
    body, headers = REFUSALS[case]
    if body == "unknown":
        body = report("no-such-site")
    elif body == "foreign":
        body = report(key, url="https://evil.example/story")
    elif body == "ok":
        body = report(key)
    elif body == "honeypot":
        body = report(key, website="http://spam.example")
    reader = f"198.51.100.{len(case)}"
    lean = exchange(port, request(LEAN, body, reader=reader, headers=headers))
    asgi = exchange(port, request(ASGI, body, reader=reader, headers=headers))
    assert lean[0] >= 400, lean
    assert comparable(lean) == comparable(asgi)


def test_an_accepted_report_and_the_rate_limit_are_answered_alike(served):
    _, port, key = served
    origin = {"Origin": "https://news.example"}
    lean = [
        exchange(port, request(LEAN, report(key), reader="203.0.113.1", headers=origin)) for _ in range(4)
    ]
    asgi = [
        exchange(port, request(ASGI, report(key), reader="203.0.113.2", headers=origin)) for _ in range(4)
    ]
    assert [a[0] for a in lean] == [201, 201, 201, 429]
    assert [comparable(a) for a in lean] == [comparable(a) for a in asgi]
    assert lean[3][1]["retry-after"] == asgi[3][1]["retry-after"]
    assert lean[0][1]["access-control-allow-origin"] == "https://news.example"
    assert "content-security-policy" in lean[0][1] and lean[0][1]["x-content-type-options"] == "nosniff"
    ids = [json.loads(a[2])["id"] for a in lean[:3]]
    assert len(set(ids)) == 3


def test_keep_alive_and_pipelined_requests_are_answered_in_order(served):
    _, port, key = served
    conn = Conn(port)
    try:
        # One after the other on one connection, then three sent at once (pipelined), the middle
        # one for Django: answers come back in the order asked.
        conn.send(request(LEAN, b"{"))
        assert conn.answer()[0] == 400
        conn.send(request(LEAN, report(key), reader="203.0.113.20"))
        assert conn.answer()[0] == 201
        healthz = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        conn.send(request(LEAN, report(key), reader="203.0.113.21") + healthz + request(LEAN, b"[]"))
        first, second, third = conn.answer(), conn.answer(), conn.answer()
        assert first[0] == 201 and json.loads(first[2])["finding"]
        assert second[0] == 200
        assert third[0] == 400 and json.loads(third[2])["field"] == "body"
    finally:
        conn.close()


def test_connection_close_and_http_1_0_close_after_the_answer(served):
    _, port, _ = served
    for data in (request(LEAN, b"{", headers={"Connection": "close"}), request(LEAN, b"{", version="1.0")):
        conn = Conn(port)
        try:
            conn.send(data)
            status, headers, _ = conn.answer()
            assert status == 400 and headers.get("connection") == "close"
            assert conn.closed()
        finally:
            conn.close()


def test_bodies_over_the_limit_are_413_announced_or_streamed(served):
    _, port, key = served
    big = report(key, comment="x" * 20_000)
    lean = exchange(port, request(LEAN, big))
    asgi = exchange(port, request(ASGI, big))
    assert lean[0] == 413 and comparable(lean) == comparable(asgi)
    # Chunked: no Content-Length to refuse it by, so it is counted as it arrives.
    conn = Conn(port)
    try:
        head = request(LEAN, b"").replace(b"Content-Length: 0", b"Transfer-Encoding: chunked")
        chunks = b"".join(b"%x\r\n%s\r\n" % (4000, b"y" * 4000) for _ in range(6)) + b"0\r\n\r\n"
        conn.send(head + chunks)
        status, _, body = conn.answer()
        assert status == 413 and json.loads(body)["field"] == "body"
    finally:
        conn.close()


def test_expect_100_continue_is_honoured(served):
    _, port, key = served
    conn = Conn(port)
    try:
        body = report(key, comment="after continue")
        conn.send(
            request(LEAN, b"", reader="203.0.113.40", headers={"Expect": "100-continue"}).replace(
                b"Content-Length: 0", b"Content-Length: %d" % len(body)
            )
        )
        assert conn.answer()[0] == 100
        conn.send(body)
        assert conn.answer()[0] == 201
    finally:
        conn.close()


def test_refusals_wait_while_django_serves_a_request(served):
    """While Django serves a request in the process, a refusal's answer waits (at most half a
    second): a flood pauses for the desk. An accepted report is never held."""
    _, port, key = served
    slow = Conn(port)
    # A request for Django that stays in flight: its headers promise a body we send later.
    slow.send(
        b"POST /desk/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    )
    time.sleep(0.3)
    try:
        # Answered while Django is still busy: the body has not been sent.
        assert exchange(port, request(LEAN, report(key), reader="203.0.113.50"))[0] == 201
        t = time.monotonic()
        assert exchange(port, request(LEAN, b"{"))[0] == 400
        assert time.monotonic() - t >= 0.45  # held until the half-second bound
    finally:
        slow.send(b"a=1&b=2&cc")
    assert slow.answer()[0] == 403  # no CSRF token: Django's answer, once it had the body
    slow.close()
    # Django idle again: five refusals in a row are not held (held, they would take 2.5 s).
    t = time.monotonic()
    for _ in range(5):
        assert exchange(port, request(LEAN, b"{"))[0] == 400
    assert time.monotonic() - t < 2.5


def test_lean_answers_carry_the_current_date(served):
    """Answer heads are remembered, but only for as long as uvicorn's Date header is the same:
    an answer a second later carries the later date."""
    from email.utils import parsedate_to_datetime

    _, port, _ = served
    conn = Conn(port)
    try:
        conn.send(request(LEAN, b"{", reader="192.0.2.77"))
        first = conn.answer()
        time.sleep(1.2)
        conn.send(request(LEAN, b"{", reader="192.0.2.77"))
        second = conn.answer()
    finally:
        conn.close()
    assert first[0] == second[0] == 400
    assert comparable(first) == comparable(second)
    assert parsedate_to_datetime(second[1]["date"]) > parsedate_to_datetime(first[1]["date"])
