"""The readers' "it is fixed" mail, delivered through a real SMTP server, carries the correction
the editor published when closing the finding."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from tests.notify.conftest import Clock, smtp  # noqa: F401 (fixture)
from typodesk.findings.models import Report
from typodesk.findings.services import Quote, record_report
from typodesk.notify.models import ReaderMail
from typodesk.notify.reader import ReaderMailer

pytestmark = pytest.mark.django_db


def test_publishing_when_closing_puts_the_correction_in_the_mail(client, smtp, make_site, make_user):  # noqa: F811
    editor = make_user()
    site = make_site(name="News Example", members=[(editor, "editor")])
    site.allow_reader_email = True
    site.save()
    f = record_report(
        site,
        url="https://news.example/story",
        quote=Quote("destructed", "The bridge was ", " in the storm", 15, 25),
        title="The bridge",
        suggestion="destroyed",
        email="reader@mail.example",
        lang="ru-RU",
    ).finding
    client.force_login(editor)
    r = client.post(
        reverse("corrections:finding", args=[f.pk]),
        {
            "action": "publish",
            "kind": "correction",
            "title": "The bridge",
            "correction_text": "Мост <b>разрушен</b>.",
        },
    )
    assert r.status_code == 302
    job = ReaderMailer(worker_id="test", clock=Clock(), rng=random.Random(3))
    assert job.tick() == 1
    (mail,) = smtp.mails
    text, html = mail.part("text/plain"), mail.part("text/html")
    assert "Редакция опубликовала исправление:\nМост <b>разрушен</b>." in text
    assert "Мост &lt;b&gt;разрушен&lt;/b&gt;." in html
    assert (
        f"https://desk.example/c/{site.public_key}/" in text
        and f"https://desk.example/c/{site.public_key}/" in html
    )
    assert ReaderMail.objects.get().address == "" and not Report.objects.exclude(email="").exists()
