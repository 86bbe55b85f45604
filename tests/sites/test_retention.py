"""The retention purge: closed findings past the site's retention period go, with their reports,
in bounded batches; open ones, recent ones and other sites' stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from typodesk.findings.models import Finding, Report, StatusChange
from typodesk.findings.retention import RetentionPurge, purge_batch
from typodesk.findings.services import Quote, record_report, set_status
from typodesk.sites.models import Site

pytestmark = pytest.mark.django_db


def finding(site, n, status="new", closed_days_ago=None, reports=1):
    for _ in range(reports):
        f = record_report(
            site,
            url=f"https://{site.hosts()[0]}/story-{n}",
            quote=Quote(f"teh{n}", "It was ", " best", 7, 10 + len(str(n))),
            title="A",
        ).finding
    if status != "new":
        set_status(f, status)
        Finding.objects.filter(pk=f.pk).update(
            status_changed=timezone.now() - timedelta(days=closed_days_ago)
        )
    return f


@pytest.fixture
def kept(make_site):
    return make_site(name="Keeps everything", domains=("keep.example",))


def test_purges_only_closed_findings_past_the_period(site, kept):
    Site.objects.filter(pk=site.pk).update(retention_days=30)
    site.refresh_from_db()
    old = [finding(site, i, status, 31, reports=2) for i, status in enumerate(["fixed", "rejected", "spam"])]
    dup_target = finding(site, 10)
    dup = finding(site, 11)
    set_status(dup, duplicate_of=dup_target)
    assert Finding.objects.get(pk=dup.pk).status == "duplicate"
    Finding.objects.filter(pk=dup.pk).update(status_changed=timezone.now() - timedelta(days=40))
    recent = finding(site, 20, "fixed", 29)
    open_old = finding(site, 21)
    Finding.objects.filter(pk=open_old.pk).update(created=timezone.now() - timedelta(days=400))
    elsewhere = finding(kept, 30, "fixed", 4000)  # the other site keeps findings forever

    purge = RetentionPurge(batch=100, clock=lambda: 0.0)
    assert purge.tick() == 4
    assert purge.tick() == 0
    gone = [*old, dup]
    assert not Finding.objects.filter(pk__in=[f.pk for f in gone]).exists()
    assert not Report.objects.filter(finding_id__in=[f.pk for f in gone]).exists()
    assert not StatusChange.objects.filter(finding_id__in=[f.pk for f in gone]).exists()
    remaining = set(Finding.objects.values_list("pk", flat=True))
    assert remaining == {dup_target.pk, recent.pk, open_old.pk, elsewhere.pk}
    assert Report.objects.filter(finding=recent).count() == 1


def test_batches_are_bounded_and_the_backlog_is_worked_off(site):
    Site.objects.filter(pk=site.pk).update(retention_days=1)
    for i in range(7):
        finding(site, i, "fixed", 2)
    now = [0.0]
    purge = RetentionPurge(batch=3, interval=300, clock=lambda: now[0])
    assert [purge.tick() for _ in range(4)] == [3, 3, 1, 0]
    assert not Finding.objects.exists()
    # Between sweeps it does not look again (a cheap no-op) …
    finding(site, 99, "fixed", 2)
    assert purge.tick() == 0
    # … until the interval has passed.
    now[0] = 301.0
    assert purge.tick() == 1


def test_blank_retention_keeps_everything(site):
    f = finding(site, 1, "fixed", 10_000)
    assert RetentionPurge(clock=lambda: 0.0).tick() == 0
    assert purge_batch(site, 10) == 0
    assert Finding.objects.filter(pk=f.pk).exists()


def test_the_worker_runs_the_purge():
    from typodesk.worker import default_jobs

    jobs = {j.name: j for j in default_jobs("test", lambda: False)}
    assert "retention" in jobs
    assert jobs["retention"].tick.__self__.__class__ is RetentionPurge
