"""Login throttling: per account and per client address, with the report API's token buckets.

Every attempt takes a token from both buckets *before* the password or code is checked, in
the buckets' one atomic step (a conditional UPDATE in the database, a Lua script in Redis:
``ingest.ratelimit.take``). Twenty wrong passwords sent at the same moment, to one server
process or to several, therefore meet a bucket that holds ten tokens: ten are checked, the
others are refused with the time to wait, however the requests interleave. Looking at the
bucket first and taking a token only after a failure would let all twenty through, since each
would look before any had failed.

A right password or code gives its tokens back (:func:`succeeded`): a successful login costs
nothing. Keys never hold an address or an e-mail in clear: the account's key is a SHA-256 of
the lower-cased e-mail, the address's key is the daily-salted client hash of typodesk.ingest.
"""

from __future__ import annotations

import hashlib
import math

from django.conf import settings

from typodesk.ingest import ratelimit
from typodesk.ingest.client import client_hash


def _limits() -> tuple[float, float]:
    burst = float(settings.TYPODESK_LOGIN_BURST)
    per_second = float(settings.TYPODESK_LOGIN_PER_MINUTE) / 60.0
    return burst, per_second


def account_key(email: str) -> str:
    return "login:acct:" + hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


def address_key(request) -> str:
    return "login:addr:" + client_hash(request)


def keys(request, email: str | None) -> list[str]:
    """The address's bucket first: a client refused there does not touch the account's."""
    out = [address_key(request)]
    if email:
        out.append(account_key(email))
    return out


def take(request, email: str | None) -> int:
    """Take a token from each bucket before an attempt is checked.

    0 when the attempt may be checked now; else whole seconds to wait, and nothing is taken
    (a token already taken from the address's bucket is given back)."""
    capacity, per_second = _limits()
    taken: list[str] = []
    for key in keys(request, email):
        wait = ratelimit.take(key, capacity, per_second)
        if wait > 0:
            for done in taken:
                ratelimit.give_back(done, capacity)
            return max(1, math.ceil(wait))
        taken.append(key)
    return 0


def succeeded(request, email: str | None) -> None:
    """The attempt was right: give back the tokens :func:`take` took for it."""
    capacity, _ = _limits()
    for key in keys(request, email):
        ratelimit.give_back(key, capacity)
