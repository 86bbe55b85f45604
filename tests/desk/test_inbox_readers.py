"""The inbox counts readers, not requests: reports posted to the report endpoint the way the widget
sends them, from readers told apart by their address (the day's reader hash)."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from typodesk.findings.models import Finding

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = reverse("desk:inbox")
REPORTS = "/api/v1/reports"


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example")


@pytest.fixture
def site(make_site, editor):
    return make_site(members=[(editor, "editor")])


def send(client, site, exact: str, start: int, ip: str) -> None:
    """One report of ``exact`` on the story, from the reader at address ``ip``."""
    data = {
        "site": site.public_key,
        "url": "https://news.example/story",
        "title": "A story",
        "lang": "en",
        "quote": {
            "exact": exact,
            "prefix": "It was ",
            "suffix": " best of",
            "start": start,
            "end": start + len(exact),
        },
    }
    r = client.post(REPORTS, json.dumps(data), content_type="application/json", REMOTE_ADDR=ip)
    assert r.status_code == 201, r.content


def rows(html: str) -> dict[int, str]:
    """Each row's HTML by its finding's id."""
    return {
        int(pk): row
        for pk, row in re.findall(
            r'<li class="finding row[^"]*"[^>]* data-finding="(\d+)">(.*?)</li>', html, re.S
        )
    }


def count_of(row: str) -> tuple[str, str | None, str]:
    """The row's count: its short form, its title (None without one) and its words."""
    m = re.search(
        r'<span class="count" data-short="([^"]*)"(?: title="([^"]*)")?><span class="count-long">([^<]*)<',
        row,
    )
    assert m, row
    return m.group(1), m.group(2), m.group(3)


def test_the_same_reader_reporting_a_mistake_twice_is_one_reader(client, site, editor):
    send(client, site, "teh", 7, "192.0.2.1")
    send(client, site, "teh", 7, "192.0.2.1")  # the same reader, the same day: the same hash
    send(client, site, "wich", 30, "192.0.2.1")
    send(client, site, "wich", 30, "192.0.2.2")  # another reader
    teh, wich = Finding.objects.get(exact="teh"), Finding.objects.get(exact="wich")
    assert (teh.report_count, teh.reader_count) == (2, 1)
    assert (wich.report_count, wich.reader_count) == (2, 2)
    client.force_login(editor)
    shown = rows(client.get(INBOX).content.decode())
    # The readers, and the raw reports in the title only where they are more.
    assert count_of(shown[teh.pk]) == ("×1", "2 reports from 1 reader", "1 reader")
    assert count_of(shown[wich.pk]) == ("×2", None, "2 readers")
    assert list(shown) == [wich.pk, teh.pk]  # two readers first, though teh was reported as often


def test_two_readers_outrank_one_reader_who_reported_three_times(client, site, editor):
    from tests.api.conftest import Api
    from typodesk.apiv1.tokens import create_token

    send(client, site, "wich", 30, "192.0.2.2")
    send(client, site, "wich", 30, "192.0.2.3")
    for _ in range(3):  # reported last, and more often: first by reports or by the last report
        send(client, site, "teh", 7, "192.0.2.1")
    teh, wich = Finding.objects.get(exact="teh"), Finding.objects.get(exact="wich")
    assert (teh.report_count, teh.reader_count, wich.report_count, wich.reader_count) == (3, 1, 2, 2)
    client.force_login(editor)
    assert list(rows(client.get(INBOX).content.decode())) == [wich.pk, teh.pk]
    assert list(rows(client.get(INBOX, {"sort": "reports"}).content.decode())) == [wich.pk, teh.pk]
    assert list(rows(client.get(INBOX, {"sort": "recent"}).content.decode())) == [teh.pk, wich.pk]
    assert count_of(rows(client.get(INBOX).content.decode())[teh.pk])[1] == "3 reports from 1 reader"
    # The API's default order is the inbox's, with both counts in each item.
    _, secret = create_token(editor)
    items = Api(client, secret).get("/findings").json()["items"]
    assert [(i["id"], i["reader_count"], i["report_count"]) for i in items] == [
        (wich.pk, 2, 2),
        (teh.pk, 1, 3),
    ]
