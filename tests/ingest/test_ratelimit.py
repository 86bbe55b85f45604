import pytest

from typodesk.ingest import ratelimit

pytestmark = pytest.mark.django_db


def test_bucket_allows_the_burst_then_refills_at_the_rate():
    t = 1000.0
    assert [ratelimit.take("k", 3, 1.0, now=t) for _ in range(3)] == [0, 0, 0]
    wait = ratelimit.take("k", 3, 1.0, now=t)
    assert wait == 1
    assert ratelimit.take("k", 3, 1.0, now=t + 1.01) == 0
    assert ratelimit.take("k", 3, 1.0, now=t + 1.02) == 1


def test_refill_never_exceeds_capacity():
    ratelimit.take("cap", 2, 10.0, now=0.0)
    assert [ratelimit.take("cap", 2, 10.0, now=1000.0) for _ in range(3)] == [0, 0, 1]


def test_buckets_are_independent():
    ratelimit.take("a", 1, 0.01, now=0.0)
    assert ratelimit.take("a", 1, 0.01, now=0.0) > 0
    assert ratelimit.take("b", 1, 0.01, now=0.0) == 0
