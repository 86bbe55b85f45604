"""Writing notifications in the transaction of the event that causes them (the outbox).

Orphus's users' top complaint was "the reader saw thank-you but no mail
arrived": the mail was sent (or not) while the report was stored, and any
failure in between lost it. Here the report and its notifications commit
together or not at all, and the worker delivers them afterwards, retrying as
long as it takes. Call these functions *inside* the transaction that records
the event; they only insert rows, never talk to the network.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from typodesk.notify.models import Channel, Event, Notification


def emit(site_id: int, event: str, build_data: Callable[[], dict], when: datetime | None = None) -> int:
    """Queue ``event`` for every channel of the site that subscribes to it; returns how many rows.

    ``build_data`` is only called when some channel wants the event, so a site
    without channels pays one query per report and nothing more. Paused channels
    queue too: their notifications leave (grouped) when an owner resumes them.
    """
    if event not in Event.values:
        raise ValueError(f"unknown event {event!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notifications must be written inside the transaction of their event")
    channels = [c for c in Channel.objects.filter(site_id=site_id) if c.subscribes_to(event)]
    if not channels:
        return 0
    when = when or timezone.now()
    data = build_data()
    rows = []
    for channel in channels:
        for mode in channel.modes():
            due = when if mode == Notification.Mode.IMMEDIATE else next_digest(channel, when)
            rows.append(
                Notification(channel=channel, event=event, mode=mode, data=data, created=when, due_at=due)
            )
    Notification.objects.bulk_create(rows)
    return len(rows)


def next_digest(channel: Channel, after: datetime) -> datetime:
    """The next ``digest_hour``:00 in the channel's time zone strictly after ``after``."""
    try:
        tz = ZoneInfo(channel.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    local = after.astimezone(tz)
    for days in range(3):
        candidate = datetime.combine(
            local.date() + timedelta(days=days), time(channel.digest_hour % 24), tzinfo=tz
        )
        if candidate > local:
            return candidate.astimezone(ZoneInfo("UTC"))
    raise AssertionError("unreachable")


def finding_snapshot(finding, report=None, by=None, extra: dict | None = None) -> dict:
    """What messages say about a finding: a copy of its state now, as JSON."""
    page = finding.page
    site = finding.site
    data = {
        "site": {"key": site.public_key, "name": site.name},
        "finding": {
            "id": finding.pk,
            "status": finding.status,
            "report_count": finding.report_count,
            "exact": finding.exact,
            "prefix": finding.prefix,
            "suffix": finding.suffix,
            "start": finding.start,
            "end": finding.end,
            "created": _iso(finding.created),
            "last_reported": _iso(finding.last_reported),
        },
        "page": {"url": page.url, "title": page.title, "lang": page.lang},
        "report": None,
        "by": getattr(by, "email", None) if by is not None else None,
    }
    if report is not None:
        data["report"] = {
            "id": report.pk,
            "created": _iso(report.created),
            "url": report.url,
            "lang": report.lang,
            "suggestion": report.suggestion,
            "comment": report.comment,
        }
    if extra:
        data.update(extra)
    return data


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


# The calls the rest of typodesk makes ------------------------------------------------


def report_recorded(finding, report, *, duplicate: bool, previous_status: str | None, when=None) -> int:
    """A reader's report was stored (findings.services.record_report)."""
    from typodesk.findings.models import Finding

    if not duplicate:
        event = Event.CREATED
    elif previous_status == Finding.Status.FIXED:
        event = Event.REOPENED
    elif previous_status in Finding.OPEN_STATUSES:
        event = Event.REPORTED
    else:
        return 0  # a report on a finding marked spam or not a mistake: nobody wants a ping
    return emit(finding.site_id, event, lambda: finding_snapshot(finding, report), when)


def status_changed(finding, new_status: str, user=None, when=None) -> int:
    """An editor changed a finding's status (findings.services.set_status)."""
    from typodesk.findings.models import Finding

    if new_status != Finding.Status.FIXED:
        return 0

    def build() -> dict:
        data = finding_snapshot(finding, by=user)
        data["finding"]["status"] = new_status  # the caller updates its object after the transaction
        return data

    return emit(finding.site_id, Event.FIXED, build, when)


def fix_checked(finding, verified: bool, details: dict | None = None, when=None) -> int:
    """The fix-verification job re-read the page: the fix is there (verified) or not found.

    ``details`` (e.g. ``{"checked_url": …, "http_status": …}``) travel in the
    payload under ``"verification"``.
    """
    event = Event.FIX_VERIFIED if verified else Event.FIX_NOT_FOUND
    extra = {"verification": details or {}}
    return emit(finding.site_id, event, lambda: finding_snapshot(finding, extra=extra), when)
