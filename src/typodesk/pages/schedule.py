"""When a page is read: after a new finding, after "mark fixed", on demand, and on a schedule.

Every reason comes down to one column, ``PageCheck.due_at``, which only ever moves *earlier* when
something asks for a check (``schedule``): a request never postpones a reading that is already
due sooner. After a reading the worker sets the next scheduled time (:func:`next_due`).

The schedule backs off with age: a page is read again after a twenty-fourth of the age of its
most recent activity (report or status change) on a finding still to check, between
``TYPODESK_RECHECK_MIN`` (1 h) and ``TYPODESK_RECHECK_MAX`` (7 days). A finding reported an hour
ago is checked hourly, one from last week every seven hours, one from last year weekly: fixes
come soon after reports or not for a long time, and an old page should not cost the site a
request an hour forever. Failed readings are retried with their own backoff (:func:`retry_due`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from typodesk.findings.models import Finding, Page
from typodesk.pages.models import PageCheck

#: The first retry of a failed reading; doubles with each failure up to the schedule's maximum.
RETRY_FIRST = timedelta(minutes=5)


def checkable(page_or_id) -> Q:
    """Findings a reading can change: open ones, and those marked fixed that nobody verified yet."""
    page_id = getattr(page_or_id, "pk", page_or_id)
    return Q(page_id=page_id) & (
        Q(status__in=Finding.OPEN_STATUSES)
        | Q(status=Finding.Status.FIXED, verification=Finding.Verification.NONE)
    )


def schedule(page: Page, *, delay: float = 0, reason: str = PageCheck.Reason.REPORT, root: str = "") -> None:
    """Ask for a reading of ``page`` within ``delay`` seconds (sooner if one is already due sooner).

    Safe inside any transaction and under concurrency: the row is created with ``ON CONFLICT DO
    NOTHING`` semantics and moved with one conditional UPDATE, so it never raises IntegrityError
    into the caller's transaction (record_report runs it inside its own).
    """
    due = timezone.now() + timedelta(seconds=max(0.0, delay))
    PageCheck.objects.bulk_create(
        [PageCheck(page=page, due_at=due, reason=reason, root=root[:200])], ignore_conflicts=True
    )
    if root:
        PageCheck.objects.filter(page=page).exclude(root=root[:200]).update(root=root[:200])
    PageCheck.objects.filter(page=page).filter(Q(due_at=None) | Q(due_at__gt=due)).update(
        due_at=due, reason=reason
    )


def schedule_now(page: Page, reason: str) -> int:
    """An editor asks for a reading now; returns how many findings it can change (0: not scheduled)."""
    count = Finding.objects.filter(checkable(page)).count()
    if count:
        schedule(page, delay=0, reason=reason)
    return count


def next_due(page_id: int, now: datetime | None = None) -> datetime | None:
    """The next scheduled reading after a successful one; None when nothing is left to check."""
    now = now or timezone.now()
    latest = Finding.objects.filter(checkable(page_id)).aggregate(
        reported=Max("last_reported"), changed=Max("status_changed")
    )
    if latest["reported"] is None:
        return None
    activity = max(t for t in (latest["reported"], latest["changed"]) if t is not None)
    return now + interval(now - activity)


def interval(age: timedelta) -> timedelta:
    """A twenty-fourth of the age, within the configured minimum and maximum."""
    low = timedelta(seconds=settings.TYPODESK_RECHECK_MIN)
    high = timedelta(seconds=max(settings.TYPODESK_RECHECK_MAX, settings.TYPODESK_RECHECK_MIN))
    return min(high, max(low, age / 24))


def retry_due(failures: int, page_id: int, now: datetime | None = None) -> datetime | None:
    """After ``failures`` failed readings in a row: 5 min, 10, 20, … never later than the schedule."""
    now = now or timezone.now()
    scheduled = next_due(page_id, now)
    if scheduled is None:
        return None
    backoff = RETRY_FIRST * (2 ** min(max(failures - 1, 0), 16))
    return min(scheduled, now + backoff)


def recheck_url(site, url: str, *, delay: float = 0, reason: str = PageCheck.Reason.API) -> tuple[str, int]:
    """A reading of the page at ``url`` (any form a reader's browser had) if it has findings to check.

    Returns the normalised URL and how many findings the reading can change (0: nothing scheduled;
    a CMS calls this after every edit, most pages have no findings).
    """
    from typodesk.findings.urlnorm import normalize_url

    page_url = normalize_url(url)
    page = Page.objects.filter(site=site, url_hash=Page.hash_url(page_url)).first()
    if page is None:
        return page_url, 0
    count = Finding.objects.filter(checkable(page)).count()
    if count:
        schedule(page, delay=delay, reason=reason)
    return page_url, count
