"""Webhook channels, against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import pytest

from tests.notify.conftest import drain, report
from typodesk.notify.models import Attempt, Channel, Message

pytestmark = pytest.mark.django_db


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's side of Standard Webhooks, written from the spec (not from typodesk's code)."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, sig.split(",", 1)[1])
        for sig in headers["webhook-signature"].split(" ")
        if sig.startswith("v1,")
    )


@pytest.fixture
def hook(make_channel, receiver, allow_private):
    return make_channel("webhook", receiver.url + "/typodesk")


def test_each_event_is_a_json_post_signed_per_standard_webhooks(site, hook, receiver, deliverer):
    f = report(site, suggestion="the", comment="<b>bold</b>").finding
    before = int(time.time())
    drain(deliverer)
    after = time.time()

    (req,) = receiver.received()
    assert req.path == "/typodesk" and req.headers["content-type"] == "application/json"
    assert verify(hook.secret, req.headers, req.body)
    assert req.headers["webhook-id"] == Message.objects.get().uid
    assert before <= int(req.headers["webhook-timestamp"]) <= after  # the time it was sent
    assert not verify("whsec_" + base64.b64encode(b"another secret!!").decode(), req.headers, req.body)
    assert not verify(hook.secret, req.headers, req.body.replace(b"teh", b"the"))

    event = req.json
    assert event["type"] == "finding.created"
    assert event["data"]["site"] == {"key": site.public_key, "name": "News Example"}
    finding = event["data"]["finding"]
    assert finding["id"] == f.pk and finding["status"] == "new" and finding["report_count"] == 1
    assert (finding["exact"], finding["prefix"], finding["suffix"]) == ("teh", "It was ", " best of times")
    assert (finding["start"], finding["end"]) == (7, 10)
    assert finding["desk_url"] == f"https://desk.example/desk/findings/{f.pk}/"
    assert event["data"]["page"]["url"] == "https://news.example/story"
    # Machines get exactly what the reader sent; escaping is the receiver's job, as documented.
    assert (
        event["data"]["report"]["suggestion"] == "the" and event["data"]["report"]["comment"] == "<b>bold</b>"
    )


def test_a_server_error_is_retried_with_the_same_webhook_id(site, hook, receiver, deliverer, clock):
    receiver.statuses = [503, 500]
    report(site)
    drain(deliverer)
    message = Message.objects.get()
    assert message.status == "pending" and message.attempts == 1 and "HTTP 503" in message.last_error
    for _ in range(2):
        clock.now = Message.objects.get().next_attempt_at
        drain(deliverer)
    (req,) = receiver.received()
    assert req.headers["webhook-id"] == message.uid and verify(hook.secret, req.headers, req.body)
    assert [a.result for a in Attempt.objects.order_by("pk")] == ["HTTP 503", "HTTP 500", "HTTP 200"]
    assert Message.objects.get().status == "sent"


def test_429_waits_at_least_as_long_as_retry_after_says(site, hook, receiver, deliverer, clock):
    receiver.statuses = [429]
    receiver.headers = {"Retry-After": "600"}
    report(site)
    drain(deliverer)
    assert Message.objects.get().next_attempt_at - clock.now >= timedelta(seconds=600)
    assert not Attempt.objects.get().permanent


def test_a_4xx_answer_is_permanent_and_marks_the_channel(site, hook, receiver, deliverer, clock):
    receiver.status = 404
    report(site)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert attempt.permanent and attempt.result == "HTTP 404"
    hook.refresh_from_db()
    assert hook.last_error.startswith("HTTP 404") and hook.paused_at is None
    clock.advance(hours=30)
    drain(deliverer)
    assert Attempt.objects.count() == 1


def test_a_channel_that_keeps_failing_is_paused_and_nothing_is_lost(site, hook, receiver, deliverer, clock):
    receiver.status = 410
    for i in range(3):
        report(site, f"word{i}", start=i * 10)
        drain(deliverer)
        clock.advance(seconds=61)
    hook.refresh_from_db()
    assert hook.paused_at is not None and "3 messages in a row failed" in hook.paused_reason
    assert "HTTP 410" in hook.paused_reason

    report(site, "while paused", start=100)  # still queued
    clock.advance(seconds=61)
    drain(deliverer)
    assert Attempt.objects.count() == 3  # a paused channel is not tried

    from typodesk.notify.delivery import resume

    receiver.status = 200  # the owner fixed the receiver
    assert resume(hook, clock.now) == 3
    drain(deliverer)
    clock.advance(seconds=61)
    drain(deliverer)
    exacts = []
    for req in receiver.received():
        events = req.json["data"]["events"] if req.json["type"] == "batch" else [req.json]
        exacts += [e["data"]["finding"]["exact"] for e in events]
    assert sorted(exacts) == ["while paused", "word0", "word1", "word2"]


def test_temporary_failures_are_retried_for_24_hours_then_the_channel_is_paused(
    site, hook, receiver, deliverer, clock
):
    receiver.status = 502
    report(site)
    start = clock.now
    for _ in range(100):
        drain(deliverer)
        message = Message.objects.get()
        if message.status != "pending":
            break
        clock.now = message.next_attempt_at
    attempts = list(Attempt.objects.order_by("at"))
    assert message.status == "failed" and "gave up after retrying for 24 hours" in message.last_error
    assert attempts[-1].at - start >= timedelta(hours=24)
    assert 25 <= len(attempts) <= 40  # exponential up to an hour, then hourly
    gaps = [(b.at - a.at).total_seconds() for a, b in zip(attempts, attempts[1:], strict=False)]
    assert 24 <= gaps[0] <= 36 and 48 <= gaps[1] <= 72 and max(gaps) <= 3600 * 1.2
    hook.refresh_from_db()
    assert hook.paused_at is not None and "gave up" in hook.paused_reason


def test_a_timeout_is_temporary(site, hook, receiver, deliverer, monkeypatch):
    import httpx

    from typodesk.notify import webhook

    monkeypatch.setattr(webhook, "TIMEOUT", httpx.Timeout(0.3))
    receiver.delay = 1.0
    report(site)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert not attempt.ok and not attempt.permanent and attempt.result == "timeout"


def test_307_and_308_are_followed_a_few_times_301_to_303_are_not(site, hook, receiver, deliverer, clock):
    receiver.statuses = [307, 308]
    receiver.headers = {"Location": "/moved"}
    report(site, "one", start=1)
    drain(deliverer)
    (req,) = receiver.received()
    assert req.path == "/moved" and req.json["data"]["finding"]["exact"] == "one"
    assert verify(hook.secret, req.headers, req.body)

    receiver.statuses = [307, 307, 307, 307]
    clock.advance(seconds=61)
    report(site, "two", start=20)
    drain(deliverer)
    attempt = Attempt.objects.latest("pk")
    assert attempt.permanent and "more than 3 redirects" in attempt.error

    receiver.statuses = [302]
    clock.advance(seconds=61)
    report(site, "three", start=40)
    drain(deliverer)
    attempt = Attempt.objects.latest("pk")
    assert attempt.permanent and "use the final URL" in attempt.error


def test_private_addresses_are_refused_unless_the_admin_allows_them(site, make_channel, receiver, deliverer):
    # No allow_private here: the default.
    channel = make_channel("webhook", receiver.url + "/typodesk")
    report(site)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert attempt.permanent and attempt.result == "private address refused"
    assert "127.0.0.1" in attempt.error and "TYPODESK_ALLOW_PRIVATE_TARGETS" in attempt.error
    assert receiver.received() == [] and receiver.refused == 0  # not even a connection
    channel.refresh_from_db()
    assert "private" in channel.last_error


@pytest.mark.parametrize(
    "address, public",
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
    ],
)
def test_which_addresses_count_as_private(address, public):
    from typodesk.net.netguard import is_public

    assert is_public(address) is public


def test_the_guard_also_covers_connections_made_by_libraries(receiver):
    """Redirects, retries, DNS answers that change: the check is made when the socket opens."""
    import httpx

    from typodesk.net import netguard

    with netguard.guarded() as guard, pytest.raises(httpx.ConnectError):
        httpx.post(receiver.url + "/", timeout=2)
    assert guard["blocked"] == "127.0.0.1"
    # Outside the guarded block (the web server, the database, the admin's SMTP relay): untouched.
    assert httpx.post(receiver.url + "/", timeout=2).status_code == 200


def test_a_burst_of_events_in_one_grouping_window_is_one_signed_batch(site, hook, receiver, deliverer, clock):
    report(site, "first", start=1)
    drain(deliverer)
    for i in range(5):
        report(site, f"w{i}", start=20 + i * 10)
    report(site, "first", start=1)  # another report of the first finding
    drain(deliverer)
    assert len(receiver.received()) == 1  # the window is open: they wait
    clock.advance(seconds=61)
    drain(deliverer)
    first, batch = receiver.received()
    assert first.json["type"] == "finding.created"
    assert batch.json["type"] == "batch" and verify(hook.secret, batch.headers, batch.body)
    types = [e["type"] for e in batch.json["data"]["events"]]
    assert types == ["finding.created"] * 5 + ["finding.reported"]
    assert batch.json["data"]["events"][-1]["data"]["finding"]["report_count"] == 2


def test_signing_matches_the_standard_webhooks_reference_vector():
    """The example of the Standard Webhooks specification, signed by typodesk."""
    from typodesk.notify.webhook import sign

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
    assert Channel.Kind.WEBHOOK == "webhook"


def test_the_verification_snippet_in_the_docs_accepts_what_typodesk_sends(site, hook, receiver, deliverer):
    import pathlib
    import re

    docs = (pathlib.Path(__file__).parents[2] / "docs" / "notifications.md").read_text()
    (snippet,) = [block for block in re.findall(r"```python\n(.*?)```", docs, re.S) if "def verify" in block]
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 - our own documentation
    report(site)
    drain(deliverer)
    (req,) = receiver.received()
    assert namespace["verify"](hook.secret, req.headers, req.body)
    assert not namespace["verify"](hook.secret, req.headers, req.body + b" ")


def test_a_receiver_down_for_a_while_then_back_gets_every_event_exactly_once(
    site, hook, receiver, deliverer, clock
):
    receiver.stop()  # connections refused
    for i in range(4):
        report(site, f"w{i}", start=i * 10)
        drain(deliverer)
        clock.now = (
            Message.objects.filter(status="pending").order_by("next_attempt_at").first().next_attempt_at
        )
    assert Attempt.objects.filter(ok=False, permanent=False).count() == 4
    assert all(a.result == "connection failed" for a in Attempt.objects.all())

    receiver.start()  # back, on the same address
    drain(deliverer)
    clock.advance(seconds=61)
    drain(deliverer)
    events = []
    for req in receiver.received():
        assert verify(hook.secret, req.headers, req.body)
        events += req.json["data"]["events"] if req.json["type"] == "batch" else [req.json]
    assert sorted(e["data"]["finding"]["exact"] for e in events) == ["w0", "w1", "w2", "w3"]
    assert len(receiver.received()) == 2  # the retried message, then everything that waited
