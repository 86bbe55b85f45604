"""E-mail channels, against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.notify.conftest import drain, report
from typodesk.notify.models import Attempt, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(make_channel):
    return make_channel("email", "editor@news.example\nchief@news.example", name="Editors")


def test_one_mail_per_new_finding_with_the_quote_in_context_the_suggestion_and_links(
    site, mailbox, smtp, deliverer
):
    f = report(site, suggestion="the", comment="Second paragraph.").finding
    drain(deliverer)

    (mail,) = smtp.mails
    msg = mail.message
    assert mail.mail_from == "typodesk@desk.example"
    assert sorted(mail.rcpt_tos) == ["chief@news.example", "editor@news.example"]
    assert msg["Subject"] == "[News Example] New finding: “teh”"
    assert msg["Auto-Submitted"] == "auto-generated"
    uid = Message.objects.get().uid
    assert msg["Message-ID"] == f"<{uid}@desk.example>"

    text = mail.part("text/plain")
    assert "“…It was [teh] best of times…”" in text
    assert "Suggested: “the”" in text
    assert "Comment:\n    Second paragraph." in text
    assert f"Open in the desk: https://desk.example/desk/findings/{f.pk}/" in text
    assert "Live page: https://news.example/story#:~:text=It%20was-,teh,-best%20of%20times" in text
    assert "1 report in all" in text

    html = mail.part("text/html")
    assert "<mark" in html and ">teh</mark>" in html
    assert f'href="https://desk.example/desk/findings/{f.pk}/"' in html
    assert 'href="https://news.example/story#:~:text=It%20was-,teh,-best%20of%20times"' in html
    assert ">the</ins>" in html

    attempt = Attempt.objects.get()
    assert attempt.ok and attempt.result == "delivered to 2 recipients"


def test_mails_speak_the_language_chosen_for_the_channel(site, make_channel, smtp, deliverer):
    make_channel("email", "redaktor@news.example", language="ru")
    report(site, suggestion="the")
    drain(deliverer)
    msg = smtp.mails[0].message
    assert msg["Subject"] == "[News Example] Новая ошибка: “teh”"
    text = smtp.mails[0].part("text/plain")
    assert "Предложено: “the”" in text and "Открыть в редакции" in text and "Всего 1 сообщение" in text
    assert 'lang="ru"' in smtp.mails[0].part("text/html")


def test_what_a_reader_sent_is_escaped_and_cannot_add_headers_or_recipients(site, mailbox, smtp, deliverer):
    report(
        site,
        exact="<script>alert(1)</script>",
        title="Story\r\nBcc: victim@evil.example\r\nX-Injected: yes",
        suggestion='<img src=x onerror="alert(2)">\r\n\r\nBcc: victim@evil.example',
        comment="line one\r\n.\r\nRCPT TO:<victim@evil.example>\r\n",
    )
    drain(deliverer)
    (mail,) = smtp.mails
    msg = mail.message
    assert sorted(mail.rcpt_tos) == ["chief@news.example", "editor@news.example"]
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]

    html = mail.part("text/html")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html

    text = mail.part("text/plain")
    # One line per quote and suggestion; a comment's lines are indented, never at the start of a line.
    assert "Page: Story Bcc: victim@evil.example X-Injected: yes" in text
    assert "\nBcc:" not in text and "\nRCPT" not in text and "\n.\n" not in text
    assert "    RCPT TO:<victim@evil.example>" in text


def test_a_daily_digest_at_the_chosen_hour_in_the_channel_time_zone(
    site, make_channel, smtp, deliverer, clock
):
    from typodesk.notify.models import Notification

    make_channel(
        "email", "chief@news.example", immediate=False, digest=True, digest_hour=9, time_zone="Asia/Baku"
    )
    report(site, "teh", start=7)
    report(site, "recieve", start=40, prefix="we ", suffix=" mail")
    report(site, "teh", start=7)
    due = Notification.objects.first().due_at
    assert due.astimezone(ZoneInfo("Asia/Baku")).hour == 9

    drain(deliverer)
    assert smtp.mails == []  # nothing before the hour

    clock.now = due + timedelta(seconds=5)
    drain(deliverer)
    (mail,) = smtp.mails
    assert mail.message["Subject"] == "[News Example] Daily digest: 2 new findings"
    text = mail.part("text/plain")
    assert "Daily digest of News Example" in text
    assert "[teh]" in text and "[recieve]" in text
    assert "New finding, 2 reports" in text

    clock.advance(days=1)
    drain(deliverer)
    assert len(smtp.mails) == 1  # no events, no digest


def test_smtp_down_for_a_while_then_back_every_notification_arrives_exactly_once(
    site, mailbox, smtp, deliverer, clock
):
    smtp.stop()
    report(site, "one", start=1)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert not attempt.ok and not attempt.permanent and attempt.result == "mail server unreachable"
    message = Message.objects.get()
    first_retry = message.next_attempt_at - clock.now
    assert timedelta(seconds=24) <= first_retry <= timedelta(seconds=36)  # 30 s ± 20 %

    # More reports while the server is down: they wait behind the message being retried.
    report(site, "two", start=20)
    report(site, "three", start=40)
    for _ in range(4):
        clock.now = (
            Message.objects.filter(status="pending").order_by("next_attempt_at").first().next_attempt_at
        )
        drain(deliverer)
    assert Message.objects.count() == 1 and Attempt.objects.filter(ok=False).count() == 5
    waits = [a.at for a in Attempt.objects.order_by("at")]
    gaps = [b - a for a, b in zip(waits, waits[1:], strict=False)]
    assert all(later > earlier for earlier, later in zip(gaps, gaps[1:], strict=False)), "backoff grows"

    smtp.start()  # the server is back
    clock.now = Message.objects.get().next_attempt_at
    drain(deliverer)
    clock.advance(seconds=61)  # the grouping window of the catch-up message
    drain(deliverer)

    quotes = [
        line for m in smtp.mails for line in m.part("text/plain").splitlines() if line.startswith("  “")
    ]
    assert sorted(quotes) == sorted(
        [
            "  “…It was [one] best of times…”",
            "  “…It was [two] best of times…”",
            "  “…It was [three] best of times…”",
        ]
    )
    assert len(smtp.mails) == 2  # the retried message, then one with everything that waited
    assert not Message.objects.exclude(status="sent").exists()
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.last_success_at is not None


def test_a_refused_address_is_a_permanent_failure_that_marks_the_channel(
    site, make_channel, smtp, deliverer, clock
):
    channel = make_channel("email", "nobody@news.example")
    smtp.refuse.add("nobody@news.example")
    report(site)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert not attempt.ok and attempt.permanent and "550" in attempt.error
    assert Message.objects.get().status == "failed"
    channel.refresh_from_db()
    assert "nobody@news.example: 550" in channel.last_error and channel.paused_at is None

    clock.advance(days=2)
    drain(deliverer)
    assert Attempt.objects.count() == 1  # never retried
    assert smtp.mails == []


def test_some_refused_recipients_still_deliver_to_the_others_and_warn(site, make_channel, smtp, deliverer):
    channel = make_channel("email", "editor@news.example\ngone@news.example")
    smtp.refuse.add("gone@news.example")
    report(site)
    drain(deliverer)
    assert [m.rcpt_tos for m in smtp.mails] == [["editor@news.example"]]
    attempt = Attempt.objects.get()
    assert (
        attempt.ok
        and attempt.result == "delivered to 1 of 2 recipients"
        and "gone@news.example" in attempt.error
    )
    channel.refresh_from_db()
    assert "gone@news.example: 550" in channel.last_error


def test_without_an_smtp_server_configured_mails_wait_and_say_why(site, mailbox, settings, deliverer):
    settings.EMAIL_HOST = ""
    report(site)
    drain(deliverer)
    attempt = Attempt.objects.get()
    assert not attempt.ok and not attempt.permanent and "TYPODESK_EMAIL_URL" in attempt.error
    assert Message.objects.get().status == "pending"


def test_the_email_url_is_parsed_into_smtp_settings():
    from typodesk.conf import ConfigError
    from typodesk.notify.emailconf import parse_email_url

    assert parse_email_url("smtp+tls://user%40news.example:p%40ss@smtp.example:2525?timeout=7") == {
        "host": "smtp.example",
        "port": 2525,
        "username": "user@news.example",
        "password": "p@ss",
        "tls": "starttls",
        "timeout": 7,
    }
    assert parse_email_url("smtps://smtp.example")["port"] == 465
    assert parse_email_url("smtps://smtp.example")["tls"] == "ssl"
    assert parse_email_url("smtp://localhost")["port"] == 25
    assert parse_email_url("")["host"] == ""
    for bad in ("http://smtp.example", "smtp://", "smtp+tls://h:notaport", "smtp://h?timeout=soon"):
        with pytest.raises(ConfigError, match="TYPODESK_EMAIL_URL"):
            parse_email_url(bad)
