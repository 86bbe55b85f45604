"""The outbox: notifications are written in the transaction of the event that causes them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from tests.notify.conftest import report
from typodesk.findings.models import Report
from typodesk.findings.services import set_status
from typodesk.notify import outbox
from typodesk.notify.models import Channel, Event, Notification

pytestmark = pytest.mark.django_db


def events_of(channel) -> list[str]:
    return list(Notification.objects.filter(channel=channel).order_by("pk").values_list("event", flat=True))


def test_a_new_finding_queues_one_notification_per_channel_with_a_snapshot(site, make_channel):
    hook = make_channel("webhook", "https://cms.example/hook")
    chat = make_channel("apprise", "ntfys://ntfy.example/typos")
    r = report(site, suggestion="the", comment="in the second paragraph")
    for channel in (hook, chat):
        (n,) = Notification.objects.filter(channel=channel)
        assert n.event == Event.CREATED and n.mode == "immediate" and n.message is None
        assert n.data["finding"]["exact"] == "teh" and n.data["finding"]["id"] == r.finding.pk
        assert n.data["finding"]["prefix"] == "It was " and n.data["finding"]["suffix"] == " best of times"
        assert (
            n.data["report"]["suggestion"] == "the"
            and n.data["report"]["comment"] == "in the second paragraph"
        )
        assert n.data["page"] == {"url": "https://news.example/story", "title": "A story", "lang": ""}
        assert n.data["site"] == {"key": site.public_key, "name": "News Example"}


def test_each_event_reaches_the_channels_that_chose_it(site, make_channel, owner):
    everything = make_channel("webhook", "https://cms.example/all")
    only_new = make_channel("webhook", "https://cms.example/new", events=["new"])
    only_fixed = make_channel("webhook", "https://cms.example/fixed", events=["fixed"])

    f = report(site).finding  # a new finding
    report(site)  # another report while it is open
    set_status(f, "fixed", owner)  # fixed by an editor
    report(site)  # a reader still sees it: reopened
    set_status(f, "spam", owner)
    report(site)  # reports on spam are nobody's business

    assert events_of(everything) == [Event.CREATED, Event.REPORTED, Event.FIXED, Event.REOPENED]
    assert events_of(only_new) == [Event.CREATED, Event.REOPENED]
    assert events_of(only_fixed) == [Event.FIXED]
    fixed = Notification.objects.get(channel=only_fixed)
    assert fixed.data["by"] == "owner@news.example" and fixed.data["finding"]["status"] == "fixed"


def test_fix_verification_results_are_events_too(site, make_channel):
    channel = make_channel("webhook", "https://cms.example/hook", events=["verification"])
    f = report(site).finding
    with transaction.atomic():
        outbox.fix_checked(f, verified=True, details={"checked_url": "https://news.example/story"})
        outbox.fix_checked(f, verified=False)
    assert events_of(channel) == [Event.FIX_VERIFIED, Event.FIX_NOT_FOUND]
    assert Notification.objects.filter(channel=channel).first().data["verification"] == {
        "checked_url": "https://news.example/story"
    }


def test_notifications_commit_with_the_report_or_not_at_all(site, make_channel, monkeypatch):
    make_channel("webhook", "https://cms.example/hook")

    # The report's transaction fails after the notification was written: neither stays.
    with pytest.raises(RuntimeError), transaction.atomic():
        report(site, "lost")
        assert Notification.objects.count() == 1
        raise RuntimeError("the request died")
    assert Notification.objects.count() == 0 and not Report.objects.filter(exact="lost").exists()

    # Writing the notification fails: the report is not stored either (the reader gets an
    # error and can send again, instead of a thank-you for a report nobody hears of).
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Notification.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        report(site, "also lost")
    assert not Report.objects.filter(exact="also lost").exists()


@pytest.mark.django_db(transaction=True)
def test_the_outbox_refuses_to_write_outside_a_transaction(site, make_channel):
    make_channel("webhook", "https://cms.example/hook")
    f = report(site).finding
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.fix_checked(f, verified=True)


def test_a_paused_channel_keeps_queueing(site, make_channel):
    from django.utils import timezone

    channel = make_channel(
        "webhook", "https://cms.example/hook", paused_at=timezone.now(), paused_reason="test"
    )
    report(site)
    assert events_of(channel) == [Event.CREATED]


def test_a_site_without_channels_writes_no_notifications(site, make_site, make_channel):
    other = make_site(name="Other", domains=["other.example"])
    make_channel("webhook", "https://cms.example/hook", site=other)
    report(site)
    assert Notification.objects.count() == 0


def test_digest_notifications_are_due_at_the_chosen_hour_in_the_channel_time_zone(site, make_channel):
    channel = make_channel(
        "email", "desk@news.example", immediate=True, digest=True, digest_hour=9, time_zone="Asia/Baku"
    )
    report(site)
    modes = sorted(Notification.objects.filter(channel=channel).values_list("mode", flat=True))
    assert modes == ["digest", "immediate"]

    # 10:00 in Baku (UTC+4) is past 09:00: the next digest is tomorrow 09:00 Baku = 05:00 UTC.
    at = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    assert outbox.next_digest(channel, at) == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    # 08:59 in Baku: today.
    assert outbox.next_digest(channel, datetime(2026, 3, 1, 4, 59, tzinfo=UTC)) == datetime(
        2026, 3, 1, 5, 0, tzinfo=UTC
    )
    # Exactly 09:00 has just been sent: the next one is tomorrow.
    assert outbox.next_digest(channel, datetime(2026, 3, 1, 5, 0, tzinfo=UTC)) == datetime(
        2026, 3, 2, 5, 0, tzinfo=UTC
    )
    # Daylight saving time: Berlin at 08:00 local is 06:00 UTC in summer, 07:00 in winter.
    channel.time_zone, channel.digest_hour = "Europe/Berlin", 8
    assert outbox.next_digest(channel, datetime(2026, 7, 1, 0, 0, tzinfo=UTC)).hour == 6
    assert outbox.next_digest(channel, datetime(2026, 1, 1, 0, 0, tzinfo=UTC)).hour == 7


def test_only_email_channels_have_a_digest(site, make_channel):
    hook = make_channel("webhook", "https://cms.example/hook", digest=True, immediate=False)
    assert hook.modes() == ["immediate"]
    mail = make_channel("email", "a@news.example", digest=True, immediate=False)
    assert mail.modes() == ["digest"]
    assert Channel.objects.count() == 2
