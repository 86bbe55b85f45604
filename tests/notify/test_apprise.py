"""Chat and push channels through Apprise, tested with its json:// target on a local receiver."""

from __future__ import annotations

import pytest

from tests.notify.conftest import drain, report
from typodesk.notify.models import Attempt, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(make_channel, receiver, allow_private):
    return make_channel("apprise", f"json://127.0.0.1:{receiver.port}/chat", name="Team chat")


def test_a_new_finding_is_a_short_message_with_title_and_link(site, chat, receiver, deliverer):
    f = report(site, suggestion="the", comment="Second paragraph.").finding
    drain(deliverer)
    (req,) = receiver.received()
    assert req.path == "/chat"
    body = req.json
    assert body["title"] == "[News Example] New finding"
    assert body["message"].splitlines() == [
        "“…It was [teh] best of times…”",
        "Suggested: “the”",
        "Comment:",
        "    Second paragraph.",
        "Page: A story",
        f"https://desk.example/desk/findings/{f.pk}/",
    ]
    assert Attempt.objects.get().ok


def test_chat_messages_are_localised(site, make_channel, receiver, allow_private, deliverer):
    make_channel("apprise", f"json://127.0.0.1:{receiver.port}/", language="az")
    report(site, suggestion="the")
    drain(deliverer)
    body = receiver.received()[0].json
    assert body["title"] == "[News Example] Yeni səhv" and "Təklif: “the”" in body["message"]


def test_a_service_error_is_retried_and_its_reason_recorded(site, chat, receiver, deliverer, clock):
    receiver.statuses = [500]
    report(site)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert not attempt.ok and not attempt.permanent and attempt.result == "HTTP 500"
    assert "error=500" in attempt.error or "500" in attempt.error
    clock.now = Message.objects.get().next_attempt_at
    drain(deliverer)
    assert len(receiver.received()) == 1 and Message.objects.get().status == "sent"


def test_a_4xx_from_the_service_is_permanent(site, chat, receiver, deliverer):
    receiver.status = 401
    report(site)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert attempt.permanent and attempt.result == "HTTP 401"
    chat.refresh_from_db()
    assert "401" in chat.last_error


def test_private_targets_are_refused_unless_allowed(site, make_channel, receiver, deliverer):
    make_channel("apprise", f"json://127.0.0.1:{receiver.port}/chat")
    report(site)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert attempt.permanent and attempt.result in ("private address refused", "bad URL")
    assert "127.0.0.1" in attempt.error
    assert receiver.received() == [] and receiver.refused == 0


def test_apprise_urls_are_masked_and_secrets_scrubbed_from_errors():
    from typodesk.notify.targets import mask_apprise_url, scrub

    token = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-bs"
    masked = mask_apprise_url(f"tgram://{token}/-1001234567890")
    assert masked.startswith("tgram://") and token not in masked and "AAEhBOweik6ad9r" not in masked
    masked = mask_apprise_url("json://user:hunter2secret@hooks.example/path?token=abcdef123456")
    assert "hunter2secret" not in masked and "abcdef123456" not in masked and "hooks.example" in masked
    assert "hunter2secret" not in scrub(
        "failed for json://user:hunter2secret@hooks.example", "json://user:hunter2secret@hooks.example"
    )


def test_apprise_urls_are_checked_before_they_are_saved(settings):
    from typodesk.notify.targets import apprise_url_problem

    assert "does not understand" in apprise_url_problem("tgram://x")
    assert "start" in apprise_url_problem("just some text")
    for refused in ("nosuchservice://x", "syslog://", "rsyslog://logs.example", "mqtt://mq.example/t"):
        assert "not a service typodesk sends to" in apprise_url_problem(refused)
    assert "private" in apprise_url_problem("json://127.0.0.1:8000/")
    assert "private" in apprise_url_problem("ntfy://localhost/topic")
    assert apprise_url_problem("tgram://123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-bs/-1001234567890") is None
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True
    assert apprise_url_problem("json://127.0.0.1:8000/") is None


def test_the_connection_guard_holds_even_when_the_saved_url_looked_public(
    site, make_channel, receiver, deliverer
):
    """DNS can answer differently at send time than when the URL was saved: the socket is checked too."""
    make_channel("apprise", f"json://127.0.0.1:{receiver.port}/chat")
    report(site)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert attempt.permanent and attempt.result == "private address refused"
    assert receiver.received() == [] and receiver.refused == 0
