"""A page that trickles its body (a byte now and then, never finishing) is given up on at the
fetch's time limit, not later, and the reading is marked failed.

The server here answers at once and then sends one byte of the body every GAP seconds: each
byte arrives well within a read timeout, so only a deadline for the whole page stops it.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.pages.conftest import STORY, quote_in, read_due_pages
from typodesk.findings.services import record_report
from typodesk.pages.models import PageCheck

TIMEOUT = 2  # TYPODESK_FETCH_TIMEOUT
GAP = 1.5  # seconds between two bytes of the body: three quarters of the limit


class TricklingServer:
    """One byte of an endless page every GAP seconds (robots.txt: none), on 127.0.0.1."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.bytes_sent = 0
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            if conn.recv(65536).startswith(b"GET /robots.txt"):
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"Content-Length: 1000000\r\n\r\n"
            )
            body = STORY.encode()
            i = 0
            while not self.stop.wait(GAP):
                try:
                    conn.sendall(body[i % len(body) : i % len(body) + 1])
                except OSError:
                    return  # the fetcher hung up
                self.bytes_sent += 1
                i += 1

    def close(self) -> None:
        # The accept loop ends within its 0.2 s timeout; closing the socket under it would make
        # accept() raise in that thread.
        self.stop.set()
        self.acceptor.join()
        self.sock.close()


@pytest.fixture
def trickling():
    server = TricklingServer()
    yield server
    server.close()


@pytest.mark.timeout(60)  # without a deadline for the whole page, the fetch would take a day
def test_a_trickling_page_is_given_up_on_at_the_time_limit(site, trickling, settings):
    settings.TYPODESK_FETCH_TIMEOUT = TIMEOUT
    url = f"http://localhost:{trickling.port}/story"
    finding = record_report(site, url=url, quote=quote_in(STORY, "trafic"), title="Story", lang="en").finding
    started = time.monotonic()
    read_due_pages(rounds=1)
    took = time.monotonic() - started
    check = PageCheck.objects.get(page=finding.page)
    print(f"gave up after {took:.2f} s (limit {TIMEOUT} s, {trickling.bytes_sent} bytes trickled)")
    assert "timed out" in check.last_error and check.failures == 1 and check.last_success_at is None
    # The page's time limit is what is tested: not given up on before it (a per-read timeout is
    # never reached, a byte comes every few hundred milliseconds), and not long after it (without a
    # limit for the whole page the fetch would go on for a day: pytest's 60 s timeout above).
    assert took >= TIMEOUT, f"given up on after {took:.2f} s, before its {TIMEOUT} s limit"
