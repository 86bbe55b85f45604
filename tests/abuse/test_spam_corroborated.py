"""A finding is spam only while its reports are: one suspicious report (often the first) no longer
buries a mistake that many readers confirm."""

from __future__ import annotations

import pytest

from tests.abuse.conftest import body, post
from typodesk.findings.models import Finding, Report
from typodesk.findings.services import set_status
from typodesk.notify.models import Channel, Notification

pytestmark = pytest.mark.django_db(transaction=True)

POLITE = "Please fix, this is embarrassing"


def finding_of(r) -> Finding:
    assert r.status_code == 201, r.content
    return Finding.objects.get(pk=r.json()["finding"])


def untill(site, n: int = 0, **over) -> dict:
    data = body(site, n, **over)
    data["quote"].update(exact="untill", prefix="Wait ", suffix=" the end", start=5, end=11)
    return data


def test_the_28_report_case_comes_out_of_spam_and_counts_its_readers(client, site, make_user):
    Channel.objects.create(site=site, kind="webhook", name="h", target="https://h.example/x", events=["new"])
    # The polite comment was sent on two other pages first…
    for n in (1, 2):
        post(client, untill(site, n, comment=POLITE), ip=f"198.51.100.{n}")
    # …so the first report of this typo, which carries it too, is judged spam.
    first = finding_of(post(client, untill(site, 0, comment=POLITE, suggestion="until"), ip="192.0.2.1"))
    assert first.status == "spam"
    assert Report.objects.get(finding=first).spam.startswith("the same comment on 3 pages")
    # 27 more reports: 18 readers in all suggest "until", a few paste the polite comment too, and
    # one reader sends it twice.
    ips = [f"192.0.2.{i}" for i in range(2, 28)] + ["192.0.2.2"]
    for k, ip in enumerate(ips):
        over = {"suggestion": "until" if k < 17 else ""}
        if k % 9 == 4:
            over["comment"] = POLITE
        f = finding_of(post(client, untill(site, 0, **over), ip=ip))
        assert f.pk == first.pk
        if k == 1:  # the second clean reader: enough
            assert f.status == "new"
    f = Finding.objects.get(pk=first.pk)
    assert f.status == "new"
    assert f.report_count == 28 and f.reader_count == 27  # 192.0.2.2 reported twice
    assert Report.objects.filter(finding=f).exclude(spam="").count() == 4  # judged one by one
    lift = f.history.filter(old_status="spam", new_status="new").get()
    assert lift.user is None and "2 readers reported it without anything that looks like spam" in lift.note
    # The editors hear of it once, when it leaves the folder, then of each report as usual.
    created = Notification.objects.filter(event="finding.created", data__finding__id=f.pk)
    assert created.count() == 1
    # Later suspicious reports do not send it back.
    assert finding_of(post(client, untill(site, 0, comment=POLITE), ip="192.0.2.99")).status == "new"


def test_one_clean_reader_is_not_enough_and_a_spammer_cannot_confirm_himself(client, site):
    for n in (1, 2):
        post(client, untill(site, n, comment=POLITE), ip=f"198.51.100.{n}")
    f = finding_of(post(client, untill(site, 0, comment=POLITE), ip="192.0.2.1"))
    # The same reader, now without the comment: still only the spammer.
    assert finding_of(post(client, untill(site, 0), ip="192.0.2.1")).status == "spam"
    assert finding_of(post(client, untill(site, 0), ip="192.0.2.2")).status == "spam"  # one clean reader
    assert finding_of(post(client, untill(site, 0), ip="192.0.2.3")).status == "new"  # two
    assert Finding.objects.get(pk=f.pk).reader_count == 3


def test_an_editors_spam_decision_stands(client, site, make_user):
    f = finding_of(post(client, untill(site, 0), ip="192.0.2.1"))
    set_status(f, "spam", make_user())
    for i in range(2, 6):
        assert finding_of(post(client, untill(site, 0), ip=f"192.0.2.{i}")).status == "spam"
