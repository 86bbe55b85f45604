"""Hundreds of connections that send their headers one byte per second do not stop real reports.

SLOW connections to a real ``typodesk serve`` each send the start of a report's request one
byte per second and never finish it (slowloris); meanwhile another client sends reports one
after another. uvicorn's event loop holds a connection that is waiting for bytes for the price of
a socket, so the reports are answered as fast as without them. (uvicorn has no timeout for
headers that never end: behind a reverse proxy, its ``client_header_timeout`` closes such
connections; docs/operations.md.)
"""

from __future__ import annotations

import random
import socket
import threading
import time

import pytest

from tests.conftest import free_port
from tests.faults.common import post, report_body, spawn, wait_healthy

pytestmark = pytest.mark.slow

SLOW = 500  # connections trickling their headers
SECONDS = 5.0  # of reports measured while they do
HEAD = (
    b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    + b"X-Trickle: "
    + b"a" * 200
)


def trickle(port: int, stop: threading.Event, stats: dict) -> None:
    """SLOW connections, one more byte of HEAD on each every second, until ``stop``."""
    conns = []
    for _ in range(SLOW):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        conns.append(s)
    stats["opened"] = len(conns)
    sent = 0
    while not stop.wait(1.0) and sent < len(HEAD):
        for s in conns:
            try:
                s.send(HEAD[sent : sent + 1])
            except OSError:
                stats["closed_by_server"] = stats.get("closed_by_server", 0) + 1
        sent += 1
    stats["bytes_each"] = sent
    for s in conns:
        s.close()


def reports(base: str, key: str, seconds: float) -> list[float]:
    """Seconds each report took, sending one after another for ``seconds``."""
    rnd = random.Random(3)
    took = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        status, _, t = post(base + "/api/v1/reports", report_body(key, "https://news.example/s", "x", rnd))
        assert status == 201, status
        took.append(t)
    return took


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def test_connections_trickling_their_headers_do_not_slow_reports_down(install):
    install.env.update(
        TYPODESK_RATE_BURST="1000000",
        TYPODESK_SITE_RATE_BURST="1000000",
        TYPODESK_GLOBAL_RATE_BURST="1000000",
    )
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = spawn(install, "serve", "serve", "--port", str(port))
    wait_healthy(base, server)

    alone = reports(base, key, 2.0)
    stop = threading.Event()
    stats: dict = {}
    slow = threading.Thread(target=trickle, args=(port, stop, stats), daemon=True)
    slow.start()
    try:
        time.sleep(1.5)  # every slow connection is open and has sent its first bytes
        assert stats.get("opened") == SLOW
        during = reports(base, key, SECONDS)
    finally:
        stop.set()
        slow.join(30)
    assert server.poll() is None
    print(
        f"{SLOW} slow connections ({stats.get('bytes_each')} bytes each in {SECONDS + 1.5:.0f} s, "
        f"{stats.get('closed_by_server', 0)} closed by the server); reports alone: {len(alone)}, "
        f"p99 {p99(alone) * 1000:.0f} ms; beside them: {len(during)}, p99 {p99(during) * 1000:.0f} ms, "
        f"max {max(during) * 1000:.0f} ms"
    )
    assert p99(during) < 0.2, f"p99 {p99(during) * 1000:.0f} ms beside {SLOW} slow connections"
