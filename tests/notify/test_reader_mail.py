"""The reader's "thank you, it is fixed" mail, delivered to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.notify.conftest import Clock, report
from tests.notify.receivers import SmtpServer
from typodesk.findings.models import Finding, Report
from typodesk.findings.services import set_status
from typodesk.notify.models import ReaderMail
from typodesk.notify.reader import ReaderMailer, mail_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(site):
    site.allow_reader_email = True
    site.save()
    return site


@pytest.fixture
def mailer():
    clock = Clock()
    return ReaderMailer(worker_id="test", clock=clock, rng=random.Random(3)), clock


def addresses() -> list[str]:
    return sorted(a for a in Report.objects.values_list("email", flat=True) if a) + sorted(
        a for a in ReaderMail.objects.values_list("address", flat=True) if a
    )


def by_recipient(smtp) -> dict:
    return {m.rcpt_tos[0]: m for m in smtp.mails}


def test_fixed_in_the_desk_each_reader_gets_one_mail_in_their_language_then_the_address_is_gone(
    client, smtp, site, owner, mailer
):
    job, _clock = mailer
    f = report(site, email="ivan@mail.example", lang="ru-RU").finding
    report(site, email="Ivan@Mail.example", lang="ru")  # the same reader, reporting twice
    report(site, email="leyla@mail.example", lang="az")
    report(site, email="hans@mail.example", lang="de", suggestion="the")
    report(site, lang="en")  # no address
    client.force_login(owner)
    client.post(reverse("desk:finding-status", args=[f.pk]), {"status": "fixed"})
    assert ReaderMail.objects.filter(status="pending").count() == 3
    assert job.tick() == 3
    mails = by_recipient(smtp)
    assert len(smtp.mails) == 3 and set(mails) == {
        "Ivan@Mail.example",
        "leyla@mail.example",
        "hans@mail.example",
    }
    ru, az, en = mails["Ivan@Mail.example"], mails["leyla@mail.example"], mails["hans@mail.example"]
    assert ru.message["Subject"] == "Исправлено: ошибка, о которой вы сообщили на сайте News Example"
    assert "Спасибо, что сообщили об ошибке" in ru.part("text/plain")
    assert "[teh]" in ru.part("text/plain") and "https://news.example/story" in ru.part("text/plain")
    assert az.message["Subject"] == "Düzəldildi: News Example saytında bildirdiyiniz səhv"
    assert en.message["Subject"] == "Fixed: the mistake you reported on News Example"
    assert "<del>teh</del>" in en.part("text/html") and 'lang="en"' in en.part("text/html")
    assert en.message["Auto-Submitted"] == "auto-generated"
    # Every address is gone: from the reports and from the mails' rows.
    assert addresses() == []
    assert set(ReaderMail.objects.values_list("status", flat=True)) == {"sent"}
    assert job.tick() == 0 and len(smtp.mails) == 3  # one mail each, never again


def test_fixed_by_the_page_reader_mails_the_reader_with_the_new_text(smtp, site, mailer):
    from typodesk.pages.recheck import Reading, apply

    job, _clock = mailer
    f = report(site, email="reader@mail.example", lang="en").finding
    text = "It was the best of times"
    moved = apply(
        f,
        {"verdict": "changed", "replacement": "the", "start": 7, "end": 10, "score": 0.9},
        text,
        Reading(url="https://news.example/story", http_status=200, text=text),
    )
    assert moved == Finding.Verification.FIXED_ON_PAGE
    f.refresh_from_db()
    assert f.status == "fixed"
    assert job.tick() == 1
    body = smtp.mails[0].part("text/plain")
    assert "The page now reads: “the”" in body
    assert addresses() == []


@pytest.mark.parametrize("closed", ["rejected", "spam"])
def test_closed_without_a_fix_erases_the_addresses_and_sends_nothing(smtp, site, closed, mailer):
    job, _clock = mailer
    f = report(site, email="reader@mail.example").finding
    set_status(f, closed)
    assert addresses() == [] and ReaderMail.objects.count() == 0
    assert job.tick() == 0 and smtp.mails == []


def test_reopened_before_the_mail_left_takes_it_back_and_keeps_the_address(smtp, site, mailer):
    job, _clock = mailer
    f = report(site, email="reader@mail.example").finding
    set_status(f, "fixed")
    set_status(f, "new")
    assert ReaderMail.objects.count() == 0 and addresses() == ["reader@mail.example"]
    assert job.tick() == 0
    set_status(f, "fixed")  # the real fix
    assert job.tick() == 1 and len(smtp.mails) == 1 and addresses() == []


def test_a_mail_server_that_is_down_is_retried_and_the_address_kept_until_delivered(settings, site, mailer):
    job, clock = mailer
    down = SmtpServer()  # not started: nothing listens on its port
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", down.port, 2
    settings.EMAIL_HOST_USER, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = "", False, False
    f = report(site, email="reader@mail.example").finding
    set_status(f, "fixed")
    assert job.tick() == 1
    mail = ReaderMail.objects.get()
    assert (mail.status, mail.attempts, mail.address) == ("pending", 1, "reader@mail.example")
    assert "cannot reach the mail server" in mail.last_error
    assert addresses() == ["reader@mail.example", "reader@mail.example"]
    assert job.tick() == 0  # not due yet: backoff
    down.start()
    try:
        clock.advance(minutes=5)
        assert job.tick() == 1
        assert len(down.mails) == 1 and addresses() == []
        assert ReaderMail.objects.get().status == "sent"
    finally:
        down.stop()


def test_an_address_the_server_refuses_fails_for_good_and_is_erased(smtp, site, mailer):
    job, _clock = mailer
    smtp.refuse.add("nobody@mail.example")
    f = report(site, email="nobody@mail.example").finding
    report(site, email="reader@mail.example")
    set_status(f, "fixed")
    assert job.tick() == 2
    assert [m.rcpt_tos for m in smtp.mails] == [["reader@mail.example"]]
    failed = ReaderMail.objects.get(status="failed")
    assert failed.address == "" and "nobody@mail.example" not in failed.last_error
    assert addresses() == []


def test_after_a_day_of_failures_the_mail_is_given_up_and_the_address_erased(settings, site, mailer):
    job, clock = mailer
    settings.EMAIL_HOST = ""  # e-mail not configured: a temporary failure
    f = report(site, email="reader@mail.example").finding
    set_status(f, "fixed")
    job.tick()
    assert addresses() != []
    clock.advance(hours=25)
    job.tick()
    assert ReaderMail.objects.get().status == "failed" and addresses() == []


def test_reader_text_cannot_inject_markup_or_headers(smtp, site, mailer):
    job, _clock = mailer
    hostile = "<script>alert(1)</script>\r\nBcc: victim@mail.example"
    f = report(site, exact=hostile, email="reader@mail.example", title=hostile).finding
    set_status(f, "fixed")
    job.tick()
    mail = smtp.mails[0]
    assert mail.rcpt_tos == ["reader@mail.example"] and mail.message["Bcc"] is None
    assert "<script>" not in mail.part("text/html") and "&lt;script&gt;" in mail.part("text/html")


def test_languages():
    assert [mail_language(x) for x in ("ru-RU", "az_Latn", "AZ", "en-GB", "de", "", "<x>")] == [
        "ru", "az", "az", "en", "en", "en", "en"
    ]  # fmt: skip


def test_one_pending_mail_per_address_even_when_fixed_twice_quickly(site):
    f = report(site, email="reader@mail.example").finding
    set_status(f, "fixed")
    Finding.objects.filter(pk=f.pk).update(status="new")  # reopened without taking the mail back
    f.refresh_from_db()
    set_status(f, "fixed")
    assert ReaderMail.objects.filter(status="pending").count() == 1
    assert timedelta(0) <= ReaderMail.objects.get().next_attempt_at - ReaderMail.objects.get().created
