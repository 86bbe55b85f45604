"""Bursts: 500 reports in a minute on one article are a handful of messages per channel, not 500."""

from __future__ import annotations

import pytest

from tests.notify.conftest import drain, report
from typodesk.notify.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def channels(make_channel, receiver, smtp, allow_private):
    return {
        "webhook": make_channel("webhook", receiver.url + "/hook"),
        "chat": make_channel("apprise", f"json://127.0.0.1:{receiver.port}/chat"),
        "email": make_channel("email", "desk@news.example"),
    }


def test_a_burst_of_500_reports_in_a_minute_is_a_bounded_number_of_messages(
    site, channels, receiver, smtp, deliverer, clock
):
    # 400 different mistakes and 100 more reports of the first one, over one minute,
    # with the worker polling all along.
    for i in range(500):
        if i < 400:
            report(site, f"w{i}", start=10 * i, prefix=f"p{i} ", suffix=f" s{i}")
        else:
            report(site, "w0", start=0, prefix="p0 ", suffix=" s0")
        if i % 25 == 0:
            clock.advance(seconds=3)
            drain(deliverer)
    clock.advance(seconds=61)
    drain(deliverer)
    clock.advance(seconds=61)
    drain(deliverer)

    per_channel = {name: Message.objects.filter(channel=c).count() for name, c in channels.items()}
    # The first event at once, the rest of the minute when the window closes; webhooks carry
    # at most 100 events per POST.
    assert per_channel["email"] <= 3 and per_channel["chat"] <= 3, per_channel
    assert per_channel["webhook"] <= 8, per_channel
    assert not Message.objects.exclude(status="sent").exists()

    # The webhook still carries every event, exactly once.
    hooks = [r.json for r in receiver.received() if r.path == "/hook"]
    events = [e for p in hooks for e in (p["data"]["events"] if p["type"] == "batch" else [p])]
    assert len(events) == 500
    assert sum(e["type"] == "finding.created" for e in events) == 400
    assert sum(e["type"] == "finding.reported" for e in events) == 100

    # People get a summary: the findings listed, the rest counted, one link to the inbox.
    big = max(smtp.mails, key=lambda m: len(m.raw))
    subject = big.message["Subject"]
    assert "new findings" in subject, subject
    text = big.part("text/plain")
    assert text.count("Open in the desk:") == 10
    assert "more findings: https://desk.example/desk/?site=" in text


def test_many_reports_of_one_mistake_are_one_line_with_a_count(site, channels, smtp, deliverer, clock):
    report(site)
    drain(deliverer)
    for _ in range(40):
        report(site, suggestion="the")
    clock.advance(seconds=61)
    drain(deliverer)
    first, second = smtp.mails
    assert second.message["Subject"] == "[News Example] 40 more reports: “teh”"
    assert "41 reports in all" in second.part("text/plain")


def test_a_quiet_channel_sends_the_first_event_at_once(site, channels, receiver, deliverer, clock):
    report(site, "first", start=1)
    drain(deliverer)
    assert len([r for r in receiver.received() if r.path == "/hook"]) == 1
    clock.advance(minutes=5)  # quiet for longer than the window
    report(site, "later", start=30)
    drain(deliverer)
    assert len([r for r in receiver.received() if r.path == "/hook"]) == 2
