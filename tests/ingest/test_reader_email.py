"""The optional "e-mail me when it is fixed" address: accepted as the report API's ``email``,
stored only where the site lets readers leave one (off by default), and only until the finding
is closed (fixed, not a mistake, spam), when every address of its reports is erased."""

from __future__ import annotations

import json

import pytest

from typodesk.findings.models import Finding, Report
from typodesk.findings.services import set_status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(make_site):
    site = make_site(domains=["news.example"])
    site.allow_reader_email = True
    site.save()
    return site


def send(client, site, email: str, exact: str = "teh"):
    quote = {"exact": exact, "prefix": "It was ", "suffix": " best", "start": 7, "end": 7 + len(exact)}
    body = {"site": site.public_key, "url": "https://news.example/a", "quote": quote, "email": email}
    return client.post("/api/v1/reports", json.dumps(body), content_type="application/json")


def test_off_by_default(client, make_site):
    site = make_site(domains=["news.example"])
    assert site.allow_reader_email is False
    assert send(client, site, "reader@mail.example").status_code == 201
    assert Report.objects.get().email == ""  # accepted, not kept: the site did not ask for it


def test_kept_where_the_site_allows_it(client, site):
    assert send(client, site, "reader@mail.example").status_code == 201
    assert send(client, site, "").status_code == 201  # optional
    assert [r.email for r in Report.objects.order_by("pk")] == ["reader@mail.example", ""]


@pytest.mark.parametrize("bad", ["not an address", "a@", "x" * 250 + "@mail.example", "a@b\x00.example"])
def test_not_an_address_is_refused(client, site, bad):
    r = send(client, site, bad)
    assert r.status_code == 400 and r.json()["field"] == "email"


@pytest.mark.parametrize("closed", ["rejected", "spam"])
def test_erased_when_the_finding_is_closed(client, site, closed):
    send(client, site, "one@mail.example")
    send(client, site, "two@mail.example")
    send(client, site, "other@mail.example", exact="another")
    finding = Finding.objects.get(exact="teh")
    set_status(finding, closed)
    assert list(Report.objects.filter(finding=finding).values_list("email", flat=True)) == ["", ""]
    assert Report.objects.get(exact="another").email == "other@mail.example"  # still open


def test_fixed_keeps_the_addresses_until_the_mail_leaves(client, site):
    # typodesk.notify.reader: one "fixed" mail per address goes through the outbox; the worker
    # erases each address once its mail is sent (tests/notify/test_reader_mail.py).
    from typodesk.notify.models import ReaderMail

    send(client, site, "one@mail.example")
    send(client, site, "two@mail.example")
    finding = Finding.objects.get(exact="teh")
    set_status(finding, "fixed")
    assert sorted(ReaderMail.objects.values_list("address", flat=True)) == [
        "one@mail.example",
        "two@mail.example",
    ]
    assert sorted(Report.objects.values_list("email", flat=True)) == ["one@mail.example", "two@mail.example"]


def test_a_closed_finding_keeps_no_new_address(client, site):
    send(client, site, "one@mail.example")
    set_status(Finding.objects.get(), "rejected")
    send(client, site, "late@mail.example")  # the finding stays rejected
    assert set(Report.objects.values_list("email", flat=True)) == {""}


def test_a_reopened_finding_keeps_the_new_address(client, site):
    send(client, site, "one@mail.example")
    set_status(Finding.objects.get(), "fixed")
    send(client, site, "again@mail.example")  # still there: the finding is new again
    assert Finding.objects.get().status == "new"
    # The first reader's mail was taken back before it left: they will hear of the real fix.
    assert sorted(Report.objects.values_list("email", flat=True)) == [
        "again@mail.example",
        "one@mail.example",
    ]
