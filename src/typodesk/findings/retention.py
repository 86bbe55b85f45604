"""The retention purge: closed findings older than their site's retention period are deleted.

A site owner sets "days to keep closed findings" (``Site.retention_days``; empty keeps them
forever). A finding counts as closed when its status is fixed, not a mistake (rejected), spam or
duplicate, and its age is measured from the moment it was closed (``status_changed``). The
worker runs :class:`RetentionPurge` like its other jobs: each tick deletes at most one batch
of findings (their reports, history and the rest go with them), so a site that just switched
retention on for years of data is worked off in many short transactions that never hold the
database for long. Between sweeps the job waits (``interval``): the purge is housekeeping, not
something to poll every second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from typodesk.findings.models import Finding, Report
from typodesk.sites.models import Site

log = logging.getLogger("typodesk.retention")

CLOSED = (
    Finding.Status.FIXED,
    Finding.Status.REJECTED,
    Finding.Status.SPAM,
    Finding.Status.DUPLICATE,
)


def expired(site: Site, now=None):
    """The site's findings that are past its retention period (none when it keeps them forever)."""
    if site.retention_days is None:
        return Finding.objects.none()
    now = now or timezone.now()
    cutoff = now - timedelta(days=site.retention_days)
    return Finding.objects.filter(site=site, status__in=CLOSED, status_changed__lt=cutoff)


def purge_batch(site: Site, batch: int, now=None) -> int:
    """Delete up to ``batch`` expired findings of the site with their reports; returns how many."""
    ids = list(expired(site, now).order_by("status_changed", "id").values_list("id", flat=True)[:batch])
    if not ids:
        return 0
    with transaction.atomic():
        # Reports first, in one statement, rather than one DELETE per row through the cascade.
        Report.objects.filter(finding_id__in=ids).delete()
        # Findings that point at these as the "duplicate of": the link goes, they stay.
        Finding.objects.filter(duplicate_of_id__in=ids).update(duplicate_of=None)
        deleted, _ = Finding.objects.filter(id__in=ids).delete()
    return len(ids) if deleted else 0


class RetentionPurge:
    """A worker job: ``tick()`` deletes one batch of expired findings and returns how many."""

    def __init__(
        self,
        batch: int = 500,
        interval: float = 300.0,
        stopping: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.monotonic,
        now: Callable = timezone.now,
    ):
        self.batch = batch
        self.interval = interval
        self.stopping = stopping
        self.clock = clock
        self.now = now
        self._next_sweep = 0.0  # monotonic time of the next look for expired findings
        self._todo: list[int] = []  # sites that may still have expired findings this sweep

    def tick(self) -> int:
        if not self._todo:
            if self.clock() < self._next_sweep:
                return 0
            self._next_sweep = self.clock() + self.interval
            self._todo = list(
                Site.objects.filter(retention_days__isnull=False).order_by("pk").values_list("pk", flat=True)
            )
        while self._todo and not self.stopping():
            site = Site.objects.filter(pk=self._todo[0]).first()
            done = purge_batch(site, self.batch, self.now()) if site is not None else 0
            if done < self.batch:
                self._todo.pop(0)  # nothing more to purge on this site in this sweep
            if done:
                log.info("retention: deleted %d closed findings of site %s", done, site.public_key)
                return done
        return 0
