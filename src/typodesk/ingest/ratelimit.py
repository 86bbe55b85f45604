"""Token buckets in the database, taken with one conditional UPDATE.

The UPDATE refills and takes a token in a single statement, so two server
processes can never both take the last token; no lock is held between a read
and a write.
"""

from __future__ import annotations

import math
import time

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least

from typodesk.ingest.models import RateBucket


def take(key: str, capacity: float, per_second: float, now: float | None = None) -> float:
    """Take one token from the bucket ``key``; 0 when allowed, else seconds to wait.

    ``capacity`` is the burst a client may send at once, ``per_second`` the
    sustained rate.
    """
    now = time.time() if now is None else now
    available = Least(Value(float(capacity)), F("tokens") + (Value(now) - F("updated")) * Value(per_second))
    taken = (
        RateBucket.objects.filter(key=key)
        .alias(available=available)
        .filter(available__gte=1)
        .update(tokens=available - 1, updated=now)
    )
    if taken:
        return 0.0
    try:
        with transaction.atomic():
            RateBucket.objects.create(key=key, tokens=capacity - 1, updated=now)
        return 0.0
    except IntegrityError:
        pass
    bucket = RateBucket.objects.filter(key=key).first()
    if bucket is None:  # deleted by a purge in between: allow rather than refuse a reader
        return 0.0
    have = min(capacity, bucket.tokens + (now - bucket.updated) * per_second)
    return max(1.0, math.ceil((1 - have) / per_second))
