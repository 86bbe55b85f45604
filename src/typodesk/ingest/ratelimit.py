"""Token buckets: in Redis when ``TYPODESK_REDIS_URL`` is set, else in the database.

When Redis is set but does not answer (stopped, restarting, unreachable), the buckets are taken
from the database instead, so that readers are still limited and never refused for it; Redis is
tried again every ``REDIS_RETRY`` seconds, and used again as soon as it answers. The database's
buckets are separate from Redis's, so each client may send one more burst when the backend
changes, never more. :func:`redis_status` tells /healthz and /metrics which backend is in use.

Both backends refill and take a token in one atomic step, so two server processes (or two
machines) can never both take the last token: the database with one conditional UPDATE, Redis
with one Lua script. No lock is held between a read and a write.

A bucket found empty is also remembered in this process until the moment it will hold a token
again (buckets only refill with time; other processes can only take from them), so a client
flooding the endpoint costs one dictionary look-up per request instead of a database or Redis
round trip, and the answer (seconds to wait) is the same as the backend's.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Least

from typodesk.db import driver_cursor
from typodesk.ingest.models import RateBucket

log = logging.getLogger("typodesk.ingest")

_local = threading.local()

REDIS_RETRY = 5.0  # seconds on the database after Redis failed, before it is tried again
_redis_down_until = 0.0  # monotonic time; 0 while Redis answers


# (key, capacity, per_second) -> Unix time at which the bucket holds one token again.
_empty_until: dict[tuple[str, float, float], float] = {}
_EMPTY_MAX = 100_000  # entries; past that, expired ones are dropped (a flood of distinct clients)
_lock = threading.Lock()


def take(key: str, capacity: float, per_second: float, now: float | None = None) -> float:
    """Take one token from the bucket ``key``; 0 when allowed, else seconds to wait.

    ``capacity`` is the burst a client may send at once, ``per_second`` the
    sustained rate.
    """
    given = now
    now = time.time() if now is None else now
    memo = (key, float(capacity), float(per_second))
    until = _empty_until.get(memo)
    if until is not None:
        if now < until:
            return max(1.0, math.ceil(until - now))
        _empty_until.pop(memo, None)
    group = _local.__dict__.get("group")
    if group is not None:  # only ever set without Redis (grouped.__enter__)
        short = group.take(key, memo[1], memo[2], float(now))
    elif (client := _redis()) is not None and not _redis_resting():
        try:
            short = _take_redis(client, key, capacity, per_second, -1.0 if given is None else now)
        except Exception as exc:  # redis.RedisError, OSError: Redis is away
            _redis_failed(exc)
            short = _take_db(key, capacity, per_second, now)
        else:
            _redis_answered()
    else:
        short = _take_db(key, capacity, per_second, now)
    if short <= 0:
        return 0.0
    with _lock:
        if len(_empty_until) >= _EMPTY_MAX:
            for k in [k for k, t in _empty_until.items() if t <= now]:
                del _empty_until[k]
            if len(_empty_until) >= _EMPTY_MAX:
                _empty_until.clear()
        _empty_until[memo] = now + short
    return max(1.0, math.ceil(short))


def empty_until(key: str, capacity: float, per_second: float) -> float | None:
    """When the bucket, known empty in this process, holds a token again (Unix time), or None."""
    return _empty_until.get((key, float(capacity), float(per_second)))


def reset_local() -> None:
    """Forget the empty buckets remembered in this process (tests; a changed limit)."""
    with _lock:
        _empty_until.clear()


# The database -----------------------------------------------------------------------------

_sql: dict[str, tuple[str, str]] = {}


def _statements(db) -> tuple[str, str]:
    vendor = db.vendor
    if vendor not in _sql:
        table = db.ops.quote_name(RateBucket._meta.db_table)
        least = "LEAST" if vendor == "postgresql" else "MIN"
        mark = "?" if vendor == "sqlite" else "%s"
        avail = f"{least}({mark}, tokens + ({mark} - updated) * {mark})"
        _sql[vendor] = (
            # Refill and take in one statement: the WHERE sees the refilled value.
            f"UPDATE {table} SET tokens = {avail} - 1, updated = {mark} WHERE key = {mark} AND {avail} >= 1",  # noqa: S608
            f"SELECT {avail} FROM {table} WHERE key = {mark}",  # noqa: S608
        )
    return _sql[vendor]


def _take_db(key: str, capacity: float, per_second: float, now: float) -> float:
    """0 when a token was taken, else the exact seconds until the bucket holds one."""
    db = connections[DEFAULT_DB_ALIAS]  # this thread's connection, looked up once
    update, select = _statements(db)
    cap, rate, now = float(capacity), float(per_second), float(now)

    # The driver's own cursor: this runs for every report.
    def take_one() -> bool:
        with driver_cursor(db) as cursor:
            cursor.execute(update, (cap, now, rate, now, key, cap, now, rate))
            return bool(cursor.rowcount)

    if take_one():
        return 0.0
    try:
        with transaction.atomic():
            RateBucket.objects.create(key=key, tokens=capacity - 1, updated=now)
        return 0.0
    except IntegrityError:
        # Another process created the bucket between our UPDATE and our INSERT (both met a
        # new key at once): take from the bucket it made, as if it had been there all along.
        if take_one():
            return 0.0
    with db.cursor() as cursor:
        cursor.execute(select.replace("?", "%s"), [cap, now, rate, key])
        row = cursor.fetchone()
    if row is None:  # deleted by a purge in between: allow rather than refuse a reader
        return 0.0
    have = float(row[0])
    if have >= 1:  # refilled between the statements (another process's clock): one more try
        return 0.0 if take_one() else 1e-9
    return (1 - have) / rate


class grouped:  # noqa: N801 (used as a function: ``with grouped():``)
    """Within this block, inside the caller's transaction, each bucket is read (and locked) once
    and then kept in memory; the buckets that changed are written back when the block ends
    without an exception, before the transaction commits.

    The report writer admits a whole group of reports in one transaction: a flood of reports
    from one reader touches the same three buckets (the reader's, the site's, the server's)
    hundreds of times per commit. Nobody else can write a bucket while the group holds it: on
    SQLite the transaction holds the write lock (``BEGIN IMMEDIATE``); on PostgreSQL the rows
    are locked (``FOR UPDATE``) in the order of their keys, so that two servers' groups wait
    for each other instead of deadlocking, and missing buckets are made first, marked new
    (``updated`` = :data:`NEW`: a full bucket, whatever its capacity). The answers are exactly
    those of :func:`_take_db` report by report, and they commit, or roll back, with the reports.

    With Redis, :func:`take` goes on as outside the block.
    """

    __slots__ = ("buckets", "active")

    def __init__(self):
        # key -> [tokens, updated, known (a row, or taken from in this block), changed]
        self.buckets: dict[str, list] = {}
        self.active = False

    def __enter__(self):
        from django.db import connection

        if getattr(_local, "group", None) is None and _redis() is None:
            if not connection.in_atomic_block:
                raise RuntimeError(
                    "ratelimit.grouped() holds its buckets until the commit: use it in transaction.atomic()"
                )
            _local.group = self
            self.active = True
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self.active:
            return
        _local.group = None
        if exc_type is None:
            self._write()

    def take(self, key: str, capacity: float, per_second: float, now: float) -> float:
        bucket = self.buckets.get(key)
        if bucket is None:
            self.prefetch((key,))
            bucket = self.buckets[key]
        tokens, updated, known, _ = bucket
        have = min(capacity, tokens + (now - updated) * per_second) if known else capacity
        if have >= 1:
            bucket[:] = [have - 1, now, True, True]
            return 0.0
        return (1 - have) / per_second

    def prefetch(self, keys) -> None:
        """Read the buckets ``keys`` not read yet, in one statement per :data:`_GROUP_ROWS` (the
        writer knows a group's keys before admitting it)."""
        if not self.active:
            return
        wanted = sorted(set(k for k in keys if k not in self.buckets))
        if not wanted:
            return
        for cursor, table, chunk, mark, vendor in _bucket_statements(wanted):
            for key in chunk:
                self.buckets[key] = [0.0, 0.0, False, False]
            marks = ", ".join([mark] * len(chunk))
            lock = ""
            if vendor == "postgresql":
                rows = ", ".join([f"({mark}, 0, {NEW})"] * len(chunk))
                insert = (
                    f"INSERT INTO {table} (key, tokens, updated) VALUES {rows} ON CONFLICT (key) DO NOTHING"  # noqa: S608
                )
                cursor.execute(insert, chunk)
                lock = " ORDER BY key FOR UPDATE"
            cursor.execute(f"SELECT key, tokens, updated FROM {table} WHERE key IN ({marks}){lock}", chunk)  # noqa: S608
            for key, tokens, updated in cursor.fetchall():
                self.buckets[key] = [float(tokens), float(updated), updated != NEW, False]

    def _write(self) -> None:
        changed = sorted((k, b) for k, b in self.buckets.items() if b[3])
        if not changed:
            return
        for cursor, table, chunk, mark, _ in _bucket_statements(changed):
            values: list = []
            for k, b in chunk:
                values += (k, b[0], b[1])
            # One statement (executemany would step once per bucket).
            cursor.execute(
                f"INSERT INTO {table} (key, tokens, updated) VALUES "  # noqa: S608
                + ", ".join([f"({mark}, {mark}, {mark})"] * len(chunk))
                + " ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated = excluded.updated",
                values,
            )


# A bucket row made by a grouped block on PostgreSQL to be locked, and never taken from: it is
# as full as a bucket that is not there (a real ``updated`` is a Unix time, never negative).
NEW = -1.0

# Buckets per statement in a grouped block: at most 900 parameters, under the 999 of SQLite
# builds older than 3.32.
_GROUP_ROWS = 300


def _bucket_statements(rows: list):
    """(cursor, quoted bucket table, rows of one statement, the driver's placeholder, vendor) for
    each :data:`_GROUP_ROWS` of ``rows``: one connection and table look-up for a grouped block."""
    db = connections[DEFAULT_DB_ALIAS]
    table = db.ops.quote_name(RateBucket._meta.db_table)
    mark = "?" if db.vendor == "sqlite" else "%s"
    with driver_cursor(db) as cursor:
        for start in range(0, len(rows), _GROUP_ROWS):
            yield cursor, table, rows[start : start + _GROUP_ROWS], mark, db.vendor


# Redis --------------------------------------------------------------------------------------

# KEYS[1] the bucket; ARGV capacity, per_second, now (negative: Redis's own clock, the same for
# every server), TTL in seconds. Returns "0" when a token was taken, else the seconds to wait.
_LUA = """
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local b = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(b[1])
local updated = tonumber(b[2])
local have = cap
if tokens ~= nil and updated ~= nil then
  have = math.min(cap, tokens + (now - updated) * rate)
end
if have >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(have - 1), 'updated', tostring(now))
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
  return '0'
end
return tostring((1 - have) / rate)
"""

_client_lock = threading.Lock()
_client: tuple[str, object, object] | None = None  # (url, redis client, registered script)


def _redis():
    """The Redis client for ``TYPODESK_REDIS_URL``, or None when it is not set."""
    global _client
    url = getattr(settings, "TYPODESK_REDIS_URL", "")
    if not url:
        return None
    current = _client
    if current is not None and current[0] == url:
        return current
    with _client_lock:
        if _client is None or _client[0] != url:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            _client = (url, client, client.register_script(_LUA))
        return _client


def _redis_resting() -> bool:
    """True while Redis failed less than REDIS_RETRY seconds ago (the database stands in)."""
    return _redis_down_until > 0 and time.monotonic() < _redis_down_until


def _redis_failed(exc: Exception) -> None:
    global _redis_down_until
    with _client_lock:
        first = _redis_down_until == 0
        _redis_down_until = time.monotonic() + REDIS_RETRY
    if first:
        log.warning("Redis does not answer (%s): rate limits are kept in the database until it does", exc)


def _redis_answered() -> None:
    global _redis_down_until
    if _redis_down_until:
        with _client_lock:
            was, _redis_down_until = _redis_down_until, 0.0
        if was:
            log.warning("Redis answers again: rate limits are kept in Redis")


def redis_status() -> str | None:
    """None when no Redis is set; "ok" when it answers a PING now, else "unreachable" (the
    rate limits then use the database). Asks Redis, so any server process gives the same answer."""
    client = _redis()
    if client is None:
        return None
    try:
        client[1].ping()
    except Exception:
        return "unreachable"
    return "ok"


def _take_redis(client, key: str, capacity: float, per_second: float, now: float) -> float:
    _, _, script = client
    prefix = getattr(settings, "TYPODESK_REDIS_PREFIX", "typodesk:")
    # A full bucket and a missing one are the same: keep it as long as it takes to refill.
    ttl = max(1, math.ceil(float(capacity) / float(per_second)) + 1) if per_second > 0 else 86400
    out = script(keys=[f"{prefix}rl:{key}"], args=[float(capacity), float(per_second), now, ttl])
    return float(out)


# KEYS[1] the bucket, ARGV[1] its capacity: one token back, never above the capacity, and only
# into a bucket that still exists (one that expired is full already).
_GIVE_BACK_LUA = """
local tokens = redis.call('HGET', KEYS[1], 'tokens')
if tokens then
  redis.call('HSET', KEYS[1], 'tokens', tostring(math.min(tonumber(ARGV[1]), tonumber(tokens) + 1)))
end
return 0
"""


def give_back(key: str, capacity: float) -> None:
    """One token back into the bucket ``key`` (a login that turned out right costs nothing)."""
    client = _redis()
    if client is not None:
        prefix = getattr(settings, "TYPODESK_REDIS_PREFIX", "typodesk:")
        client[1].eval(_GIVE_BACK_LUA, 1, f"{prefix}rl:{key}", float(capacity))
        return
    RateBucket.objects.filter(key=key).update(tokens=Least(F("tokens") + 1, Value(float(capacity))))
