"""Counting refused reports by site, day and reason, cheaply enough to survive a flood.

:func:`record` only adds to a counter in memory (it is called from the event loop, where no
query may run); :func:`flush` adds the sums to :class:`~typodesk.ingest.models.Refusal` rows
with one UPDATE per (site, day, reason). Three things in the server process flush: its report
writer's thread every ``FLUSH_EVERY`` seconds (typodesk.ingest.writer; the thread starts with the
process's first accepted report), the desk's protection page and /metrics when that process
answers them, and the process itself when it stops (the lifespan shutdown of
typodesk.ingest.endpoint). The background worker never does. A process killed between flushes
loses those counts; never a report.

Reasons are short words: ``rate_client``, ``rate_site``, ``rate_global``, ``unknown_site``,
``domain``, ``origin``, ``bad_body``, ``too_large``, ``honeypot``, ``too_fast``, ``pow``,
``blocked``, … (whoever refuses picks the word; the desk and /metrics show them as they are).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

FLUSH_EVERY = 2.0

_lock = threading.Lock()
_pending: Counter[tuple[int | None, date, str]] = Counter()
_last_flush = time.monotonic()


def record(site_id: int | None, reason: str, n: int = 1) -> None:
    """Count ``n`` refusals of ``reason`` for the site (None: no known site); memory only."""
    key = (site_id, timezone.now().date(), reason[:20])
    with _lock:
        _pending[key] += n


def flush(due_only: bool = False) -> int:
    """Write the counted refusals to the database; returns how many were written.
    ``due_only``: only when the last flush is ``FLUSH_EVERY`` seconds old."""
    global _last_flush
    with _lock:
        if due_only and time.monotonic() - _last_flush < FLUSH_EVERY:
            return 0
        _last_flush = time.monotonic()
        batch = dict(_pending)
        _pending.clear()
    written = 0
    items = list(batch.items())
    for i, ((site_id, day, reason), n) in enumerate(items):
        try:
            _add(site_id, day, reason, n)
            written += n
        except IntegrityError:
            pass  # the site was deleted meanwhile: its counts go with it
        except Exception:
            with _lock:  # the database is busy or down: keep the counts for the next flush
                for key, m in items[i:]:
                    _pending[key] += m
            raise
    return written


def discard() -> None:
    """Forget counts not yet written (tests start from nothing)."""
    with _lock:
        _pending.clear()


def _add(site_id: int | None, day: date, reason: str, n: int) -> None:
    from typodesk.ingest.models import Refusal
    from typodesk.sites.models import Site

    rows = Refusal.objects.filter(site_id=site_id, day=day, reason=reason)
    if rows.update(count=F("count") + n):
        return
    if site_id is not None and not Site.objects.filter(pk=site_id).exists():
        return  # deleted meanwhile
    try:
        with transaction.atomic():
            Refusal.objects.create(site_id=site_id, day=day, reason=reason, count=n)
    except IntegrityError:  # another process created the row in between
        rows.update(count=F("count") + n)


def totals(site=None, since: date | None = None) -> dict[str, int]:
    """Refusals per reason (flushed ones), for one site or all, from ``since`` on; most first."""
    from typodesk.ingest.models import Refusal

    rows = Refusal.objects.all()
    if site is not None:
        rows = rows.filter(site=site)
    if since is not None:
        rows = rows.filter(day__gte=since)
    sums = rows.values("reason").annotate(n=Sum("count")).order_by("-n", "reason")
    return {r["reason"]: r["n"] for r in sums}
