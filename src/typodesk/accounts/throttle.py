"""Login throttling: per account and per client address, with the report API's token buckets.

Only failures take a token (a wrong password, a wrong second-factor code); a successful login
costs nothing. Before a password or code is even checked, both buckets are looked at, and an
empty one refuses the attempt with the time to wait: an attacker cannot keep guessing while
refused. Keys never hold an address or an e-mail in clear: the account's key is a SHA-256 of
the lower-cased e-mail, the address's key is the daily-salted client hash of typodesk.ingest.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings

from typodesk.ingest import ratelimit
from typodesk.ingest.client import client_hash
from typodesk.ingest.models import RateBucket


def _limits() -> tuple[float, float]:
    burst = float(settings.TYPODESK_LOGIN_BURST)
    per_second = float(settings.TYPODESK_LOGIN_PER_MINUTE) / 60.0
    return burst, per_second


def account_key(email: str) -> str:
    return "login:acct:" + hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


def address_key(request) -> str:
    return "login:addr:" + client_hash(request)


def keys(request, email: str | None) -> list[str]:
    out = [address_key(request)]
    if email:
        out.insert(0, account_key(email))
    return out


def _peek(key: str, capacity: float, per_second: float, now: float) -> float:
    """Seconds until the bucket holds a token (0: it holds one), without taking any."""
    client = ratelimit._redis()
    if client is not None:
        prefix = getattr(settings, "TYPODESK_REDIS_PREFIX", "typodesk:")
        tokens, updated = client[1].hmget(f"{prefix}rl:{key}", "tokens", "updated")
        if tokens is None or updated is None:
            return 0.0
        tokens, updated = float(tokens), float(updated)
        # Redis buckets use the Redis server's clock; ours is close enough to say how long to wait.
    else:
        row = RateBucket.objects.filter(key=key).values_list("tokens", "updated").first()
        if row is None:
            return 0.0
        tokens, updated = row
    have = min(capacity, tokens + max(0.0, now - updated) * per_second)
    if have >= 1:
        return 0.0
    return (1 - have) / per_second


def wait_seconds(request, email: str | None) -> int:
    """0 when a login attempt may be checked now, else whole seconds to wait."""
    capacity, per_second = _limits()
    now = time.time()
    wait = max(_peek(k, capacity, per_second, now) for k in keys(request, email))
    return math.ceil(wait) if wait > 0 else 0


def failed(request, email: str | None) -> None:
    """A wrong password or code: take a token from each bucket."""
    capacity, per_second = _limits()
    for key in keys(request, email):
        ratelimit.take(key, capacity, per_second)
