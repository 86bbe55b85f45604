"""The desk's channel pages: owners only, CSRF everywhere, no inline script, secrets masked."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.notify.conftest import drain, report
from typodesk.heartbeat.models import WorkerBeat
from typodesk.notify.models import Attempt, Channel, Message
from typodesk.sites.models import Site

pytestmark = pytest.mark.django_db
TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-bs"


def url(name, site, *args):
    return reverse(f"notify:{name}", args=[site.public_key, *args])


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner)
    return client


def pages_of(site, channel):
    return [
        reverse("notify:index"),
        url("site", site),
        url("new", site, "webhook"),
        url("channel", site, channel.pk),
    ]


def assert_no_inline_code(html: str) -> None:
    # Scripts only from files (the desk's own desk.js): the CSP allows no inline code.
    assert not re.search(r"<script(?![^>]*\ssrc=)", html), "no inline script"
    assert not re.search(r"\son[a-z]+\s*=", html), "no inline event handlers"
    assert not re.search(r"\sstyle\s*=", html), "no inline styles (the CSP forbids them)"


def test_owners_manage_channels_others_cannot_even_look(client, site, make_user, make_channel, owner):
    from typodesk.sites.models import Membership

    channel = make_channel("webhook", "https://cms.example/hook")
    editor, viewer, stranger = (make_user(f"{n}@news.example") for n in ("editor", "viewer", "stranger"))
    Membership.objects.create(site=site, user=editor, role="editor")
    Membership.objects.create(site=site, user=viewer, role="viewer")
    site_pages = pages_of(site, channel)[1:]
    posts = [url(a, site, channel.pk) for a in ("test", "pause", "resume", "delete", "rotate-secret")]

    for user, status in ((editor, 403), (viewer, 403), (stranger, 404)):
        client.force_login(user)
        assert client.get(reverse("notify:index")).status_code == 200  # says who can help
        for page in site_pages:
            assert client.get(page).status_code == status, (user, page)
        for action in posts:
            assert client.post(action).status_code == status, (user, action)
    assert Channel.objects.filter(pk=channel.pk, paused_at=None).exists()

    client.logout()
    r = client.get(url("site", site))
    assert r.status_code == 302 and reverse("desk:login") in r.url

    client.force_login(owner)
    for page in pages_of(site, channel):
        r = client.get(page)
        assert r.status_code == 200, page
        assert_no_inline_code(r.content.decode())
    # Unknown sites and other sites' channels are 404 like everything else.
    other = Site.objects.create(name="Other")
    assert client.get(url("site", other)).status_code == 404
    assert client.get(reverse("notify:channel", args=[site.public_key, 999999])).status_code == 404


def test_every_form_needs_a_csrf_token(site, owner, make_channel):
    channel = make_channel("webhook", "https://cms.example/hook")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    html = client.get(url("channel", site, channel.pk)).content.decode()
    # Every form that posts carries the token; <form method="dialog"> only closes a dialog.
    posting = len(re.findall(r"<form(?![^>]*method=\"dialog\")", html))
    assert posting == html.count('name="csrfmiddlewaretoken"')
    assert client.post(url("pause", site, channel.pk)).status_code == 403
    assert (
        client.post(url("new", site, "webhook"), {"name": "x", "url": "https://a.example/"}).status_code
        == 403
    )
    channel.refresh_from_db()
    assert channel.paused_at is None


def test_creating_a_webhook_shows_its_secret_exactly_once(as_owner, site, allow_private):
    r = as_owner.post(
        url("new", site, "webhook"),
        {"name": "CMS", "url": "http://127.0.0.1:9/hook", "events": ["new", "fixed"]},
        follow=True,
    )
    channel = Channel.objects.get()
    assert channel.kind == "webhook" and channel.events == ["new", "fixed"] and channel.created_by.email
    html = r.content.decode()
    assert channel.secret.startswith("whsec_") and channel.secret in html and "shown this once" in html
    again = as_owner.get(url("channel", site, channel.pk)).content.decode()
    assert channel.secret not in again
    assert channel.secret not in as_owner.get(url("site", site)).content.decode()

    old = channel.secret
    r = as_owner.post(url("rotate-secret", site, channel.pk), follow=True)
    channel.refresh_from_db()
    assert channel.secret != old and channel.secret in r.content.decode()
    assert channel.secret not in as_owner.get(url("channel", site, channel.pk)).content.decode()


def test_stored_urls_are_masked_and_kept_when_the_field_is_left_empty(as_owner, site):
    r = as_owner.post(
        url("new", site, "apprise"),
        {"name": "Telegram", "url": f"tgram://{TOKEN}/-1001234567890", "events": ["new"]},
        follow=True,
    )
    channel = Channel.objects.get()
    assert channel.target == f"tgram://{TOKEN}/-1001234567890"
    for page in (r, as_owner.get(url("site", site)), as_owner.get(url("channel", site, channel.pk))):
        html = page.content.decode()
        assert "tgram://" in html
        assert TOKEN not in html and "AAEhBOweik6ad9r" not in html

    as_owner.post(
        url("channel", site, channel.pk), {"name": "Telegram night", "url": "", "events": ["new", "reported"]}
    )
    channel.refresh_from_db()
    assert channel.name == "Telegram night" and channel.events == ["new", "reported"]
    assert channel.target == f"tgram://{TOKEN}/-1001234567890"


def test_webhook_urls_on_private_addresses_are_refused_unless_allowed(as_owner, site, settings):
    form = {"name": "x", "events": ["new"]}
    for target in (
        "http://127.0.0.1:8000/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest",
        "http://localhost/",
    ):
        r = as_owner.post(url("new", site, "webhook"), {**form, "url": target})
        assert r.status_code == 400 and "private, loopback or link-local" in r.content.decode(), target
    r = as_owner.post(url("new", site, "webhook"), {**form, "url": "ftp://files.example/"})
    assert "must start with https://" in r.content.decode()
    assert not Channel.objects.exists()
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True
    assert (
        as_owner.post(url("new", site, "webhook"), {**form, "url": "http://127.0.0.1:8000/hook"}).status_code
        == 302
    )


def test_email_channels_check_their_addresses_and_modes(as_owner, site):
    base = {
        "name": "Desk",
        "events": ["new"],
        "digest_hour": "8",
        "time_zone": "Europe/Berlin",
        "language": "en",
    }
    r = as_owner.post(
        url("new", site, "email"),
        {**base, "recipients": "desk@news.example\nnot an address", "immediate": "on"},
    )
    assert "Not an e-mail address: not an address" in r.content.decode()
    r = as_owner.post(url("new", site, "email"), {**base, "recipients": "desk@news.example"})
    assert "a daily digest, or both" in r.content.decode()
    r = as_owner.post(
        url("new", site, "email"),
        {**base, "recipients": "desk@news.example, chief@news.example", "digest": "on", "digest_hour": "7"},
    )
    assert r.status_code == 302
    channel = Channel.objects.get()
    assert channel.recipients() == ["desk@news.example", "chief@news.example"]
    assert (channel.immediate, channel.digest, channel.digest_hour, channel.time_zone) == (
        False,
        True,
        7,
        "Europe/Berlin",
    )
    html = as_owner.get(url("channel", site, channel.pk)).content.decode()
    assert "daily digest at 07:00 (Europe/Berlin)" in html and "desk@news.example, chief@news.example" in html


def test_send_test_shows_the_real_result(as_owner, site, make_channel, receiver, allow_private):
    channel = make_channel("webhook", receiver.url + "/hook")
    r = as_owner.post(url("test", site, channel.pk), follow=True)
    assert "Test delivered (HTTP 200)" in r.content.decode()
    (req,) = receiver.received()
    assert req.json["type"] == "test" and req.json["data"]["channel"] == "webhook channel"

    receiver.status = 500
    r = as_owner.post(url("test", site, channel.pk), follow=True)
    html = r.content.decode()
    assert "Test failed (HTTP 500)" in html
    assert [a.result for a in Attempt.objects.filter(channel=channel, test=True).order_by("pk")] == [
        "HTTP 200",
        "HTTP 500",
    ]


def test_send_test_by_email_and_chat(as_owner, site, make_channel, smtp, receiver, allow_private):
    mail = make_channel("email", "desk@news.example", language="ru")
    chat = make_channel("apprise", f"json://127.0.0.1:{receiver.port}/chat")
    assert "Test delivered" in as_owner.post(url("test", site, mail.pk), follow=True).content.decode()
    assert smtp.mails[0].message["Subject"] == "[News Example] Проверочное уведомление typodesk"
    assert "Test delivered" in as_owner.post(url("test", site, chat.pk), follow=True).content.decode()
    assert receiver.received()[0].json["title"] == "[News Example] Test notification from typodesk"


def test_failures_are_shown_with_a_banner_and_a_way_out(
    as_owner, site, make_channel, receiver, allow_private, deliverer, clock
):
    channel = make_channel("webhook", receiver.url + "/hook")
    receiver.status = 404
    for i in range(3):
        report(site, f"w{i}", start=i * 10)
        drain(deliverer)
        clock.advance(seconds=61)
    html = as_owner.get(url("channel", site, channel.pk)).content.decode()
    assert "This channel is paused" in html and "3 messages in a row failed for good" in html
    assert "HTTP 404" in html and "✗ HTTP 404" in html  # each attempt, in the log
    assert "is-paused" in as_owner.get(url("site", site)).content.decode()
    assert "1 paused" in as_owner.get(reverse("notify:index")).content.decode()
    # Every desk page says so in the menu, so the owner notices without looking for it.
    assert "1 paused</span>" in as_owner.get(reverse("desk:inbox")).content.decode()

    receiver.status = 200
    r = as_owner.post(url("resume", site, channel.pk), follow=True)
    assert "3 failed messages queued again" in r.content.decode()
    drain(deliverer)
    assert Message.objects.filter(channel=channel, status="sent").count() == 3


def test_errors_in_the_log_are_escaped(as_owner, site, make_channel, allow_private):
    channel = make_channel("webhook", "https://cms.example/hook")
    Attempt.objects.create(
        channel=channel, at=timezone.now(), ok=False, result="HTTP 500", error="<img src=x onerror=alert(1)>"
    )
    html = as_owner.get(url("channel", site, channel.pk)).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html


def test_a_warning_when_notifications_wait_and_no_worker_runs(as_owner, site, make_channel, clock):
    from datetime import timedelta

    from typodesk.notify.models import Notification

    channel = make_channel("webhook", "https://cms.example/hook")
    report(site)
    assert "No worker is running" not in as_owner.get(url("site", site)).content.decode()  # just arrived
    Notification.objects.update(due_at=timezone.now() - timedelta(minutes=10))
    html = as_owner.get(url("channel", site, channel.pk)).content.decode()
    assert "No worker is running" in html and "typodesk worker" in html
    WorkerBeat.objects.create(worker_id="w", started=timezone.now(), last_seen=timezone.now())
    assert "No worker is running" not in as_owner.get(url("site", site)).content.decode()


def test_pause_and_delete(as_owner, site, make_channel):
    channel = make_channel("webhook", "https://cms.example/hook")
    as_owner.post(url("pause", site, channel.pk))
    channel.refresh_from_db()
    assert channel.paused_at and channel.paused_reason == "paused by owner@news.example"
    r = as_owner.post(url("delete", site, channel.pk))
    assert r.status_code == 302 and not Channel.objects.exists()


def test_the_desk_navigation_links_to_notifications(as_owner):
    html = as_owner.get(reverse("desk:inbox")).content.decode()
    assert f'href="{reverse("notify:index")}"' in html


def test_owners_are_told_when_the_instance_has_no_smtp_server(as_owner, site, settings, make_channel):
    settings.EMAIL_HOST = ""
    assert "E-mail is not set up on this instance" in as_owner.get(url("new", site, "email")).content.decode()
    channel = make_channel("email", "desk@news.example")
    assert "TYPODESK_EMAIL_URL" in as_owner.get(url("channel", site, channel.pk)).content.decode()
    settings.EMAIL_HOST = "smtp.news.example"
    assert "E-mail is not set up" not in as_owner.get(url("channel", site, channel.pk)).content.decode()


def test_webhook_urls_are_shown_masked():
    from typodesk.notify.targets import mask_url

    assert mask_url("https://cms.example/hooks/typodesk/9f8e7d6c5b4a3f2e1d0c?token=abc") == (
        "https://cms.example/hooks/typodesk/9f8…?…"
    )
    assert mask_url("https://user:pass@cms.example:8443/x") == "https://****@cms.example:8443/x"
