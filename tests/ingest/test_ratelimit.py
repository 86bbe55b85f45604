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


def _answers(grouped: bool, prefetch: bool = False) -> tuple[list[float], dict]:
    from django.db import transaction

    from typodesk.ingest.models import RateBucket

    RateBucket.objects.all().delete()
    ratelimit.reset_local()
    ratelimit.take("old", 2, 1.0, now=150.0)  # a row before the block
    with transaction.atomic():
        if grouped:
            with ratelimit.grouped() as group:
                if prefetch:  # what the writer does: every key of the group at once, and some never taken
                    group.prefetch(["old", "new", "never", "old"])
                out = [ratelimit.take(k, c, r, now=t) for k, c, r, t in SEQUENCE]
        else:
            out = [ratelimit.take(k, c, r, now=t) for k, c, r, t in SEQUENCE]
    # A row the block made to lock a key never taken from (PostgreSQL) is a full bucket, as no row is.
    rows = {b.key: (round(b.tokens, 9), b.updated) for b in RateBucket.objects.exclude(updated=ratelimit.NEW)}
    return out, rows


def test_a_grouped_block_answers_and_leaves_what_one_statement_per_take_does(settings):
    one_by_one = _answers(grouped=False)
    assert one_by_one[0][:5] == [0, 0, 0, 2, 2]  # the sequence means what it says
    assert _answers(grouped=True) == one_by_one
    assert _answers(grouped=True, prefetch=True) == one_by_one


def test_a_grouped_block_that_fails_leaves_the_buckets_as_they_were(settings):
    from django.db import transaction

    from typodesk.ingest.models import RateBucket

    ratelimit.take("k", 2, 1.0, now=0.0)
    before = list(RateBucket.objects.values_list("key", "tokens", "updated"))
    with pytest.raises(ZeroDivisionError), transaction.atomic(), ratelimit.grouped():
        ratelimit.take("k", 2, 1.0, now=0.0)
        ratelimit.take("fresh", 2, 1.0, now=0.0)
        1 / 0  # noqa: B018
    assert list(RateBucket.objects.values_list("key", "tokens", "updated")) == before


@pytest.mark.django_db(transaction=True)
def test_grouped_needs_a_transaction(settings):
    with pytest.raises(RuntimeError, match="transaction"), ratelimit.grouped():
        pass


def test_a_grouped_block_reads_its_buckets_in_one_statement_and_writes_them_in_one(settings):
    """The writer's group on SQLite: each statement hands the GIL to the event loop while every
    other server's writer waits for this one's lock, so buckets go in and out in one each."""
    from django.db import connection, transaction

    if connection.vendor != "sqlite":
        pytest.skip("counts statements with SQLite's trace callback")

    from typodesk.ingest.models import RateBucket

    for i in range(3):
        ratelimit.take(f"client:{i}", 10, 1.0, now=10.0)
    ratelimit.reset_local()
    statements: list[str] = []
    connection.ensure_connection()
    connection.connection.set_trace_callback(statements.append)
    try:
        with transaction.atomic():
            with ratelimit.grouped() as group:
                statements.clear()
                group.prefetch([f"client:{i}" for i in range(6)] + ["site:1", "global"])
                for i in range(6):
                    for key in (f"client:{i}", "site:1", "global"):
                        assert ratelimit.take(key, 10, 1.0, now=11.0) == 0
                read = list(statements)
            written = statements[len(read) :]
    finally:
        connection.connection.set_trace_callback(None)
    assert len(read) == 1 and read[0].startswith("SELECT key, tokens, updated")
    assert len(written) == 1 and written[0].startswith("INSERT INTO") and "ON CONFLICT" in written[0]
    buckets = {k: round(t, 6) for k, t in RateBucket.objects.values_list("key", "tokens")}
    # client:0 held 9 at 10 s, refilled to 10 at 11 s, one taken; the others are new.
    assert buckets == {
        **{f"client:{i}": 9.0 for i in range(6)},
        "site:1": 4.0,
        "global": 4.0,
    }


def test_a_grouped_block_of_more_buckets_than_one_statement_holds(settings):
    """A group with hundreds of distinct readers: the buckets go in and out in several statements."""
    from django.db import transaction

    from typodesk.ingest.models import RateBucket

    for i in range(0, 700, 7):
        ratelimit.take(f"client:{i}", 10, 1.0, now=10.0)  # every seventh reader has a bucket: 9
    ratelimit.reset_local()
    with transaction.atomic(), ratelimit.grouped() as group:
        group.prefetch(f"client:{i}" for i in range(700))
        assert all(ratelimit.take(f"client:{i}", 10, 0.001, now=10.0) == 0 for i in range(700))
    tokens = dict(RateBucket.objects.exclude(updated=ratelimit.NEW).values_list("key", "tokens"))
    assert len(tokens) == 700
    assert {i: round(tokens[f"client:{i}"], 6) for i in range(700)} == {
        i: 8.0 if i % 7 == 0 else 9.0 for i in range(700)
    }
