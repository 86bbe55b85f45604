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


# A group of reports in one transaction (the lean path's writer on SQLite): each bucket is read
# once and written once, with the answers one statement per take would give.

SEQUENCE = [
    # (key, capacity, per_second, now)
    *[("new", 3, 0.5, 100.0)] * 5,  # a bucket no row holds yet: the burst, then refusals
    ("new", 3, 0.5, 102.5),  # refilled by 1.25 tokens
    ("new", 3, 0.5, 102.6),
    *[("old", 2, 1.0, 200.0)] * 3,  # a bucket with a row from before the block
    ("old", 2, 1.0, 260.0),  # refilled, never past capacity
    ("old", 2, 1.0, 260.0),
    ("old", 2, 1.0, 260.0),
    ("other", 1, 0.01, 100.0),
]


def _answers(grouped: bool) -> tuple[list[float], dict]:
    from django.db import transaction

    from typodesk.ingest.models import RateBucket

    RateBucket.objects.all().delete()
    ratelimit.reset_local()
    ratelimit.take("old", 2, 1.0, now=150.0)  # a row before the block
    with transaction.atomic():
        if grouped:
            with ratelimit.grouped():
                out = [ratelimit.take(k, c, r, now=t) for k, c, r, t in SEQUENCE]
        else:
            out = [ratelimit.take(k, c, r, now=t) for k, c, r, t in SEQUENCE]
    rows = {b.key: (round(b.tokens, 9), b.updated) for b in RateBucket.objects.all()}
    return out, rows


def test_a_grouped_block_answers_and_leaves_what_one_statement_per_take_does(settings):
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("grouped() applies to SQLite; PostgreSQL commits each bucket update on its own")
    one_by_one = _answers(grouped=False)
    assert one_by_one[0][:5] == [0, 0, 0, 2, 2]  # the sequence means what it says
    assert _answers(grouped=True) == one_by_one


def test_a_grouped_block_that_fails_leaves_the_buckets_as_they_were(settings):
    from django.db import transaction

    from typodesk.ingest.models import RateBucket

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("grouped() applies to SQLite")
    ratelimit.take("k", 2, 1.0, now=0.0)
    before = list(RateBucket.objects.values_list("key", "tokens", "updated"))
    with pytest.raises(ZeroDivisionError), transaction.atomic(), ratelimit.grouped():
        ratelimit.take("k", 2, 1.0, now=0.0)
        ratelimit.take("fresh", 2, 1.0, now=0.0)
        1 / 0  # noqa: B018
    assert list(RateBucket.objects.values_list("key", "tokens", "updated")) == before


@pytest.mark.django_db(transaction=True)
def test_grouped_needs_a_transaction(settings):
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("grouped() applies to SQLite")
    with pytest.raises(RuntimeError, match="transaction"), ratelimit.grouped():
        pass
