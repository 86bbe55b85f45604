"""Redis goes away while the rate limits live in it, and comes back.

A Redis server of this test's own (on a free port, never the shared one) holds the rate-limit
buckets of a real ``typodesk serve`` (``TYPODESK_REDIS_URL``). It is killed with SIGKILL while
readers send reports, then started again on the same port. The chosen behaviour: the rate limits
go on from the database (docs/operations.md), so a reader is still limited to the burst, a flood
from many threads included, no report is answered 500 or 503 for it, and the buckets are in Redis
again once it answers. /healthz and /metrics say which.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import free_port
from tests.faults.common import get, log_path, metric, report_body, spawn, wait_healthy
from tests.notify.receivers import wait_for
from tests.waiting import wait_until

pytestmark = pytest.mark.slow
if not shutil.which("redis-server"):
    pytestmark = [pytestmark, pytest.mark.skip(reason="redis-server is not installed")]

BURST = 5
PREFIX = "typodesk-fault:"


class OwnRedis:
    """``redis-server`` on a port of its own, in memory only."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> OwnRedis:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ]
            + ["--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, interval=0.05)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def _answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def client_buckets(self) -> int:
        import redis

        return len(redis.Redis(port=self.port).keys(PREFIX + "rl:client:*"))


@pytest.fixture
def own_redis():
    server = OwnRedis().start()
    yield server
    server.kill()


def send(base: str, key: str, reader: str, n: int, threads: int = 1) -> Counter:
    """``n`` reports from the reader at address ``reader`` (X-Forwarded-For), ``threads`` at once."""
    rnd = random.Random(reader)

    def one(i: int) -> int:
        body = json.dumps(report_body(key, "https://news.example/story", f"{reader}-{i}", rnd)).encode()
        req = urllib.request.Request(
            base + "/api/v1/reports", body, {"Content-Type": "application/json", "X-Forwarded-For": reader}
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return 0

    with ThreadPoolExecutor(threads) as pool:
        return Counter(pool.map(one, range(n)))


def test_rate_limits_go_on_from_the_database_while_redis_is_away(install, own_redis):
    install.env.update(
        TYPODESK_REDIS_URL=f"redis://127.0.0.1:{own_redis.port}/0",
        TYPODESK_REDIS_PREFIX=PREFIX,
        TYPODESK_TRUSTED_PROXIES="127.0.0.1",
        TYPODESK_RATE_BURST=str(BURST),
        TYPODESK_RATE_PER_MINUTE="1",
    )
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = spawn(install, "serve", "serve", "--port", str(port))
    wait_healthy(base, server)

    before = send(base, key, "198.51.100.1", 3 * BURST)
    assert before == {201: BURST, 429: 2 * BURST}, before
    assert own_redis.client_buckets() == 1, "the bucket is not in Redis"
    assert json.loads(get(base + "/healthz")[1]) == {"status": "ok", "redis": "ok", "rate_limits": "redis"}
    assert metric(get(base + "/metrics")[1], "typodesk_redis_up") == 1

    own_redis.kill()
    away_at = time.monotonic()
    one_reader = send(base, key, "198.51.100.2", 3 * BURST)
    flood = send(base, key, "198.51.100.3", 200, threads=8)
    away = time.monotonic() - away_at
    status, body = get(base + "/healthz")
    assert (status, json.loads(body)) == (
        200,
        {"status": "degraded", "redis": "unreachable", "rate_limits": "database"},
    )
    assert metric(get(base + "/metrics")[1], "typodesk_redis_up") == 0
    assert one_reader == {201: BURST, 429: 2 * BURST}, one_reader
    assert flood == {201: BURST, 429: 200 - BURST}, f"a flood while Redis is away: {flood}"

    own_redis.start()  # the same port, empty (nothing saved)
    back_at = time.monotonic()
    probes = 0

    def back_in_redis() -> bool:  # a new reader now and then, until its bucket is in Redis
        nonlocal probes
        if own_redis.client_buckets():
            return True
        probes += 1
        assert send(base, key, f"198.51.100.{100 + probes}", 1) == {201: 1}
        return False

    wait_until(back_in_redis, message="the rate limits went back to Redis", interval=0.25)
    returned = time.monotonic() - back_at
    after = send(base, key, "198.51.100.4", 3 * BURST)
    assert after == {201: BURST, 429: 2 * BURST}, after
    assert own_redis.client_buckets() == 2  # the last probe's bucket and this reader's
    assert json.loads(get(base + "/healthz")[1])["rate_limits"] == "redis"
    assert metric(get(base + "/metrics")[1], "typodesk_redis_up") == 1
    assert server.poll() is None, "the server died"

    log = log_path(install, "serve").read_text()
    assert "Redis does not answer" in log and "Redis answers again" in log
    assert "Traceback" not in log, log[-3000:]
    sent = (
        sum(before.values()) + sum(one_reader.values()) + sum(flood.values()) + probes + sum(after.values())
    )
    accepted = before[201] + one_reader[201] + flood[201] + probes + after[201]
    print(
        f"sent {sent}, acknowledged {accepted}, refused 429 {sent - accepted}, 5xx 0; "
        f"{sum(flood.values())} reports of a flood while Redis was away ({away:.1f} s): {flood[201]} accepted; "
        f"back in Redis {returned:.1f} s after it returned"
    )
