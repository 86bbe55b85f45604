"""Rate-limit buckets in Redis (TYPODESK_REDIS_URL): the same answers as the database backend,
atomic under concurrency, and shared by every process that uses the same Redis.

Uses the Redis at TYPODESK_TEST_REDIS_URL (default redis://127.0.0.1:6379/15) with a random key
prefix per test, and removes its keys afterwards.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading

import pytest

from typodesk.ingest import ratelimit

REDIS_URL = os.environ.get("TYPODESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_buckets(settings):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    prefix = f"typodesk-test-{secrets.token_hex(6)}:"
    settings.TYPODESK_REDIS_URL = REDIS_URL
    settings.TYPODESK_REDIS_PREFIX = prefix
    ratelimit.reset_local()
    yield client, prefix
    ratelimit.reset_local()
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)


def test_bucket_allows_the_burst_then_refills_at_the_rate(redis_buckets):
    t = 1000.0
    assert [ratelimit.take("k", 3, 1.0, now=t) for _ in range(3)] == [0, 0, 0]
    assert ratelimit.take("k", 3, 1.0, now=t) == 1
    assert ratelimit.take("k", 3, 1.0, now=t + 1.01) == 0
    assert ratelimit.take("k", 3, 1.0, now=t + 1.02) == 1


def test_refill_never_exceeds_capacity_and_buckets_are_independent(redis_buckets):
    ratelimit.take("cap", 2, 10.0, now=0.0)
    assert [ratelimit.take("cap", 2, 10.0, now=1000.0) for _ in range(3)] == [0, 0, 1]
    ratelimit.take("a", 1, 0.01, now=0.0)
    assert ratelimit.take("a", 1, 0.01, now=0.0) > 0
    assert ratelimit.take("b", 1, 0.01, now=0.0) == 0


@pytest.mark.django_db
def test_nothing_goes_to_the_database(redis_buckets):
    from typodesk.ingest.models import RateBucket

    for _ in range(5):
        ratelimit.take("client:x", 2, 0.5)
    assert RateBucket.objects.count() == 0


def test_the_bucket_lives_in_redis_with_an_expiry(redis_buckets):
    client, prefix = redis_buckets
    ratelimit.take("client:abc", 30, 0.5)
    key = f"{prefix}rl:client:abc"
    assert float(client.hget(key, "tokens")) == pytest.approx(29, abs=0.01)
    assert 0 < client.ttl(key) <= 61


def test_concurrent_takes_never_exceed_the_capacity(redis_buckets):
    """Many threads, one bucket of 50 that does not refill in the test's time: exactly 50 pass."""
    allowed = []
    lock = threading.Lock()

    def worker():
        for _ in range(20):
            if ratelimit.take("shared", 50, 0.0001) == 0:
                with lock:
                    allowed.append(1)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 50


def test_another_process_sees_the_same_bucket(redis_buckets):
    """Two server processes share the limit: a bucket emptied here is empty for a new process."""
    _, prefix = redis_buckets
    for _ in range(3):
        assert ratelimit.take("client:shared", 3, 0.001) == 0
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'typodesk.settings'; django.setup();"
        "from typodesk.ingest import ratelimit; print(ratelimit.take('client:shared', 3, 0.001))"
    )
    env = {**os.environ, "TYPODESK_REDIS_URL": REDIS_URL, "TYPODESK_REDIS_PREFIX": prefix}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) >= 1


def test_an_empty_bucket_is_remembered_so_a_flood_costs_no_round_trip(redis_buckets, monkeypatch):
    calls = []
    real = ratelimit._take_redis

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(ratelimit, "_take_redis", counting)
    results = [ratelimit.take("flood", 2, 0.01) for _ in range(100)]
    assert results[:2] == [0, 0] and all(r >= 1 for r in results[2:])
    assert len(calls) == 3  # two tokens, one refusal; the other 97 answered from memory
